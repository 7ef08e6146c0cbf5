"""Events of the pavilion council (凉亭议事会), published by the issues service.

A topic is raised from an issue (居民点题); a meeting is scheduled, registered for,
rescheduled or cancelled and finally held; each agenda item gets a resolution; an important
matter passes the five-step procedure step by step; an adopted resolution becomes a
micro-project (民生微实事) that progresses, completes and is rated by residents.

Payloads name the people each event concerns (`attendee_ids`, `follower_ids`: reporters and
supporters of the linked issues) so that notifications need no call back to find them.
"""

from marshmallow import fields, validate

from .catalogue import Catalogue, EventData

MEETING_MODES = ("in_person", "online", "hybrid")
OUTCOMES = ("project", "community", "referred", "rejected")
STEPS = ("propose", "consult", "review", "resolve", "evaluate")
PROJECT_STATUSES = ("planned", "funded", "in_progress", "acceptance", "completed", "cancelled")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")

_ids = fields.List(fields.String(), load_default=list)


class TopicRaisedV1(EventData):
    topic_id = fields.String(required=True)
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    category = fields.String(required=True)
    via = fields.String(required=True, validate=validate.OneOf(("reporter", "staff", "supporters")))
    important = fields.Boolean(required=True)
    actor_id = fields.String(required=True)
    reporter_id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class MeetingV1(EventData):
    """A meeting was scheduled, rescheduled, cancelled or held; `attendee_ids` are the
    residents registered at that moment."""

    meeting_id = fields.String(required=True)
    community = fields.String(required=True)
    meeting_type = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    place = fields.String(allow_none=True, load_default=None)
    mode = fields.String(required=True, validate=validate.OneOf(MEETING_MODES))
    status = fields.String(required=True)
    actor_id = fields.String(required=True)
    attendee_ids = _ids
    previous_starts_at = fields.AwareDateTime(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class RegistrationV1(EventData):
    meeting_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    account_id = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    place = fields.String(allow_none=True, load_default=None)


class ProcedureStepV1(EventData):
    topic_id = fields.String(required=True)
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    step = fields.String(required=True, validate=validate.OneOf(STEPS))
    actor_id = fields.String(required=True)
    actor_role = fields.String(required=True)
    next_step = fields.String(allow_none=True, load_default=None)
    at = fields.AwareDateTime(required=True)


class ResolutionRecordedV1(EventData):
    resolution_id = fields.String(required=True)
    meeting_id = fields.String(required=True)
    topic_id = fields.String(required=True)
    issue_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reasons = fields.String(allow_none=True, load_default=None)
    votes_for = fields.Integer(required=True)
    votes_against = fields.Integer(required=True)
    votes_abstain = fields.Integer(required=True)
    quorum_met = fields.Boolean(required=True)
    actor_id = fields.String(required=True)
    reporter_id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class ProjectV1(EventData):
    """A micro-project was formed, progressed or completed; `follower_ids` are the reporters
    and supporters of the issues it came from."""

    project_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PROJECT_STATUSES))
    progress = fields.Float(required=True)
    issue_ids = _ids
    follower_ids = _ids
    resolution_id = fields.String(allow_none=True, load_default=None)
    parent_id = fields.String(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None)
    actor_id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)


class ProjectRatedV1(EventData):
    project_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    rater_id = fields.String(required=True)
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    score = fields.Integer(allow_none=True, load_default=None)
    responsible_ids = _ids


_MEETING = {
    "meeting_id": "mtg-5e6f",
    "community": "150105001001",
    "meeting_type": "pavilion_council",
    "title": "凉亭议事会：冬季供暖与小区环境",
    "starts_at": "2026-12-03T07:00:00+00:00",
    "ends_at": "2026-12-03T08:30:00+00:00",
    "place": "展览馆社区凉亭",
    "mode": "in_person",
    "status": "scheduled",
    "actor_id": "acc-5d5d",
    "attendee_ids": ["acc-1d2e"],
    "previous_starts_at": None,
    "reason": None,
}
_PROJECT = {
    "project_id": "prj-7a7a",
    "community": "150105001001",
    "title": "博尔顿小区供暖管网改造",
    "status": "in_progress",
    "progress": 50.0,
    "issue_ids": ["iss-0b7c"],
    "follower_ids": ["acc-1d2e", "acc-9a8b"],
    "resolution_id": "res-3c3c",
    "parent_id": None,
    "note": "管道已更换一半",
    "actor_id": "acc-5d5d",
    "at": "2026-12-10T02:00:00+00:00",
}


