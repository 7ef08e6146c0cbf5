"""Settings of the volunteers service read from the environment (see also shared/config.py)."""

from __future__ import annotations

import os
from datetime import timedelta


def reminder_tick_seconds() -> float:
    """How often the reminder timer looks for shifts starting soon."""
    return float(os.environ.get("VOLUNTEERS_REMINDER_TICK_SECONDS", "60"))


def reminder_lead() -> timedelta:
    """How long before a shift its volunteers are reminded."""
    return timedelta(hours=float(os.environ.get("VOLUNTEERS_REMINDER_LEAD_HOURS", "24")))


def roster_tick_seconds() -> float:
    """How often an idle worker looks for a queued roster run."""
    return float(os.environ.get("VOLUNTEERS_ROSTER_TICK_SECONDS", "2"))


def roster_lease() -> timedelta:
    """How long a worker holds a roster run without renewing it; a run whose worker died is
    taken up again once this has passed."""
    return timedelta(seconds=float(os.environ.get("VOLUNTEERS_ROSTER_LEASE_SECONDS", "60")))


def roster_solver_workers() -> int:
    """CP-SAT search workers (threads) per roster solve."""
    return int(os.environ.get("VOLUNTEERS_ROSTER_SOLVER_WORKERS", "2"))
