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
