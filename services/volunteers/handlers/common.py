"""Helpers shared by the use cases: loading inputs, UTC handling, views and event facts."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from marshmallow import Schema, ValidationError

from shared.db import aware  # noqa: F401  (re-exported to the handlers)
from shared.errors import NotFound, ValidationFailed

from ..domain.signup_rules import Limits, ShiftTerms, Slot, Volunteer
from ..repository import Shift, ShiftRepository, Signup, VolunteerProfile
from ..schemas import ShiftOutput, SignupOutput


def load(schema: Schema, payload: dict) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid-request", "Some fields are not valid.", exc.messages
        ) from None


def to_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def slot(shift: Shift) -> Slot:
    return Slot(shift.id, aware(shift.starts_at), aware(shift.ends_at))


def shift_or_404(shifts: ShiftRepository, shift_id: str, *, for_update: bool = False) -> Shift:
    shift = shifts.get(shift_id, for_update=for_update)
    if shift is None:
        raise NotFound("shift-not-found", f"No shift {shift_id}.")
    return shift


def shift_view(shift: Shift, filled: int, waitlisted: int = 0) -> dict:
    return ShiftOutput().dump(
        {
            "id": shift.id,
            "community": shift.community,
            "title": shift.title,
            "role": shift.role,
            "place": shift.place,
            "starts_at": aware(shift.starts_at),
            "ends_at": aware(shift.ends_at),
            "capacity": shift.capacity,
            "filled": filled,
            "activity_id": shift.activity_id,
            "required_skills": shift.required_skills or [],
            "waitlisted": waitlisted,
            "cancelled_at": aware(shift.cancelled_at),
        }
    )


def signup_view(signup: Signup) -> dict:
    return SignupOutput().dump(
        {
            "id": signup.id,
            "shift_id": signup.shift_id,
            "volunteer_id": signup.volunteer_id,
            "status": signup.status,
            "created_at": aware(signup.created_at),
            "pinned": bool(signup.pinned),
            "override_reason": signup.override_reason,
            "reasons": signup.reasons,
        }
    )


def shift_facts(shift: Shift) -> dict:
    """What every shift event says about its shift (see shared/events/volunteers.py)."""
    return {
        "shift_id": shift.id,
        "community": shift.community,
        "title": shift.title,
        "place": shift.place,
        "starts_at": aware(shift.starts_at),
        "ends_at": aware(shift.ends_at),
        "activity_id": shift.activity_id,
    }


def limits_of(profile: VolunteerProfile | None) -> Limits:
    if profile is None:
        return Limits()
    return Limits(
        max_hours_per_day=profile.max_hours_per_day,
        max_hours_per_week=profile.max_hours_per_week,
        min_rest=timedelta(minutes=profile.min_rest_minutes),
    )


def confirmed_skills(profile: VolunteerProfile | None) -> frozenset[str]:
    """Only skills someone confirmed count for a shift's requirements."""
    if profile is None:
        return frozenset()
    return frozenset(s["skill"] for s in profile.skills if s.get("confirmed_by"))


def terms_of(shift: Shift, filled: int) -> ShiftTerms:
    return ShiftTerms(
        slot(shift),
        shift.capacity,
        filled,
        required_skills=frozenset(shift.required_skills or ()),
        signup_opens_at=aware(shift.signup_opens_at),
        signup_closes_at=aware(shift.signup_closes_at),
    )


def volunteer_of(shifts: ShiftRepository, volunteer_id: str) -> Volunteer:
    profile = shifts.profile(volunteer_id)
    return Volunteer(
        skills=confirmed_skills(profile),
        shifts=tuple(slot(s) for s in shifts.shifts_of_volunteer(volunteer_id)),
        limits=limits_of(profile),
    )


def encode_cursor(*parts: str) -> str:
    """An opaque list cursor: the sort key of the last item given out."""
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode()


def decode_cursor(cursor: str | None, count: int, *parsers: Callable[[str], Any]) -> list | None:
    """The sort key in a cursor this API gave out, each part read by its parser (`str` when
    none is given); a clear 422 for anything else."""
    if cursor is None:
        return None
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        parts = None
    if isinstance(parts, list) and len(parts) == count and all(isinstance(p, str) for p in parts):
        try:
            read = [parse(part) for parse, part in zip(parsers, parts[: len(parsers)], strict=True)]
            return read + parts[len(parsers) :]
        except (ValueError, OverflowError, TypeError):
            pass
    raise ValidationFailed(
        "invalid-cursor", "The cursor is not one this API gave out.", {"cursor": ["unknown"]}
    )
