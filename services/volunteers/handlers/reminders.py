"""Reminders: once per place, `reminder_lead` before the shift starts."""

from __future__ import annotations

from sqlalchemy import select

from shared.db import utcnow
from shared.kit import KitHandle

from .. import settings
from ..repository import Shift, Signup
from .common import aware, shift_facts

BATCH = 500


def send_due_reminders(kit: KitHandle) -> int:
    """Announce `volunteers.reminder_due` for every confirmed place on a shift starting within
    the reminder lead time, once. Replicas skip each other's locked rows (PostgreSQL)."""
    now = utcnow()
    with kit.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Signup, Shift)
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                Signup.status == "confirmed",
                Signup.reminded_at.is_(None),
                Shift.starts_at > now,
                Shift.starts_at <= now + settings.reminder_lead(),
            )
            .order_by(Shift.starts_at)
            .limit(BATCH)
            .with_for_update(of=Signup, skip_locked=True)
        ).all()
        for signup, shift in rows:
            signup.reminded_at = now
            uow.publish(
                "volunteers.reminder_due",
                {
                    "signup_id": signup.id,
                    **shift_facts(shift),
                    "volunteer_id": signup.volunteer_id,
                    "minutes_before": int((aware(shift.starts_at) - now).total_seconds() // 60),
                },
                community=shift.community,
                subject=shift.id,
            )
        uow.commit()
        return len(rows)
