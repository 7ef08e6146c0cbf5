"""Use cases of the issues service: load, call the domain, save, record events."""

from __future__ import annotations

import uuid

from marshmallow import ValidationError

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import NotFound
from shared.errors import ValidationFailed as Invalid
from shared.events import Envelope
from shared.kit import KitHandle
from shared.logging import get_logger

from .domain.routing import Location, LocationError, Node, resolve_grid, route
from .repository import Issue, IssueRepository
from .schemas import IssueOutput, ReportIssueInput

log = get_logger(__name__)


def _load(schema, payload: dict) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise Invalid("invalid-request", "Some fields are not valid.", exc.messages) from None


def report_issue(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    """Receive a resident's problem, route it to its assignee and announce it."""
    data = _load(ReportIssueInput(), payload)
    scope = f"report_issue:{data['reporter_id']}"

    def receive(uow) -> dict:
        issues = IssueRepository(uow.session)

        def find_node(code: str) -> Node | None:
            row = issues.node(code)
            return row and Node(row.code, row.kind, row.parent, tuple(row.ancestors))

        location = Location(data["community"], data["grid"], data["compound"], data["building"])
        try:
            grid = resolve_grid(location, find_node)
        except LocationError as exc:
            raise Invalid("invalid-location", str(exc)) from None
        assignment = route(
            grid,
            data["community"],
            lambda role, node: [h.account_id for h in issues.holders(role, node)],
        )
        now = utcnow()
        issue = Issue(
            id=f"iss-{uuid.uuid4().hex[:16]}",
            community=data["community"],
            grid=grid,
            compound=data["compound"],
            building=data["building"],
            category=data["category"],
            title=data["title"],
            description=data["description"],
            channel=data["channel"],
            reporter_id=data["reporter_id"],
            assignee_id=assignment.account_id if assignment else None,
            assignee_role=assignment.role if assignment else None,
            status="reported",
            latitude=data["latitude"],
            longitude=data["longitude"],
            reported_at=now,
            updated_at=now,
        )
        issues.add(issue)
        uow.publish(
            "issues.issue_reported",
            {
                "issue_id": issue.id,
                "community": issue.community,
                "grid": issue.grid,
                "compound": issue.compound,
                "building": issue.building,
                "category": issue.category,
                "title": issue.title,
                "channel": issue.channel,
                "reporter_id": issue.reporter_id,
                "assignee_id": issue.assignee_id,
                "assignee_role": issue.assignee_role,
                "reported_at": issue.reported_at,
            },
            community=issue.community,
            subject=issue.id,
        )
        return IssueOutput().dump(issue)

    result, replayed = run_idempotent(kit.unit_of_work, scope, idempotency_key, payload, receive)
    log.info(
        "issue.reported",
        issue_id=result["id"],
        assignee_id=result["assignee_id"],
        replayed=replayed,
    )
    return result


def get_issue(kit: KitHandle, issue_id: str) -> dict:
    with kit.unit_of_work() as uow:
        issue = IssueRepository(uow.session).get(issue_id)
        if issue is None:
            raise NotFound("issue-not-found", f"No issue {issue_id}.")
        return IssueOutput().dump(issue)


def record_node(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        IssueRepository(uow.session).upsert_node(
            data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
            ancestors=data["ancestors"],
        )
        uow.commit()


def record_role(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        IssueRepository(uow.session).assign_role(
            data["account_id"], data["role"], data["node"], data["name"]
        )
        uow.commit()
