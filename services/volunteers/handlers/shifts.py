"""Creating and reading shifts."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import ValidationFailed
from shared.kit import KitHandle

from ..repository import Shift, ShiftRepository
from ..schemas import CreateShiftInput, ShiftListInput
from .common import aware, load, shift_or_404, shift_view, to_utc


def create_shift(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    """A one-off shift: a place, a time, how many people it needs and what they must know."""
    data = load(CreateShiftInput(), payload)
    for name in ("starts_at", "ends_at", "signup_opens_at", "signup_closes_at"):
        data[name] = to_utc(data.get(name))  # stored in UTC: SQLite keeps no offset
    data["required_skills"] = sorted(set(data.get("required_skills") or ()))

    def create(uow) -> dict:
        shift = Shift(id=f"shf-{uuid.uuid4().hex[:16]}", created_at=utcnow(), **data)
        ShiftRepository(uow.session).add(shift)
        return shift_view(shift, 0)

    result, _ = run_idempotent(
        kit.unit_of_work, f"create_shift:{data['created_by']}", idempotency_key, payload, create
    )
    return result


def get_shift(kit: KitHandle, shift_id: str) -> dict:
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        shift = shift_or_404(shifts, shift_id)
        return shift_view(shift, shifts.active_signups(shift_id), len(shifts.waitlist(shift_id)))


def _encode_cursor(shift: Shift) -> str:
    raw = f"{aware(shift.starts_at).isoformat()}|{shift.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if cursor is None:
        return None
    try:
        starts, shift_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(starts).astimezone(UTC), shift_id
    except (ValueError, TypeError, UnicodeDecodeError):
        raise ValidationFailed(
            "invalid-cursor", "The cursor is not one this API gave out.", {"cursor": ["unknown"]}
        ) from None


def list_shifts(kit: KitHandle, community: str, query: dict) -> dict:
    """A community's shifts in time order (then id), with free places; cursor pagination."""
    data = load(ShiftListInput(), query)
    after = _decode_cursor(data["cursor"])
    statement = select(Shift).where(Shift.community == community)
    if data["starts_from"] is not None:
        statement = statement.where(Shift.starts_at >= to_utc(data["starts_from"]))
    if data["starts_before"] is not None:
        statement = statement.where(Shift.starts_at < to_utc(data["starts_before"]))
    if data["activity_id"] is not None:
        statement = statement.where(Shift.activity_id == data["activity_id"])
    if after is not None:
        starts, shift_id = after
        statement = statement.where(
            or_(Shift.starts_at > starts, and_(Shift.starts_at == starts, Shift.id > shift_id))
        )
    statement = statement.order_by(Shift.starts_at, Shift.id).limit(data["limit"] + 1)
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        page = list(uow.session.scalars(statement))
        more, page = len(page) > data["limit"], page[: data["limit"]]
        items = [
            shift_view(s, shifts.active_signups(s.id), len(shifts.waitlist(s.id))) for s in page
        ]
    return {"items": items, "next_cursor": _encode_cursor(page[-1]) if more and page else None}
