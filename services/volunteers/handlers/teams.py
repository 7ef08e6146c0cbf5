"""Teams and memberships (lead, member)."""

from __future__ import annotations

import uuid

from sqlalchemy import and_, or_, select

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..repository import ShiftRepository, Team, TeamMembership
from ..schemas import MembershipInput, TeamInput, TeamListInput
from .common import decode_cursor, encode_cursor, load


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


def set_membership(
    kit: KitHandle, team_id: str, volunteer_id: str, payload: dict, actor_id: str | None = None
) -> dict:
    """Add a volunteer to a team, or change their role (lead, member); announced so that the
    team's volunteers can be addressed."""
    data = load(MembershipInput(), payload)
    with kit.unit_of_work() as uow:
        team = uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("team-not-found", f"No team {team_id}.")
        membership = uow.session.get(TeamMembership, (team_id, volunteer_id))
        if membership is None:
            membership = TeamMembership(
                team_id=team_id, volunteer_id=volunteer_id, joined_at=utcnow()
            )
            uow.session.add(membership)
        elif membership.role == data["role"]:
            return get_team(kit, team_id)  # nothing changes, nothing to announce
        membership.role = data["role"]
        uow.publish(
            "volunteers.team_joined",
            {
                "team_id": team.id,
                "team_name": team.name,
                "community": team.community,
                "volunteer_id": volunteer_id,
                "role": membership.role,
                "changed_by": actor_id,
            },
            community=team.community,
            subject=team.id,
        )
        uow.commit()
    return get_team(kit, team_id)


def list_teams(kit: KitHandle, node: str, query: dict) -> dict:
    """Teams in the communities under a node, with their members, by name (then id);
    cursor pagination."""
    data = load(TeamListInput(), query)
    after = decode_cursor(data["cursor"], 2)
    statement = select(Team)
    if data["kind"] is not None:
        statement = statement.where(Team.kind == data["kind"])
    if after is not None:
        name, team_id = after
        statement = statement.where(
            or_(Team.name > name, and_(Team.name == name, Team.id > team_id))
        )
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(node) is None:
            raise NotFound("node-not-found", f"No directory node {node}.")
        statement = statement.where(Team.community.in_(repo.communities_under(node)))
        page = list(
            uow.session.scalars(statement.order_by(Team.name, Team.id).limit(data["limit"] + 1))
        )
        more, page = len(page) > data["limit"], page[: data["limit"]]
        members: dict[str, list[TeamMembership]] = {team.id: [] for team in page}
        for membership in uow.session.scalars(
            select(TeamMembership).where(TeamMembership.team_id.in_(list(members)))
        ):
            members[membership.team_id].append(membership)
    last = page[-1] if page else None
    return {
        "items": [_team_view(team, members[team.id]) for team in page],
        "next_cursor": encode_cursor(last.name, last.id) if more and last else None,
    }