def register(catalogue: Catalogue) -> None:
    catalogue.register(
        "issues.topic_raised",
        1,
        TopicRaisedV1,
        description="An issue was raised as a topic for the council (居民点题): by its "
        "reporter, by staff, or by residents' support passing the community's threshold.",
        example={
            "topic_id": "top-2b2b",
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "category": "heating",
            "via": "reporter",
            "important": True,
            "actor_id": "acc-1d2e",
            "reporter_id": "acc-1d2e",
            "at": "2026-11-28T02:00:00+00:00",
        },
    )
    meeting_events = {
        "issues.meeting_scheduled": "A council meeting was scheduled.",
        "issues.meeting_rescheduled": "A meeting's time, place or mode changed; everyone "
        "registered is told.",
        "issues.meeting_cancelled": "A meeting was cancelled; everyone registered is told.",
        "issues.meeting_held": "A meeting took place: attendance, minutes and the closing "
        "report are on record.",
    }
    for name, description in meeting_events.items():
        status = name.rsplit("_", 1)[1]
        catalogue.register(
            name, 1, MeetingV1, description=description, example={**_MEETING, "status": status}
        )
    registration = {
        "meeting_id": "mtg-5e6f",
        "community": "150105001001",
        "title": "凉亭议事会：冬季供暖与小区环境",
        "account_id": "acc-1d2e",
        "starts_at": "2026-12-03T07:00:00+00:00",
        "place": "展览馆社区凉亭",
    }
    catalogue.register(
        "issues.meeting_registered",
        1,
        RegistrationV1,
        description="A resident registered for a meeting (and is reminded the day before).",
        example=registration,
    )
    catalogue.register(
        "issues.registration_cancelled",
        1,
        RegistrationV1,
        description="A resident withdrew their registration; their seat is free again.",
        example=registration,
    )
    catalogue.register(
        "issues.procedure_step_recorded",
        1,
        ProcedureStepV1,
        description="A step of the five-step procedure (提议 → 商议 → 审议 → 决议 → 评议) "
        "was recorded for an important matter.",
        example={
            "topic_id": "top-2b2b",
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "step": "propose",
            "actor_id": "acc-6e6e",
            "actor_role": "party_secretary",
            "next_step": "consult",
            "at": "2026-11-28T03:00:00+00:00",
        },
    )
    catalogue.register(
        "issues.resolution_recorded",
        1,
        ResolutionRecordedV1,
        description="The meeting decided an agenda item: adopted as a project, handled by the "
        "community, referred upward, or rejected with reasons, with the vote and quorum.",
        example={
            "resolution_id": "res-3c3c",
            "meeting_id": "mtg-5e6f",
            "topic_id": "top-2b2b",
            "issue_id": "iss-0b7c",
            "community": "150105001001",
            "title": "暖气不热",
            "outcome": "project",
            "reasons": None,
            "votes_for": 9,
            "votes_against": 1,
            "votes_abstain": 2,
            "quorum_met": True,
            "actor_id": "acc-5d5d",
            "reporter_id": "acc-1d2e",
            "at": "2026-12-03T08:00:00+00:00",
        },
    )
    project_events = {
        "issues.project_created": "A micro-project (民生微实事) was formed from a resolution.",
        "issues.project_progressed": "A project's status or progress changed.",
        "issues.project_completed": "A project was completed with evidence; its issues are "
        "resolved and their reporters and supporters told.",
    }
    for name, description in project_events.items():
        status = "completed" if name.endswith("completed") else _PROJECT["status"]
        progress = 100.0 if status == "completed" else _PROJECT["progress"]
        catalogue.register(
            name,
            1,
            ProjectV1,
            description=description,
            example={**_PROJECT, "status": status, "progress": progress},
        )
    catalogue.register(
        "issues.project_rated",
        1,
        ProjectRatedV1,
        description="A resident rated a completed project (the residents' verdict, 评议).",
        example={
            "project_id": "prj-7a7a",
            "community": "150105001001",
            "title": "博尔顿小区供暖管网改造",
            "rater_id": "acc-1d2e",
            "satisfaction": "satisfied",
            "score": 5,
            "responsible_ids": ["acc-5d5d"],
        },
    )
