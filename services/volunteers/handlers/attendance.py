"""Check-in and check-out with the lead's one-time code, no-shows, and the service-hour
ledger with its statement (CSV and a printable page)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.kit import KitHandle

from ..domain import hours
from ..repository import HOLDING, HoursEntry, ShiftRepository
from ..schemas import HoursEntryInput
from .common import aware, load, shift_facts, shift_or_404

ZONE = ZoneInfo("Asia/Shanghai")
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def issue_check_code(kit: KitHandle, shift_id: str, actor_id: str) -> dict:
    """A fresh six-digit code for the shift lead to show; it replaces any earlier one."""
    code = hours.new_code()
    with kit.unit_of_work() as uow:
        shift = shift_or_404(ShiftRepository(uow.session), shift_id, for_update=True)
        expires = utcnow() + hours.CODE_LIFETIME
        shift.check_code_hash, shift.check_code_expires_at = (
            hours.code_hash(shift.id, code),
            expires,
        )
        uow.commit()
    return {"shift_id": shift_id, "code": code, "expires_at": expires.isoformat()}


def _own_place(shifts: ShiftRepository, shift, volunteer_id: str, code: str):
    signup = shifts.signup_of(shift.id, volunteer_id)
    if signup is None or signup.status not in HOLDING:
        raise NotFound("signup-not-found", "You hold no place on this shift.")
    if not hours.code_matches(
        shift.id, code, shift.check_code_hash, aware(shift.check_code_expires_at), utcnow()
    ):
        raise Forbidden("wrong-check-code", "The code is wrong or has expired; ask the lead.")
    return signup


def check_in(kit: KitHandle, shift_id: str, volunteer_id: str, code: str) -> dict:
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        shift = shift_or_404(shifts, shift_id)
        signup = _own_place(shifts, shift, volunteer_id, code)
        now = utcnow()
        if now < aware(shift.starts_at) - hours.CHECK_IN_EARLY or now > aware(shift.ends_at):
            raise Conflict("outside-shift-time", "Check in from 30 minutes before the shift.")
        if signup.checked_in_at is None:
            signup.checked_in_at = now
        uow.commit()
        return {"signup_id": signup.id, "checked_in_at": aware(signup.checked_in_at).isoformat()}


def check_out(kit: KitHandle, shift_id: str, volunteer_id: str, code: str) -> dict:
    """Ends the visit and records the minutes served as an unverified ledger entry."""
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        shift = shift_or_404(shifts, shift_id)
        signup = _own_place(shifts, shift, volunteer_id, code)
        if signup.checked_in_at is None:
            raise Conflict("not-checked-in", "Check in first.")
        if signup.checked_out_at is not None:
            raise Conflict("already-checked-out", "You have already checked out.")
        now = utcnow()
        signup.checked_out_at = now
        minutes = hours.served_minutes(
            aware(shift.starts_at), aware(shift.ends_at), aware(signup.checked_in_at), now
        )
        entry = _entry(
            shifts,
            volunteer_id=volunteer_id,
            community=shift.community,
            shift_id=shift.id,
            kind="attendance",
            minutes=minutes,
            service=shift.title,
            place=shift.place,
            starts_at=aware(signup.checked_in_at),
            ends_at=now,
            note="",
            recorded_by=volunteer_id,
        )
        _announce(uow, entry)
        uow.commit()
        return _entry_view(entry)


def record_no_show(
    kit: KitHandle, shift_id: str, signup_id: str, reason: str, actor_id: str
) -> dict:
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        shift = shift_or_404(shifts, shift_id)
        signup = shifts.signup(signup_id, for_update=True)
        if signup is None or signup.shift_id != shift_id:
            raise NotFound("signup-not-found", f"No sign-up {signup_id} on this shift.")
        if signup.status != "confirmed" or signup.checked_in_at is not None:
            raise Conflict("illegal-transition", "Only a confirmed, absent volunteer is a no-show.")
        signup.status, signup.no_show_reason = "no_show", reason
        signup.decided_by, signup.updated_at = actor_id, utcnow()
        uow.publish(
            "volunteers.no_show_recorded",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": signup.volunteer_id,
                "reason": reason,
                "recorded_by": actor_id,
            },
            community=shift.community,
            subject=shift.id,
        )
        uow.commit()
        return {"signup_id": signup.id, "status": signup.status, "reason": reason}


def add_hours_entry(kit: KitHandle, volunteer_id: str, payload: dict, actor_id: str) -> dict:
    """Staff record service outside shifts (`manual`) or correct an entry (`correction`,
    naming it in `corrects`): the original stays as it was. Staff entries are verified."""
    payload = load(HoursEntryInput(), payload)
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        corrects = payload.get("corrects")
        if corrects is not None:
            original = shifts.hours_entry(corrects)
            if original is None or original.volunteer_id != volunteer_id:
                raise ValidationFailed(
                    "invalid-request", "No such entry to correct.", {"corrects": ["not found"]}
                )
        if shifts.node(payload["community"]) is None:
            raise NotFound("community-not-found", f"No community {payload['community']}.")
        entry = _entry(
            shifts,
            volunteer_id=volunteer_id,
            community=payload["community"],
            shift_id=None,
            kind="correction" if corrects else "manual",
            minutes=payload["minutes"],
            service=payload["service"],
            place=payload.get("place"),
            starts_at=None,
            ends_at=None,
            note=payload.get("note") or "",
            recorded_by=actor_id,
            corrects=corrects,
        )
        entry.verified_by, entry.verified_at = actor_id, entry.recorded_at
        _announce(uow, entry)
        uow.commit()
        return _entry_view(entry)


def get_hours_entry(kit: KitHandle, entry_id: str) -> dict:
    with kit.unit_of_work() as uow:
        entry = ShiftRepository(uow.session).hours_entry(entry_id)
        if entry is None:
            raise NotFound("hours-entry-not-found", f"No hours entry {entry_id}.")
        return _entry_view(entry)


def verify_hours(kit: KitHandle, entry_id: str, actor_id: str) -> dict:
    with kit.unit_of_work() as uow:
        entry = ShiftRepository(uow.session).hours_entry(entry_id)
        if entry is None:
            raise NotFound("hours-entry-not-found", f"No hours entry {entry_id}.")
        if entry.verified_at is not None:
            raise Conflict("already-verified", "This entry is already verified.")
        if entry.recorded_by == actor_id:
            raise Forbidden("own-entry", "Someone else must verify hours you recorded.")
        entry.verified_by, entry.verified_at = actor_id, utcnow()
        uow.commit()
        return _entry_view(entry)


def hours_statement(
    kit: KitHandle, volunteer_id: str, period_from: str, period_to: str, output: str
) -> dict:
    """Entries recorded in the period (local days, both inclusive), as JSON lines, CSV or a
    printable HTML page."""
    first, last = (datetime.fromisoformat(d).date() for d in (period_from, period_to))
    starts = datetime.combine(first, time(), ZONE).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(), ZONE).astimezone(UTC)
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        profile = repo.profile(volunteer_id)
        name = profile.name if profile else volunteer_id
        lines = []
        for entry in repo.hours_of(volunteer_id, starts, ends):
            node = repo.node(entry.community)
            lines.append(
                hours.StatementLine(
                    entry_id=entry.id,
                    volunteer_name=name,
                    volunteer_id=volunteer_id,
                    organisation=node.name if node else entry.community,
                    service=entry.service,
                    place=entry.place or "",
                    starts_at=_local(entry.starts_at),
                    ends_at=_local(entry.ends_at),
                    minutes=entry.minutes,
                    kind=entry.kind,
                    note=entry.note
                    + (f" (更正 corrects {entry.corrects})" if entry.corrects else ""),
                    verified_by=entry.verified_by,
                    verified_at=_local(entry.verified_at),
                )
            )
    total = hours.verified_total(lines)
    if output == "csv":
        return {"content_type": "text/csv; charset=utf-8", "body": hours.statement_csv(lines)}
    if output == "html":
        rows = [
            [
                value.isoformat(timespec="minutes") if isinstance(value, datetime) else value
                for value in (getattr(line, name) for name, _ in hours.STATEMENT_COLUMNS)
            ]
            for line in lines
        ]
        page = TEMPLATES.get_template("hours_statement.html").render(
            volunteer_name=name,
            volunteer_id=volunteer_id,
            period_from=first.isoformat(),
            period_to=last.isoformat(),
            issued_at=datetime.now(ZONE).isoformat(timespec="minutes"),
            titles=[title for _, title in hours.STATEMENT_COLUMNS],
            rows=rows,
            verified_hours=total,
        )
        return {"content_type": "text/html; charset=utf-8", "body": page}
    return {
        "volunteer_id": volunteer_id,
        "volunteer_name": name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "verified_hours": total,
        "entries": [
            {
                **{name: getattr(line, name) for name, _ in hours.STATEMENT_COLUMNS},
                **{
                    k: getattr(line, k).isoformat() if getattr(line, k) else None
                    for k in ("starts_at", "ends_at", "verified_at")
                },
            }
            for line in lines
        ],
    }


def _local(value):
    value = aware(value)
    return value.astimezone(ZONE) if value else None


def _entry(shifts: ShiftRepository, **values) -> HoursEntry:
    entry = HoursEntry(id=f"hrs-{uuid.uuid4().hex[:16]}", recorded_at=utcnow(), **values)
    shifts.add(entry)
    return entry


def _announce(uow, entry: HoursEntry) -> None:
    uow.session.flush()
    uow.publish(
        "volunteers.hours_recorded",
        {
            "entry_id": entry.id,
            "volunteer_id": entry.volunteer_id,
            "community": entry.community,
            "shift_id": entry.shift_id,
            "kind": entry.kind,
            "minutes": entry.minutes,
            "service": entry.service,
            "place": entry.place,
            "corrects": entry.corrects,
            "verified": entry.verified_at is not None,
        },
        community=entry.community,
        subject=entry.volunteer_id,
    )


def _entry_view(entry: HoursEntry) -> dict:
    return {
        "id": entry.id,
        "volunteer_id": entry.volunteer_id,
        "community": entry.community,
        "shift_id": entry.shift_id,
        "kind": entry.kind,
        "minutes": entry.minutes,
        "service": entry.service,
        "place": entry.place,
        "starts_at": aware(entry.starts_at).isoformat() if entry.starts_at else None,
        "ends_at": aware(entry.ends_at).isoformat() if entry.ends_at else None,
        "note": entry.note,
        "corrects": entry.corrects,
        "recorded_by": entry.recorded_by,
        "verified_by": entry.verified_by,
        "verified_at": aware(entry.verified_at).isoformat() if entry.verified_at else None,
    }
