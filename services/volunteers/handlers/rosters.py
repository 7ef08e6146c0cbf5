"""Automatic filling of a node's open places over a horizon (a community's week, a street's
month), by the roster model in domain/roster.py."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..domain.roster import Held, RosterProblem, RosterShift, RosterVolunteer, quota_due
from ..repository import HoursEntry, ShiftRepository, Signup, VolunteerProfile
from ..schemas import RosterInput
from .common import aware, confirmed_skills, limits_of, load, shift_facts

ZONE = ZoneInfo("Asia/Shanghai")


def _roster_shift(shift) -> RosterShift:
    return RosterShift(
        id=shift.id,
        starts_at=aware(shift.starts_at),
        ends_at=aware(shift.ends_at),
        needed=shift.capacity,
        community=shift.community,
        role=shift.role or "",
        required_skills=frozenset(shift.required_skills or ()),
    )


def _windows(profile: VolunteerProfile, first: date, last: date):
    """Weekly availability windows, as dated windows over the horizon; none given: any time."""
    if not profile.availability:
        return None
    windows = []
    day = first
    while day <= last:
        for window in profile.availability:
            if window["weekday"] == day.isoweekday():
                windows.append(
                    (
                        datetime.combine(day, time.fromisoformat(window["starts"]), ZONE),
                        datetime.combine(day, time.fromisoformat(window["ends"]), ZONE),
                    )
                )
        day += timedelta(days=1)
    return tuple(windows)


def _roster_volunteer(
    profile: VolunteerProfile, first: date, last: date, served_minutes: int
) -> RosterVolunteer:
    target = 0.0
    if profile.kind == "party_member" and profile.yearly_quota_hours:
        target = quota_due(profile.yearly_quota_hours, served_minutes / 60, last)
    return RosterVolunteer(
        id=profile.id,
        skills=confirmed_skills(profile),
        availability=_windows(profile, first, last),
        home_community=profile.home_community,
        preferred_roles=frozenset(profile.preferred_roles or ()),
        target_hours=target,
        limits=limits_of(profile),
    )


def fill_roster(kit: KitHandle, payload: dict) -> dict:
    """Propose volunteers for every open place of the node's shifts in the horizon, keeping
    pinned, confirmed and earlier proposed places; each proposal says why it was made and
    the volunteer is asked to confirm (`volunteers.shift_assigned`)."""
    data = load(RosterInput(), payload)
    first, last = data["starts_on"], data["ends_on"]
    starts = datetime.combine(first, time(), ZONE).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(), ZONE).astimezone(UTC)
    roster_id = f"ros-{uuid.uuid4().hex[:16]}"
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(data["node"]) is None:
            raise NotFound("node-not-found", f"No directory node {data['node']}.")
        communities = repo.communities_under(data["node"])
        shifts = repo.shifts_between(communities, starts, ends)
        profiles = repo.profiles_in(communities)
        volunteer_ids = [p.id for p in profiles]
        held = []
        for signup, shift in repo.holding_of_volunteers(
            volunteer_ids, starts - timedelta(days=7), ends + timedelta(days=7)
        ):
            held.append(Held(signup.volunteer_id, _roster_shift(shift)))
        # places held by people without a profile still take their place
        known = set(volunteer_ids)
        shift_ids = [s.id for s in shifts]
        for signup in repo.holding_signups(shift_ids):
            if signup.volunteer_id not in known:
                held.append(Held(signup.volunteer_id, _roster_shift(repo.get(signup.shift_id))))
        # people who declined or cancelled a shift are not proposed for it again
        excluded = set(
            uow.session.execute(
                select(Signup.volunteer_id, Signup.shift_id).where(
                    Signup.shift_id.in_(shift_ids), Signup.status.in_(("declined", "cancelled"))
                )
            ).tuples()
        )
        year_start = datetime.combine(date(first.year, 1, 1), time(), ZONE).astimezone(UTC)
        served: dict[str, int] = defaultdict(int)
        if volunteer_ids:
            for volunteer_id, minutes in uow.session.execute(
                select(HoursEntry.volunteer_id, HoursEntry.minutes).where(
                    HoursEntry.volunteer_id.in_(volunteer_ids),
                    HoursEntry.verified_at.is_not(None),
                    HoursEntry.recorded_at >= year_start,
                )
            ):
                served[volunteer_id] += minutes
        problem = RosterProblem(
            [_roster_shift(s) for s in shifts],
            [_roster_volunteer(p, first, last, served.get(p.id, 0)) for p in profiles],
            held,
            excluded=excluded,
        )
        result = problem.solve(time_limit=data["time_limit_seconds"])
        by_id = {s.id: s for s in shifts}
        assignments = []
        for assignment in result.assignments:
            shift = by_id[assignment.shift_id]
            signup = repo.signup_of(shift.id, assignment.volunteer_id)
            now = utcnow()
            if signup is None:
                signup = Signup(
                    id=f"sig-{uuid.uuid4().hex[:16]}",
                    shift_id=shift.id,
                    volunteer_id=assignment.volunteer_id,
                    created_at=now,
                    pinned=False,
                )
                repo.add(signup)
            signup.status, signup.updated_at = "proposed", now
            signup.reasons, signup.decided_by = list(assignment.reasons), data["requested_by"]
            uow.session.flush()
            uow.publish(
                "volunteers.shift_assigned",
                {
                    "signup_id": signup.id,
                    **shift_facts(shift),
                    "volunteer_id": assignment.volunteer_id,
                    "roster_id": roster_id,
                    "reasons": list(assignment.reasons),
                },
                community=shift.community,
                subject=shift.id,
            )
            assignments.append(
                {
                    "signup_id": signup.id,
                    "shift_id": shift.id,
                    "volunteer_id": assignment.volunteer_id,
                    "reasons": list(assignment.reasons),
                }
            )
        uow.commit()
    return {
        "id": roster_id,
        "node": data["node"],
        "starts_on": first.isoformat(),
        "ends_on": last.isoformat(),
        "shifts": len(shifts),
        "open_places": result.open_places,
        "filled": result.filled,
        "unfilled": result.unfilled,
        "coverage_optimal": result.coverage_optimal,
        "solver_status": result.status,
        "seconds": round(result.seconds, 3),
        "assignments": assignments,
    }
