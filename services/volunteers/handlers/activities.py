"""Activities: one-off or recurring on the district's calendar; each occurrence and time
window becomes a shift."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from shared.calendar import load_calendar
from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import NotFound, ValidationFailed
from shared.kit import KitHandle

from ..domain.recurrence import RecurrenceError, Series, TimeWindow
from ..repository import HOLDING, Activity, Shift, ShiftRepository, Signup
from ..schemas import ActivityInput, ActivityListInput, ActivityOutput, RescheduleInput
from .common import decode_cursor, encode_cursor, load, shift_facts, shift_view

MAX_SHIFTS = 2000


def _series(data: dict, timezone: str) -> Series:
    try:
        windows = tuple(
            TimeWindow(time.fromisoformat(a), time.fromisoformat(b)) for a, b in data["windows"]
        )
        return Series(
            data["first_day"],
            data["rule"],
            windows,
            timezone=timezone,
            day_filter=data["day_filter"],
            excluded_days=frozenset(data["excluded_days"]),
            added_days=frozenset(data["added_days"]),
        )
    except RecurrenceError as exc:
        raise ValidationFailed("invalid-recurrence", str(exc), {"rule": [str(exc)]}) from None


def create_activity(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    """Schedule an activity and create its shifts from `first_day` to `last_day`:
    e.g. rule FREQ=DAILY, day_filter school_days, windows 07:10–08:00 and 16:30–17:30."""
    data = load(ActivityInput(), payload)

    def create(uow) -> dict:
        repo = ShiftRepository(uow.session)
        node = repo.node(data["community"])
        if node is None:
            raise NotFound("community-not-found", f"No community {data['community']}.")
        series = _series(data, node.timezone)
        occurrences = list(series.occurrences(load_calendar(), data["first_day"], data["last_day"]))
        if len(occurrences) > MAX_SHIFTS:
            raise ValidationFailed(
                "too-many-occurrences",
                f"This would create {len(occurrences)} shifts (at most {MAX_SHIFTS}).",
                {"last_day": [f"at most {MAX_SHIFTS} shifts at once"]},
            )
        activity = Activity(
            id=f"act-{uuid.uuid4().hex[:16]}",
            community=data["community"],
            title=data["title"],
            kind=data["kind"],
            role=data["role"],
            place=data["place"],
            rule=series.rule,
            first_day=data["first_day"],
            last_day=data["last_day"],
            windows=[list(w) for w in data["windows"]],
            day_filter=str(data["day_filter"]),
            excluded_days=[d.isoformat() for d in data["excluded_days"]],
            added_days=[d.isoformat() for d in data["added_days"]],
            timezone=node.timezone,
            capacity=data["capacity"],
            required_skills=sorted(set(data["required_skills"])),
            created_by=data["created_by"],
            created_at=utcnow(),
        )
        repo.add(activity)
        shifts = []
        for occurrence in occurrences:
            shift = Shift(
                id=f"shf-{uuid.uuid4().hex[:16]}",
                community=activity.community,
                title=activity.title,
                role=activity.role,
                place=activity.place,
                starts_at=occurrence.starts_at,
                ends_at=occurrence.ends_at,
                capacity=activity.capacity,
                created_by=activity.created_by,
                created_at=activity.created_at,
                activity_id=activity.id,
                occurrence_day=occurrence.day,
                required_skills=activity.required_skills,
            )
            repo.add(shift)
            shifts.append(shift)
        uow.publish(
            "volunteers.activity_scheduled",
            {
                "activity_id": activity.id,
                "community": activity.community,
                "title": activity.title,
                "kind": activity.kind,
                "place": activity.place,
                "rule": activity.rule,
                "shifts": len(shifts),
                "first_starts_at": occurrences[0].starts_at if occurrences else None,
            },
            community=activity.community,
            subject=activity.id,
        )
        view = {
            **{k: getattr(activity, k) for k in ("id", "community", "title", "kind", "role")},
            "place": activity.place,
            "rule": activity.rule,
            "day_filter": activity.day_filter,
            "first_day": activity.first_day,
            "last_day": activity.last_day,
            "shifts": [],
        }
        result = ActivityOutput().dump(view)
        result["shifts"] = [shift_view(s, 0) for s in shifts]
        return result

    result, _ = run_idempotent(
        kit.unit_of_work,
        f"create_activity:{data['created_by']}",
        idempotency_key,
        payload,
        create,
    )
    return result


def reschedule_occurrences(
    kit: KitHandle, activity_id: str, day: str, payload: dict, actor_id: str
) -> dict:
    """Edit "this occurrence" (`scope: this`) or "this and all later ones" (`following`):
    the shifts of those days get the new time windows (one per window, in order); everyone
    holding a place hears about it (`volunteers.shift_rescheduled`)."""
    data = load(RescheduleInput(), payload)
    try:
        first = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed("invalid-day", "The day must be YYYY-MM-DD.") from None
    with kit.unit_of_work() as uow:
        activity = uow.session.get(Activity, activity_id)
        if activity is None:
            raise NotFound("activity-not-found", f"No activity {activity_id}.")
        if len(data["windows"]) != len(activity.windows):
            raise ValidationFailed(
                "window-count-mismatch",
                f"Give {len(activity.windows)} windows, one per existing shift of a day.",
                {"windows": [f"exactly {len(activity.windows)}"]},
            )
        windows = [
            TimeWindow(time.fromisoformat(a), time.fromisoformat(b)) for a, b in data["windows"]
        ]
        query = select(Shift).where(Shift.activity_id == activity_id, Shift.cancelled_at.is_(None))
        if data["scope"] == "this":
            query = query.where(Shift.occurrence_day == first)
        else:
            query = query.where(Shift.occurrence_day >= first)
        by_day: dict[date, list[Shift]] = {}
        for shift in uow.session.scalars(query.order_by(Shift.starts_at)):
            by_day.setdefault(shift.occurrence_day, []).append(shift)
        if first not in by_day:
            raise NotFound("occurrence-not-found", f"The activity has no occurrence on {day}.")
        zone = ZoneInfo(activity.timezone)
        repo = ShiftRepository(uow.session)
        changed = []
        for occurrence_day, shifts in sorted(by_day.items()):
            for shift, window in zip(shifts, windows, strict=False):
                shift.starts_at = datetime.combine(occurrence_day, window.starts, zone).astimezone(
                    UTC
                )
                shift.ends_at = datetime.combine(occurrence_day, window.ends, zone).astimezone(UTC)
                holders = [s.volunteer_id for s in repo.holding_signups([shift.id])]
                uow.publish(
                    "volunteers.shift_rescheduled",
                    {**shift_facts(shift), "volunteer_ids": holders, "changed_by": actor_id},
                    community=shift.community,
                    subject=shift.id,
                )
                changed.append(shift_view(shift, len(holders)))
        if data["scope"] == "following":
            # later generations of the series use the new windows
            activity.windows = [list(w) for w in data["windows"]]
        uow.commit()
        return {"activity_id": activity_id, "scope": data["scope"], "shifts": changed}


def cancel_occurrences(
    kit: KitHandle, activity_id: str, day: str, scope: str, actor_id: str
) -> dict:
    """Cancel "this occurrence" or "this and all later ones": the shifts are kept (marked
    cancelled, so history and calendars show them), every place and waitlist entry on them is
    cancelled (`volunteers.signup_cancelled`) and the series is edited (EXDATE, or an earlier
    last day) so that it stays true to what happens."""
    if scope not in ("this", "following"):
        raise ValidationFailed(
            "invalid-request", "scope is this or following.", {"scope": ["this or following"]}
        )
    try:
        first = date.fromisoformat(day)
    except ValueError:
        raise ValidationFailed("invalid-day", "The day must be YYYY-MM-DD.") from None
    with kit.unit_of_work() as uow:
        activity = uow.session.get(Activity, activity_id)
        if activity is None:
            raise NotFound("activity-not-found", f"No activity {activity_id}.")
        query = select(Shift).where(Shift.activity_id == activity_id, Shift.cancelled_at.is_(None))
        if scope == "this":
            query = query.where(Shift.occurrence_day == first)
        else:
            query = query.where(Shift.occurrence_day >= first)
        shifts = list(uow.session.scalars(query.order_by(Shift.starts_at)))
        if not shifts:
            raise NotFound("occurrence-not-found", f"The activity has no occurrence on {day}.")
        now = utcnow()
        cancelled_places = 0
        for shift in shifts:
            shift.cancelled_at = now
            for signup in uow.session.scalars(
                select(Signup).where(
                    Signup.shift_id == shift.id, Signup.status.in_((*HOLDING, "waitlisted"))
                )
            ):
                was = signup.status
                signup.status, signup.updated_at, signup.decided_by = "cancelled", now, actor_id
                cancelled_places += 1
                uow.publish(
                    "volunteers.signup_cancelled",
                    {
                        "signup_id": signup.id,
                        **shift_facts(shift),
                        "volunteer_id": signup.volunteer_id,
                        "cancelled_by": actor_id,
                        "was_status": was,
                        "filled": 0,
                        "capacity": shift.capacity,
                    },
                    community=shift.community,
                    subject=shift.id,
                )
        if scope == "this":
            activity.excluded_days = sorted({*activity.excluded_days, first.isoformat()})
        else:
            activity.last_day = min(activity.last_day, first - timedelta(days=1))
        uow.commit()
        return {
            "activity_id": activity_id,
            "scope": scope,
            "cancelled_shifts": [s.id for s in shifts],
            "cancelled_places": cancelled_places,
        }


def list_activities(kit: KitHandle, node: str, query: dict) -> dict:
    """Activities in the communities under a node, by first day (then id), optionally only
    those running in a date range or of one kind; cursor pagination."""
    data = load(ActivityListInput(), query)
    after = decode_cursor(data["cursor"], 2, date.fromisoformat)
    statement = select(Activity)
    if data["active_from"] is not None:
        statement = statement.where(Activity.last_day >= data["active_from"])
    if data["active_to"] is not None:
        statement = statement.where(Activity.first_day <= data["active_to"])
    if data["kind"] is not None:
        statement = statement.where(Activity.kind == data["kind"])
    if after is not None:
        first_day = after[0]
        statement = statement.where(
            or_(
                Activity.first_day > first_day,
                and_(Activity.first_day == first_day, Activity.id > after[1]),
            )
        )
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(node) is None:
            raise NotFound("node-not-found", f"No directory node {node}.")
        statement = statement.where(Activity.community.in_(repo.communities_under(node)))
        page = list(
            uow.session.scalars(
                statement.order_by(Activity.first_day, Activity.id).limit(data["limit"] + 1)
            )
        )
        more, page = len(page) > data["limit"], page[: data["limit"]]
        counts = {
            activity_id: count
            for activity_id, count in uow.session.execute(
                select(Shift.activity_id, func.count())
                .where(Shift.activity_id.in_([a.id for a in page]), Shift.cancelled_at.is_(None))
                .group_by(Shift.activity_id)
            )
        }
    items = [
        {
            "id": a.id,
            "community": a.community,
            "title": a.title,
            "kind": a.kind,
            "role": a.role,
            "place": a.place,
            "rule": a.rule,
            "day_filter": a.day_filter,
            "first_day": a.first_day.isoformat(),
            "last_day": a.last_day.isoformat(),
            "windows": [list(w) for w in a.windows],
            "capacity": a.capacity,
            "required_skills": list(a.required_skills or ()),
            "shift_count": counts.get(a.id, 0),
        }
        for a in page
    ]
    last = page[-1] if page else None
    cursor = encode_cursor(last.first_day.isoformat(), last.id) if more and last else None
    return {"items": items, "next_cursor": cursor}
