"""Figures for a node and a year: shift coverage, verified hours per volunteer and per
community, activities by kind ("15 activities this year"), party-member quota progress."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from shared.errors import NotFound
from shared.kit import KitHandle

from ..repository import (
    HOLDING,
    Activity,
    HoursEntry,
    Shift,
    ShiftRepository,
    Signup,
    Team,
    TeamMembership,
    VolunteerProfile,
)

ZONE = ZoneInfo("Asia/Shanghai")


def volunteer_figures(kit: KitHandle, node: str, year: int) -> dict:
    starts = datetime.combine(date(year, 1, 1), time(), ZONE).astimezone(UTC)
    ends = datetime.combine(date(year + 1, 1, 1), time(), ZONE).astimezone(UTC)
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(node) is None:
            raise NotFound("node-not-found", f"No directory node {node}.")
        communities = repo.communities_under(node)
        session = uow.session
        shifts, places = session.execute(
            select(func.count(Shift.id), func.coalesce(func.sum(Shift.capacity), 0)).where(
                Shift.community.in_(communities), Shift.starts_at >= starts, Shift.starts_at < ends
            )
        ).one()
        filled = session.scalar(
            select(func.count(Signup.id))
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                Shift.community.in_(communities),
                Shift.starts_at >= starts,
                Shift.starts_at < ends,
                Signup.status.in_((*HOLDING, "no_show")),
            )
        )
        kinds = Counter(
            session.scalars(
                select(Activity.kind).where(
                    Activity.community.in_(communities),
                    Activity.first_day >= date(year, 1, 1),
                    Activity.first_day < date(year + 1, 1, 1),
                )
            )
        )
        per_volunteer: dict[str, int] = defaultdict(int)
        per_community: dict[str, int] = defaultdict(int)
        for entry in session.scalars(
            select(HoursEntry).where(
                HoursEntry.community.in_(communities),
                HoursEntry.verified_at.is_not(None),
                HoursEntry.recorded_at >= starts,
                HoursEntry.recorded_at < ends,
            )
        ):
            per_volunteer[entry.volunteer_id] += entry.minutes
            per_community[entry.community] += entry.minutes
        per_team: dict[str, float] = {}
        for team in session.scalars(select(Team).where(Team.community.in_(communities))):
            members = session.scalars(
                select(TeamMembership.volunteer_id).where(TeamMembership.team_id == team.id)
            )
            per_team[team.name] = round(sum(per_volunteer.get(m, 0) for m in members) / 60, 2)
        party = session.scalars(
            select(VolunteerProfile).where(
                VolunteerProfile.home_community.in_(communities),
                VolunteerProfile.kind == "party_member",
            )
        )
        quota = [
            {
                "volunteer_id": p.id,
                "name": p.name,
                "quota_hours": p.yearly_quota_hours,
                "verified_hours": round(per_volunteer.get(p.id, 0) / 60, 2),
                "progress": (
                    round(per_volunteer.get(p.id, 0) / 60 / p.yearly_quota_hours, 3)
                    if p.yearly_quota_hours
                    else None
                ),
            }
            for p in party
        ]
    return {
        "node": node,
        "year": year,
        "shifts": shifts,
        "places": int(places),
        "filled": filled,
        "coverage": round(filled / places, 3) if places else None,
        "activities": sum(kinds.values()),
        "activities_by_kind": dict(sorted(kinds.items())),
        "hours_by_community": {c: round(m / 60, 2) for c, m in sorted(per_community.items())},
        "hours_by_team": dict(sorted(per_team.items())),
        "hours_by_volunteer": {v: round(m / 60, 2) for v, m in sorted(per_volunteer.items())},
        "party_member_quotas": sorted(quota, key=lambda q: q["volunteer_id"]),
    }
