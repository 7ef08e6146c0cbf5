"""Receiving an issue: checked against the community's catalogue, routed, its SLA clocks
started, and announced; and the open issues a new report may duplicate."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import ValidationFailed as Invalid
from shared.kit import KitHandle
from shared.logging import get_logger

from ..domain import catalogue as catalogue_rules
from ..domain import dedup
from ..domain.lifecycle import OPEN_STATUSES
from ..domain.routing import Location, LocationError, resolve_grid, route
from ..domain.sla import start_clock
from ..repository import Issue, IssueHistory, IssueRepository, SlaAlarm
from ..schemas import IssueOutput, ReportIssueInput
from .common import calendar, community_catalogue, directory_node, load, role_holders, view

log = get_logger(__name__)
# built once: making a marshmallow schema costs more than loading a report with it
REPORT_INPUT = ReportIssueInput()
ISSUE_OUTPUT = IssueOutput()


def _check_category(issues: IssueRepository, data: dict) -> dict:
    try:
        category = catalogue_rules.find(
            community_catalogue(issues, data["community"]), data["category"]
        )
        data["answers"] = catalogue_rules.check_answers(category, data["answers"])
    except catalogue_rules.CatalogueError as exc:
        raise Invalid("invalid-category", str(exc), exc.fields) from None
    if category["stop_message"]:
        message = category["stop_message"]
        raise Invalid(
            "call-emergency-services",
            message.get("en", ""),
            {"category": [message.get("zh-CN", ""), message.get("en", "")]},
        )
    if data["anonymous"] and not category["anonymous_allowed"]:
        raise Invalid(
            "anonymous-not-allowed",
            f"Category {category['code']} cannot be reported anonymously.",
            {"anonymous": ["not allowed for this category"]},
        )
    return category


def report_issue(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    """Receive an issue (by the resident, by staff on their behalf, or by a partner), check it
    against the community's catalogue, route it, start its SLA clocks and announce it."""
    data = load(REPORT_INPUT, payload)
    scope = f"report_issue:{data['reporter_id']}"

    def receive(uow) -> dict:
        issues = IssueRepository(uow.session)
        category = _check_category(issues, data)

        location = Location(data["community"], data["grid"], data["compound"], data["building"])
        try:
            grid = resolve_grid(location, lambda code: directory_node(issues, code))
        except LocationError as exc:
            raise Invalid("invalid-location", str(exc)) from None
        holders = lambda role, node: role_holders(issues, role, node)  # noqa: E731
        if category["assignee_role"] == "social_worker":
            assignment = route(None, data["community"], holders)
        else:
            assignment = route(grid, data["community"], holders)
        now = utcnow()
        response = start_clock(
            "response", now, timedelta(hours=category["response_hours"]), calendar()
        )
        resolution = start_clock(
            "resolution", now, timedelta(hours=category["resolution_hours"]), calendar()
        )
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
            kind=data["kind"],
            anonymous=data["anonymous"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            recorded_by=data["recorded_by"],
            partner=data["partner"],
            answers=data["answers"],
            checklist=data["checklist"],
            due_date=data["due_date"].isoformat() if data["due_date"] else None,
            parties=data["parties"],
            photos=data["photos"],
            level="grid" if assignment and assignment.role == "grid_worker" else "community",
            response_due_at=response.due_at,
            resolution_due_at=resolution.due_at,
            supporters=0,
            redo_count=0,
            version=1,
        )
        # the new issue, its history row and SLA alarms are read by nothing in this
        # transaction: they go in with its last statement (with the outbox row and the
        # idempotency key), on PostgreSQL one statement in all
        issues.add_new(issue)
        uow.insert_later(
            IssueHistory.__table__,
            [
                {
                    "issue_id": issue.id,
                    "action": "report",
                    "from_status": None,
                    "to_status": "reported",
                    "actor_id": data["recorded_by"] or data["reporter_id"],
                    "note": f"channel {data['channel']}",
                    "at": now,
                }
            ],
        )
        uow.insert_later(
            SlaAlarm.__table__,
            [
                {
                    "issue_id": issue.id,
                    "kind": f"{clock.kind}_{moment}",
                    "due_at": at,
                    "fired_at": None,
                }
                for clock in (response, resolution)
                for moment, at in (("warning", clock.warn_at), ("breach", clock.due_at))
            ],
        )
        uow.publish(
            "issues.issue_reported",
            {
                "issue_id": issue.id,
                "community": issue.community,
                "grid": issue.grid,
                "compound": issue.compound,
                "building": issue.building,
                "category": issue.category,
                "category_name": category["name"],
                "title": issue.title,
                "channel": issue.channel,
                "reporter_id": issue.reporter_id,
                "assignee_id": issue.assignee_id,
                "assignee_role": issue.assignee_role,
                "reported_at": issue.reported_at,
                "kind": issue.kind,
                "response_due_at": issue.response_due_at,
                "resolution_due_at": issue.resolution_due_at,
            },
            community=issue.community,
            subject=issue.id,
        )
        return ISSUE_OUTPUT.dump(view(issue))

    result, replayed = run_idempotent(kit.unit_of_work, scope, idempotency_key, payload, receive)
    log.info(
        "issue.reported",
        issue_id=result["id"],
        assignee_id=result["assignee_id"],
        replayed=replayed,
    )
    return result


def similar_issues(kit: KitHandle, report: dict) -> list[dict]:
    """Open issues a new report may duplicate, best match first, each with its reason."""
    new = dedup.Report(
        category=report["category"],
        title=report.get("title") or "",
        description=report.get("description") or "",
        building=report.get("building"),
        compound=report.get("compound"),
        latitude=report.get("latitude"),
        longitude=report.get("longitude"),
    )
    with kit.unit_of_work() as uow:
        rows = IssueRepository(uow.session).open_in_category(
            report["community"], report["category"], OPEN_STATUSES, report.get("exclude")
        )
        candidates = {
            row.id: dedup.Report(
                row.category,
                row.title,
                row.description,
                row.building,
                row.compound,
                row.latitude,
                row.longitude,
            )
            for row in rows
            if row.kind != "dispute"
        }
        by_id = {row.id: row for row in rows}
        return [
            {
                "issue_id": match.issue_id,
                "title": by_id[match.issue_id].title,
                "status": by_id[match.issue_id].status,
                "supporters": by_id[match.issue_id].supporters,
                "reason": match.reason,
                "score": match.score,
            }
            for match in dedup.rank(new, candidates)
        ]
