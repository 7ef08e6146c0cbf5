"""Teams and memberships (lead, member)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..repository import ShiftRepository, Team, TeamMembership
from ..schemas import MembershipInput, TeamInput
from .common import load


def _team_view(team: Team, members: list[TeamMembership]) -> dict:
    return {
        "id": team.id,
        "community": team.community,
        "name": team.name,
        "kind": team.kind,
        "partner_unit": team.partner_unit,
        "members": [
            {"volunteer_id": m.volunteer_id, "role": m.role}
            for m in sorted(members, key=lambda m: (m.role != "lead", m.volunteer_id))
        ],
    }


def create_team(kit: KitHandle, payload: dict) -> dict:
    data = load(TeamInput(), payload)
    with kit.unit_of_work() as uow:
        if ShiftRepository(uow.session).node(data["community"]) is None:
            raise NotFound("community-not-found", f"No community {data['community']}.")
        team = Team(id=f"team-{uuid.uuid4().hex[:16]}", created_at=utcnow(), **data)
        uow.session.add(team)
        uow.commit()
        return _team_view(team, [])


def get_team(kit: KitHandle, team_id: str) -> dict:
    with kit.unit_of_work() as uow:
        team = uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("team-not-found", f"No team {team_id}.")
        members = list(
            uow.session.scalars(select(TeamMembership).where(TeamMembership.team_id == team_id))
        )
        return _team_view(team, members)


def set_membership(kit: KitHandle, team_id: str, volunteer_id: str, payload: dict) -> dict:
    """Add a volunteer to a team, or change their role (lead, member)."""
    data = load(MembershipInput(), payload)
    with kit.unit_of_work() as uow:
        if uow.session.get(Team, team_id) is None:
            raise NotFound("team-not-found", f"No team {team_id}.")
        membership = uow.session.get(TeamMembership, (team_id, volunteer_id))
        if membership is None:
            membership = TeamMembership(
                team_id=team_id, volunteer_id=volunteer_id, joined_at=utcnow()
            )
            uow.session.add(membership)
        membership.role = data["role"]
        uow.commit()
    return get_team(kit, team_id)
