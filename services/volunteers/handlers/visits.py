"""Care-visit rounds: registering households, recording visits, the coverage report."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from shared.db import utcnow
from shared.errors import NotFound
from shared.kit import KitHandle

from ..domain import visits
from ..repository import CareHousehold, CareVisit, ShiftRepository
from ..schemas import HouseholdInput, HouseholdListInput, VisitInput
from .common import decode_cursor, encode_cursor, load

ZONE = ZoneInfo("Asia/Shanghai")


def _household_view(household: CareHousehold) -> dict:
    return {
        "id": household.id,
        "community": household.community,
        "label": household.label,
        "needs": household.needs,
        "every_days": household.every_days,
        "registered_on": household.registered_on.isoformat(),
        "last_visit_on": household.last_visit_on.isoformat() if household.last_visit_on else None,
    }


def register_household(kit: KitHandle, payload: dict) -> dict:
    data = load(HouseholdInput(), payload)
    with kit.unit_of_work() as uow:
        if ShiftRepository(uow.session).node(data["community"]) is None:
            raise NotFound("community-not-found", f"No community {data['community']}.")
        household = CareHousehold(
            id=f"hh-{uuid.uuid4().hex[:16]}",
            registered_on=datetime.now(ZONE).date(),
            last_visit_on=None,
            **data,
        )
        uow.session.add(household)
        uow.commit()
        return _household_view(household)


def get_household(kit: KitHandle, household_id: str) -> dict:
    with kit.unit_of_work() as uow:
        household = uow.session.get(CareHousehold, household_id)
        if household is None:
            raise NotFound("household-not-found", f"No household {household_id}.")
        return _household_view(household)


def record_visit(kit: KitHandle, household_id: str, volunteer_id: str, payload: dict) -> dict:
    """A visit moves the household's next due date; `issue_id` links a need found on the
    visit that the visitor filed through `POST /v1/communities/{code}/issues`."""
    data = load(VisitInput(), payload)
    with kit.unit_of_work() as uow:
        household = uow.session.get(CareHousehold, household_id, with_for_update=True)
        if household is None:
            raise NotFound("household-not-found", f"No household {household_id}.")
        visited_on = data["visited_on"] or datetime.now(ZONE).date()
        visit = CareVisit(
            id=f"vis-{uuid.uuid4().hex[:16]}",
            household_id=household.id,
            volunteer_id=volunteer_id,
            visited_on=visited_on,
            note=data["note"],
            issue_id=data["issue_id"],
            recorded_at=utcnow(),
        )
        uow.session.add(visit)
        if household.last_visit_on is None or visited_on > household.last_visit_on:
            household.last_visit_on = visited_on
        uow.commit()
        return {
            "id": visit.id,
            "household_id": household.id,
            "volunteer_id": volunteer_id,
            "visited_on": visited_on.isoformat(),
            "note": visit.note,
            "issue_id": visit.issue_id,
            "next_due_on": visits.due_on(_domain(household)).isoformat(),
        }


def _domain(household: CareHousehold) -> visits.Household:
    return visits.Household(
        household.id,
        household.label,
        household.community,
        tuple(household.needs),
        household.every_days,
        household.registered_on,
        household.last_visit_on,
    )


def visit_coverage(kit: KitHandle, node: str, today: str | None = None) -> dict:
    """Households under a node with their due dates, most overdue first."""
    day = date.fromisoformat(today) if today else datetime.now(ZONE).date()
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(node) is None:
            raise NotFound("node-not-found", f"No directory node {node}.")
        communities = repo.communities_under(node)
        households = uow.session.scalars(
            select(CareHousehold).where(CareHousehold.community.in_(communities))
        )
        report = visits.coverage([_domain(h) for h in households], day)
    return {
        "node": node,
        "today": day.isoformat(),
        "households": len(report),
        "overdue": sum(1 for c in report if c.overdue),
        "items": [
            {
                "household_id": c.household.id,
                "label": c.household.label,
                "community": c.household.community,
                "needs": list(c.household.needs),
                "every_days": c.household.every_days,
                "last_visit_on": (
                    c.household.last_visit_on.isoformat() if c.household.last_visit_on else None
                ),
                "due_on": c.due_on.isoformat(),
                "days_overdue": c.days_overdue,
            }
            for c in report
        ],
    }


def list_households(kit: KitHandle, node: str, query: dict) -> dict:
    """Households registered for care visits under a node, soonest due first (so the most
    overdue lead), optionally only overdue ones (`overdue=true`), those not overdue
    (`overdue=false`) or those with one need; cursor pagination."""
    data = load(HouseholdListInput(), query)
    day = data["today"] or datetime.now(ZONE).date()
    after = decode_cursor(data["cursor"], 2, date.fromisoformat)
    with kit.unit_of_work() as uow:
        repo = ShiftRepository(uow.session)
        if repo.node(node) is None:
            raise NotFound("node-not-found", f"No directory node {node}.")
        households = list(
            uow.session.scalars(
                select(CareHousehold).where(
                    CareHousehold.community.in_(repo.communities_under(node))
                )
            )
        )
    report = visits.coverage([_domain(h) for h in households], day)
    if data["need"] is not None:
        report = [c for c in report if data["need"] in c.household.needs]
    if data["overdue"] is not None:
        report = [c for c in report if c.overdue == data["overdue"]]
    if after is not None:
        report = [c for c in report if (c.due_on, c.household.id) > tuple(after)]
    page = report[: data["limit"]]
    more = len(report) > data["limit"]
    last = page[-1] if page else None
    return {
        "today": day.isoformat(),
        "items": [
            {
                "id": c.household.id,
                "community": c.household.community,
                "label": c.household.label,
                "needs": list(c.household.needs),
                "every_days": c.household.every_days,
                "registered_on": c.household.registered_on.isoformat(),
                "last_visit_on": (
                    c.household.last_visit_on.isoformat() if c.household.last_visit_on else None
                ),
                "due_on": c.due_on.isoformat(),
                "days_overdue": c.days_overdue,
            }
            for c in page
        ],
        "next_cursor": (
            encode_cursor(last.due_on.isoformat(), last.household.id) if more and last else None
        ),
    }
