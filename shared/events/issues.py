"""Events published by the issues service."""

from marshmallow import fields

from .catalogue import Catalogue, EventData


class IssueReportedV1(EventData):
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    grid = fields.String(allow_none=True, load_default=None)
    compound = fields.String(allow_none=True, load_default=None)
    building = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True)
    title = fields.String(required=True)
    channel = fields.String(required=True)
    reporter_id = fields.String(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)
    assignee_role = fields.String(allow_none=True, load_default=None)
    reported_at = fields.AwareDateTime(required=True)


def register(catalogue: Catalogue) -> None:
    catalogue.register(
        "issues.issue_reported",
        1,
        IssueReportedV1,
        description="A resident's problem was received and routed to its assignee.",
        example={
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "grid": "150105001001-G01",
            "compound": "150105001001-C01",
            "building": None,
            "category": "heating",
            "title": "暖气不热",
            "channel": "app",
            "reporter_id": "acc-1d2e",
            "assignee_id": "acc-3f2a",
            "assignee_role": "grid_worker",
            "reported_at": "2026-11-27T09:30:00+00:00",
        },
    )
