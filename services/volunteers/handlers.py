"""Use cases of the volunteers service."""

from __future__ import annotations

import uuid
from datetime import UTC

from marshmallow import ValidationError

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import Envelope
from shared.kit import KitHandle

from .domain.signup_rules import Slot, check_signup
from .repository import Shift, ShiftRepository, Signup
from .schemas import CreateShiftInput, ShiftOutput, SignupOutput


def _aware(value):
    # SQLite hands back naive datetimes for aware columns; they were stored in UTC
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _slot(shift: Shift) -> Slot:
    return Slot(shift.id, _aware(shift.starts_at), _aware(shift.ends_at))


def _shift_view(shift: Shift, filled: int) -> dict:
    return ShiftOutput().dump(
        {
            "id": shift.id,
            "community": shift.community,
            "title": shift.title,
            "role": shift.role,
            "place": shift.place,
            "starts_at": _aware(shift.starts_at),
            "ends_at": _aware(shift.ends_at),
            "capacity": shift.capacity,
            "filled": filled,
        }
    )


def create_shift(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    try:
        data = CreateShiftInput().load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid-request", "Some fields are not valid.", exc.messages
        ) from None

    # stored in UTC: SQLite keeps no offset
    data["starts_at"] = data["starts_at"].astimezone(UTC)
    data["ends_at"] = data["ends_at"].astimezone(UTC)

    def create(uow) -> dict:
        shift = Shift(id=f"shf-{uuid.uuid4().hex[:16]}", created_at=utcnow(), **data)
        ShiftRepository(uow.session).add(shift)
        return _shift_view(shift, 0)

    result, _ = run_idempotent(
        kit.unit_of_work, f"create_shift:{data['created_by']}", idempotency_key, payload, create
    )
    return result


def get_shift(kit: KitHandle, shift_id: str) -> dict:
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        shift = shifts.get(shift_id)
        if shift is None:
            raise NotFound("shift-not-found", f"No shift {shift_id}.")
        return _shift_view(shift, shifts.active_signups(shift_id))


def sign_up(
    kit: KitHandle, shift_id: str, volunteer_id: str, idempotency_key: str | None = None
) -> dict:
    """Take a place on a shift unless it is full or overlaps another of the volunteer's."""

    def take_place(uow) -> dict:
        shifts = ShiftRepository(uow.session)
        shift = shifts.get(shift_id, for_update=True)  # serialises sign-ups for the last place
        if shift is None:
            raise NotFound("shift-not-found", f"No shift {shift_id}.")
        filled = shifts.active_signups(shift_id)
        own = [_slot(s) for s in shifts.shifts_of_volunteer(volunteer_id)]
        refusal = check_signup(_slot(shift), shift.capacity, filled, own)
        if refusal is not None:
            raise Conflict(refusal.code, refusal.detail)
        signup = Signup(
            id=f"sig-{uuid.uuid4().hex[:16]}",
            shift_id=shift_id,
            volunteer_id=volunteer_id,
            status="confirmed",
            created_at=utcnow(),
        )
        shifts.add(signup)
        uow.publish(
            "volunteers.shift_signed_up",
            {
                "signup_id": signup.id,
                "shift_id": shift.id,
                "community": shift.community,
                "volunteer_id": volunteer_id,
                "title": shift.title,
                "place": shift.place,
                "starts_at": _aware(shift.starts_at),
                "ends_at": _aware(shift.ends_at),
                "filled": filled + 1,
                "capacity": shift.capacity,
            },
            community=shift.community,
            subject=shift.id,
        )
        return SignupOutput().dump(signup)

    result, _ = run_idempotent(
        kit.unit_of_work,
        f"sign_up:{volunteer_id}",
        idempotency_key,
        {"shift_id": shift_id},
        take_place,
    )
    return result


def record_node(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        ShiftRepository(uow.session).upsert_node(
            data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
            ancestors=data["ancestors"],
            timezone=data["timezone"],
        )
        uow.commit()
