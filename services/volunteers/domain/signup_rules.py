"""Whether a volunteer may take a place on a shift, and if not, why: a reason code the API
shows, like Engelsystem's sign-up states. The same rules bind the automatic roster
(`roster.py`), so a filled roster never breaks one.

Rules, in the order a volunteer would want to hear them:
already-signed-up, outside-signup-window, shift-full, missing-qualification,
overlapping-shift, too-little-rest, daily-hour-limit, weekly-hour-limit.
Staff may override any of them except already-signed-up; the override and its reason are
recorded with the sign-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Slot:
    id: str
    starts_at: datetime
    ends_at: datetime

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


@dataclass(frozen=True)
class Refusal:
    code: str
    detail: str


@dataclass(frozen=True)
class Limits:
    """Limits against overwork (Engelsystem #565, #746). Days and weeks are local."""

    max_hours_per_day: float = 8.0
    max_hours_per_week: float = 40.0
    min_rest: timedelta = timedelta(0)  # gap required between two shifts of one volunteer
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class ShiftTerms:
    """What a shift asks of whoever signs up."""

    slot: Slot
    capacity: int
    filled: int
    required_skills: frozenset[str] = frozenset()
    signup_opens_at: datetime | None = None
    signup_closes_at: datetime | None = None


@dataclass(frozen=True)
class Volunteer:
    skills: frozenset[str] = frozenset()  # confirmed skills and qualifications only
    shifts: tuple[Slot, ...] = ()  # the shifts they already hold
    limits: Limits = field(default_factory=Limits)


def overlaps(a: Slot, b: Slot) -> bool:
    """Half-open intervals: a shift ending at 08:00 does not overlap one starting at 08:00."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def gap(a: Slot, b: Slot) -> timedelta:
    """Time between two shifts that do not overlap."""
    return max(b.starts_at - a.ends_at, a.starts_at - b.ends_at)


def _local_day(moment: datetime, zone: ZoneInfo):
    return moment.astimezone(zone).date()


def hours_on_day(slot: Slot, shifts: tuple[Slot, ...] | list[Slot], zone: ZoneInfo) -> float:
    day = _local_day(slot.starts_at, zone)
    return sum(s.hours for s in shifts if _local_day(s.starts_at, zone) == day)


def hours_in_week(slot: Slot, shifts: tuple[Slot, ...] | list[Slot], zone: ZoneInfo) -> float:
    week = _local_day(slot.starts_at, zone).isocalendar()[:2]
    return sum(s.hours for s in shifts if _local_day(s.starts_at, zone).isocalendar()[:2] == week)


def refusals(terms: ShiftTerms, volunteer: Volunteer, now: datetime) -> list[Refusal]:
    """Every rule the sign-up would break (empty: it may go ahead)."""
    shift = terms.slot
    found: list[Refusal] = []
    if any(other.id == shift.id for other in volunteer.shifts):
        return [Refusal("already-signed-up", "You are already signed up for this shift.")]
    if terms.signup_opens_at is not None and now < terms.signup_opens_at:
        found.append(
            Refusal(
                "outside-signup-window",
                f"Sign-up opens at {terms.signup_opens_at.isoformat()}.",
            )
        )
    closes = terms.signup_closes_at or shift.starts_at
    if now >= closes:
        found.append(Refusal("outside-signup-window", f"Sign-up closed at {closes.isoformat()}."))
    if terms.filled >= terms.capacity:
        found.append(Refusal("shift-full", f"All {terms.capacity} places on this shift are taken."))
    missing = terms.required_skills - volunteer.skills
    if missing:
        found.append(
            Refusal(
                "missing-qualification",
                "This shift needs confirmed qualifications you lack: "
                + ", ".join(sorted(missing))
                + ".",
            )
        )
    limits = volunteer.limits
    for other in volunteer.shifts:
        if overlaps(shift, other):
            found.append(
                Refusal(
                    "overlapping-shift",
                    f"This shift overlaps your shift {other.id} "
                    f"({other.starts_at.isoformat()} – {other.ends_at.isoformat()}).",
                )
            )
            break
    else:
        for other in volunteer.shifts:
            if gap(shift, other) < limits.min_rest:
                found.append(
                    Refusal(
                        "too-little-rest",
                        f"You need {limits.min_rest} of rest between shifts; your shift "
                        f"{other.id} leaves only {gap(shift, other)}.",
                    )
                )
                break
    zone = ZoneInfo(limits.timezone)
    day_total = hours_on_day(shift, volunteer.shifts, zone) + shift.hours
    if day_total > limits.max_hours_per_day + 1e-9:
        found.append(
            Refusal(
                "daily-hour-limit",
                f"This shift would bring your day to {day_total:g} h "
                f"(limit {limits.max_hours_per_day:g} h).",
            )
        )
    week_total = hours_in_week(shift, volunteer.shifts, zone) + shift.hours
    if week_total > limits.max_hours_per_week + 1e-9:
        found.append(
            Refusal(
                "weekly-hour-limit",
                f"This shift would bring your week to {week_total:g} h "
                f"(limit {limits.max_hours_per_week:g} h).",
            )
        )
    return found


def check_signup(
    terms: ShiftTerms, volunteer: Volunteer, now: datetime, *, override: bool = False
) -> Refusal | None:
    """The first rule a sign-up breaks, or None. A staff override lifts every rule but
    signing up twice."""
    found = refusals(terms, volunteer, now)
    if override:
        found = [r for r in found if r.code == "already-signed-up"]
    return found[0] if found else None


def check_cancellation(slot: Slot, cutoff: timedelta, now: datetime) -> Refusal | None:
    """A volunteer may cancel until `cutoff` before the shift starts; later, only staff."""
    if now > slot.starts_at - cutoff:
        return Refusal(
            "past-cancellation-cutoff",
            f"Cancellations close {cutoff} before the shift starts; ask the shift's staff.",
        )
    return None
