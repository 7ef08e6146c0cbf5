"""Events published by the issues service.

`issues.issue_reported` announces a new issue. Every later transition of its lifecycle
(`services/issues/domain/lifecycle.py`) publishes `issues.issue_<past verb>` with the same
payload shape, `IssueTransitionedV1`; the SLA timer publishes `issues.deadline_approaching`,
`issues.deadline_breached` and `issues.callback_requested`. Notifications pick their
recipients from `assignee_id`, `reporter_id` and `supporters`.
"""

from marshmallow import fields, validate

from .catalogue import Catalogue, EventData

KINDS = ("problem", "need", "service_request", "dispute", "suggestion")


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
    # optional, added with the full lifecycle (v1 stays compatible)
    kind = fields.String(load_default="problem", validate=validate.OneOf(KINDS))
    response_due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    resolution_due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    # optional, added so that messages name the category as residents read it
    category_name = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        load_default=None,
        metadata={"description": "The category's name by locale (zh-CN, en), from the catalogue"},
    )


class IssueTransitionedV1(EventData):
    """An issue moved from one status to another; `action` names the transition."""

    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    action = fields.String(required=True)
    from_status = fields.String(required=True)
    to_status = fields.String(required=True)
    actor_id = fields.String(required=True, metadata={"description": "'system' for the timer"})
    at = fields.AwareDateTime(required=True)
    reporter_id = fields.String(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)
    level = fields.String(load_default="grid")
    note = fields.String(allow_none=True, load_default=None)
    merged_into = fields.String(allow_none=True, load_default=None)
    satisfaction = fields.String(allow_none=True, load_default=None)
    score = fields.Integer(allow_none=True, load_default=None)
    redo = fields.Boolean(
        load_default=False, metadata={"description": "true when an unsatisfied rating reopened it"}
    )


class IssueSupportedV1(EventData):
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    supporter_id = fields.String(required=True)
    supporters = fields.Integer(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)
    reporter_id = fields.String(required=True)


class IssueCommentedV1(EventData):
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    comment_id = fields.String(required=True)
    author_id = fields.String(required=True)
    internal = fields.Boolean(required=True)
    reporter_id = fields.String(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)


class IssueAssignedV1(EventData):
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    assignee_id = fields.String(required=True)
    previous_assignee_id = fields.String(allow_none=True, load_default=None)
    actor_id = fields.String(required=True)


class DeadlineV1(EventData):
    """An SLA clock of an issue is close to, or past, its deadline."""

    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    clock = fields.String(required=True, validate=validate.OneOf(("response", "resolution")))
    due_at = fields.AwareDateTime(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)
    level = fields.String(required=True, metadata={"description": "handling level now"})


class CallbackRequestedV1(EventData):
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    reporter_id = fields.String(required=True)
    assignee_id = fields.String(allow_none=True, load_default=None)
    resolved_at = fields.AwareDateTime(required=True)


TRANSITION_EXAMPLE = {
    "issue_id": "iss-0b7c",
    "community": "150105001001",
    "category": "heating",
    "title": "暖气不热",
    "kind": "problem",
    "action": "accept",
    "from_status": "reported",
    "to_status": "accepted",
    "actor_id": "acc-3f2a",
    "at": "2026-11-27T10:00:00+00:00",
    "reporter_id": "acc-1d2e",
    "assignee_id": "acc-3f2a",
    "level": "grid",
    "note": None,
    "merged_into": None,
    "satisfaction": None,
    "score": None,
    "redo": False,
}

TRANSITION_EVENTS = {
    "issues.issue_accepted": ("accept", "The assignee acknowledged the issue (响应)."),
    "issues.issue_started": ("start", "Work on the issue began."),
    "issues.issue_waiting": ("wait_for_resident", "Work waits on the resident; SLA paused."),
    "issues.issue_resumed": ("resume", "The resident answered; the SLA clocks run again."),
    "issues.issue_resolved": ("resolve", "The work is done (办结); the reporter may evaluate."),
    "issues.issue_evaluated": ("evaluate", "The reporter rated the outcome (评)."),
    "issues.issue_closed": ("close", "The issue is closed."),
    "issues.issue_rejected": ("reject", "The issue was rejected, with a reason."),
    "issues.issue_escalated": ("escalate", "Handed one level up (吹哨), by staff or a breach."),
    "issues.issue_referred": ("refer", "Referred to a partner organisation (报到)."),
    "issues.issue_reopened": ("reopen", "Sent back to be redone (退回重办)."),
    "issues.issue_merged": ("merge", "Merged into a surviving issue (`merged_into`)."),
}


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
            "category_name": {"zh-CN": "供暖不热", "en": "Heating not warm"},
            "title": "暖气不热",
            "channel": "app",
            "reporter_id": "acc-1d2e",
            "assignee_id": "acc-3f2a",
            "assignee_role": "grid_worker",
            "reported_at": "2026-11-27T09:30:00+00:00",
            "kind": "problem",
            "response_due_at": "2026-11-27T11:30:00+00:00",
            "resolution_due_at": "2026-11-30T12:30:00+00:00",
        },
    )
    for name, (action, description) in TRANSITION_EVENTS.items():
        target = {"merge": "merged", "reopen": "reopened"}.get(action, "accepted")
        catalogue.register(
            name,
            1,
            IssueTransitionedV1,
            description=description,
            example={**TRANSITION_EXAMPLE, "action": action, "to_status": target},
        )
    catalogue.register(
        "issues.issue_supported",
        1,
        IssueSupportedV1,
        description='A resident said "me too" about an open issue.',
        example={
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "supporter_id": "acc-9a8b",
            "supporters": 3,
            "assignee_id": "acc-3f2a",
            "reporter_id": "acc-1d2e",
        },
    )
    catalogue.register(
        "issues.issue_commented",
        1,
        IssueCommentedV1,
        description="A public or internal comment (with photos by URL) was added to an issue.",
        example={
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "comment_id": "cmt-11aa",
            "author_id": "acc-3f2a",
            "internal": False,
            "reporter_id": "acc-1d2e",
            "assignee_id": "acc-3f2a",
        },
    )
    catalogue.register(
        "issues.issue_assigned",
        1,
        IssueAssignedV1,
        description="An issue was reassigned to another handler.",
        example={
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "assignee_id": "acc-7c7c",
            "previous_assignee_id": "acc-3f2a",
            "actor_id": "acc-5d5d",
        },
    )
    deadline_example = {
        "issue_id": "iss-0b7c",
        "community": "150105001001",
        "title": "暖气不热",
        "clock": "response",
        "due_at": "2026-11-27T11:30:00+00:00",
        "assignee_id": "acc-3f2a",
        "level": "grid",
    }
    catalogue.register(
        "issues.deadline_approaching",
        1,
        DeadlineV1,
        description="80 % of an SLA clock's working time is used: warn the assignee.",
        example=deadline_example,
    )
    catalogue.register(
        "issues.deadline_breached",
        1,
        DeadlineV1,
        description="An SLA deadline passed; the issue escalates one level (published once).",
        example={**deadline_example, "level": "community"},
    )
    catalogue.register(
        "issues.callback_requested",
        1,
        CallbackRequestedV1,
        description="The reporter did not rate a resolved issue in time: staff call back (回访).",
        example={
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "reporter_id": "acc-1d2e",
            "assignee_id": "acc-3f2a",
            "resolved_at": "2026-11-28T09:30:00+00:00",
        },
    )
