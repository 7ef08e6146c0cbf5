"""Whether a volunteer may take a place on a shift, and if not, why (a reason code the API
shows, like Engelsystem's sign-up states)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Slot:
    id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Refusal:
    code: str
    detail: str


def overlaps(a: Slot, b: Slot) -> bool:
    """Half-open intervals: a shift ending at 08:00 does not overlap one starting at 08:00."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def check_signup(shift: Slot, capacity: int, filled: int, own_shifts: list[Slot]) -> Refusal | None:
    if any(other.id == shift.id for other in own_shifts):
        return Refusal("already-signed-up", "You are already signed up for this shift.")
    if filled >= capacity:
        return Refusal("shift-full", f"All {capacity} places on this shift are taken.")
    for other in own_shifts:
        if overlaps(shift, other):
            return Refusal(
                "overlapping-shift",
                f"This shift overlaps your shift {other.id} "
                f"({other.starts_at.isoformat()} – {other.ends_at.isoformat()}).",
            )
    return None
