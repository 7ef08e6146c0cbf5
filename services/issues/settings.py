"""Settings of the issues service that only it reads (environment, with defaults)."""

from __future__ import annotations

import os
from datetime import timedelta


def sla_tick_seconds() -> float:
    """How often the SLA timer looks for due warnings, breaches and call-backs."""
    return float(os.environ.get("ISSUES_SLA_TICK_SECONDS", "15"))


def evaluation_wait() -> timedelta:
    """How long a reporter has to rate a resolved issue before staff call back (回访)."""
    return timedelta(hours=float(os.environ.get("ISSUES_EVALUATION_WAIT_HOURS", "72")))
