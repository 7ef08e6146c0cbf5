"""iCalendar feeds per volunteer and per activity."""

from __future__ import annotations

from sqlalchemy import select

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..domain.ical import FeedItem, feed
from ..repository import Activity, Shift, Signup
from .common import aware

STATUS = {"confirmed": "CONFIRMED", "proposed": "TENTATIVE"}


def volunteer_calendar(kit: KitHandle, volunteer_id: str) -> str:
    """The shifts a volunteer holds (roster proposals as tentative)."""
    with kit.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Signup, Shift)
            .join(Shift, Signup.shift_id == Shift.id)
            .where(Signup.volunteer_id == volunteer_id, Signup.status.in_(tuple(STATUS)))
            .order_by(Shift.starts_at)
        )
        items = [
            FeedItem(
                uid=signup.id,
                title=shift.title,
                starts_at=aware(shift.starts_at),
                ends_at=aware(shift.ends_at),
                place=shift.place,
                status=STATUS[signup.status],
            )
            for signup, shift in rows
        ]
    return feed("志愿服务 Volunteer shifts", items, utcnow()).decode()


def activity_calendar(kit: KitHandle, activity_id: str) -> dict:
    """Every occurrence of an activity; returns the community too, for the gateway's scope."""
    with kit.unit_of_work() as uow:
        activity = uow.session.get(Activity, activity_id)
        if activity is None:
            raise NotFound("activity-not-found", f"No activity {activity_id}.")
        shifts = uow.session.scalars(
            select(Shift).where(Shift.activity_id == activity_id).order_by(Shift.starts_at)
        )
        items = [
            FeedItem(
                uid=shift.id,
                title=activity.title,
                starts_at=aware(shift.starts_at),
                ends_at=aware(shift.ends_at),
                place=shift.place,
                status="CANCELLED" if shift.cancelled_at else "CONFIRMED",
            )
            for shift in shifts
        ]
        community = activity.community
        title = activity.title
    return {"community": community, "body": feed(title, items, utcnow()).decode()}
