"""Signing up, waiting in line, cancelling (which promotes the waitlist) and answering a
roster's proposal."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.kit import KitHandle

from ..domain.signup_rules import check_cancellation, check_signup
from ..domain.waitlist import Waiting, promote
from ..repository import HOLDING, ShiftRepository, Signup
from ..schemas import SignupInput
from .common import (
    aware,
    load,
    shift_facts,
    shift_or_404,
    signup_view,
    slot,
    terms_of,
    volunteer_of,
)


def _place(shifts: ShiftRepository, shift_id: str, volunteer_id: str, status: str) -> Signup:
    """The volunteer's row for this shift, reused after a cancellation or a decline."""
    signup = shifts.signup_of(shift_id, volunteer_id)
    now = utcnow()
    if signup is None:
        signup = Signup(
            id=f"sig-{uuid.uuid4().hex[:16]}",
            shift_id=shift_id,
            volunteer_id=volunteer_id,
            status=status,
            created_at=now,
            pinned=False,
        )
        shifts.add(signup)
    else:
        signup.status, signup.created_at, signup.updated_at = status, now, now
    return signup


def sign_up(
    kit: KitHandle,
    shift_id: str,
    volunteer_id: str,
    idempotency_key: str | None = None,
    options: dict | None = None,
    actor_id: str | None = None,
) -> dict:
    """Take a place on a shift unless a sign-up rule refuses it (with its reason code).

    `options.waitlist`: join the waitlist when the shift is full instead of being refused.
    `options.override_reason`: staff place the volunteer despite the rules; the gateway only
    passes it for staff, and the reason is kept with the sign-up and in the event.
    """
    chosen = load(SignupInput(), options or {})

    def take_place(uow) -> dict:
        shifts = ShiftRepository(uow.session)
        shift = shift_or_404(shifts, shift_id, for_update=True)  # serialises the last place
        if shift.cancelled_at is not None:
            raise Conflict("shift-cancelled", "This shift was cancelled.")
        existing = shifts.signup_of(shift_id, volunteer_id)
        if existing is not None and existing.status == "waitlisted":
            raise Conflict("already-waitlisted", "You are already on this shift's waitlist.")
        filled = shifts.active_signups(shift_id)
        override = chosen["override_reason"]
        refusal = check_signup(
            terms_of(shift, filled),
            volunteer_of(shifts, volunteer_id),
            utcnow(),
            override=override is not None,
        )
        if refusal is not None and refusal.code == "shift-full" and chosen["waitlist"]:
            # a full shift is the only refusal a waitlist answers
            others = check_signup(terms_of(shift, 0), volunteer_of(shifts, volunteer_id), utcnow())
            if others is not None:
                raise Conflict(others.code, others.detail)
            return signup_view(_place(shifts, shift_id, volunteer_id, "waitlisted"))
        if refusal is not None:
            raise Conflict(refusal.code, refusal.detail)
        signup = _place(shifts, shift_id, volunteer_id, "confirmed")
        if override is not None:
            signup.override_reason, signup.decided_by, signup.pinned = override, actor_id, True
        uow.publish(
            "volunteers.shift_signed_up",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": volunteer_id,
                "filled": filled + 1,
                "capacity": shift.capacity,
                "override_reason": override,
            },
            community=shift.community,
            subject=shift.id,
        )
        return signup_view(signup)

    result, _ = run_idempotent(
        kit.unit_of_work,
        f"sign_up:{volunteer_id}",
        idempotency_key,
        {"shift_id": shift_id, **{k: str(v) for k, v in chosen.items()}},
        take_place,
    )
    return result


def _promote_waitlist(uow, shifts: ShiftRepository, shift) -> None:
    free = shift.capacity - shifts.active_signups(shift.id)
    waiting = {w.id: w for w in shifts.waitlist(shift.id)}

    def still_eligible(entry: Waiting) -> bool:
        terms = terms_of(shift, 0)
        return check_signup(terms, volunteer_of(shifts, entry.person_id), utcnow()) is None

    line = [Waiting(w.id, w.volunteer_id, aware(w.created_at)) for w in waiting.values()]
    for entry in promote(line, free, still_eligible):
        signup = waiting[entry.id]
        signup.status, signup.updated_at = "confirmed", utcnow()
        uow.session.flush()
        uow.publish(
            "volunteers.waitlist_promoted",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": signup.volunteer_id,
                "filled": shifts.active_signups(shift.id),
                "capacity": shift.capacity,
            },
            community=shift.community,
            subject=shift.id,
        )


def cancel_signup(kit: KitHandle, signup_id: str, actor_id: str, *, staff: bool) -> dict:
    """Give up a place (or leave the waitlist). Volunteers may cancel until the shift's
    cut-off; staff any time. The longest-waiting eligible volunteer moves up."""
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        signup = shifts.signup(signup_id)
        if signup is None or (not staff and signup.volunteer_id != actor_id):
            raise NotFound("signup-not-found", f"No sign-up {signup_id}.")
        shift = shift_or_404(shifts, signup.shift_id, for_update=True)
        if signup.status not in (*HOLDING, "waitlisted"):
            raise Conflict("illegal-transition", f"This sign-up is already {signup.status}.")
        if not staff and signup.status != "waitlisted":
            cutoff = timedelta(minutes=shift.cancel_cutoff_minutes or 0)
            refusal = check_cancellation(slot(shift), cutoff, utcnow())
            if refusal is not None:
                raise Conflict(refusal.code, refusal.detail)
        was = signup.status
        signup.status, signup.updated_at, signup.decided_by = "cancelled", utcnow(), actor_id
        uow.session.flush()
        uow.publish(
            "volunteers.signup_cancelled",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": signup.volunteer_id,
                "cancelled_by": actor_id,
                "was_status": was,
                "filled": shifts.active_signups(shift.id),
                "capacity": shift.capacity,
            },
            community=shift.community,
            subject=shift.id,
        )
        if was in HOLDING:
            _promote_waitlist(uow, shifts, shift)
        uow.commit()
        return signup_view(signup)


def answer_assignment(kit: KitHandle, signup_id: str, volunteer_id: str, answer: str) -> dict:
    """A volunteer confirms or declines what the roster proposed. A declined place is open
    again: the next roster run fills it (and never proposes the same person again)."""
    if answer not in ("confirmed", "declined"):
        raise ValidationFailed(
            "invalid-answer", "Answer confirmed or declined.", {"answer": ["confirmed or declined"]}
        )
    with kit.unit_of_work() as uow:
        shifts = ShiftRepository(uow.session)
        signup = shifts.signup(signup_id, for_update=True)
        if signup is None or signup.volunteer_id != volunteer_id:
            raise NotFound("signup-not-found", f"No sign-up {signup_id}.")
        if signup.status != "proposed":
            raise Conflict(
                "illegal-transition",
                f"Only a proposed assignment can be answered; this one is {signup.status}.",
            )
        shift = shift_or_404(shifts, signup.shift_id)
        signup.status, signup.updated_at = answer, utcnow()
        uow.publish(
            "volunteers.assignment_answered",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": volunteer_id,
                "answer": answer,
            },
            community=shift.community,
            subject=shift.id,
        )
        uow.commit()
        return signup_view(signup)
