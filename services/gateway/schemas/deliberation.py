"""Schemas of the pavilion council's API: topics, the five-step procedure, meetings,
resolutions, micro-projects, ratings and the problem → project → results report."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from .common import StrictSchema

MEETING_TYPES = ("pavilion_council", "shade_tree", "neighbourhood_hub", "review_meeting")
MODES = ("in_person", "online", "hybrid")
PARTIES = ("residents", "staff", "party_organisation", "partner_units", "two_reps_one_member")
OUTCOMES = ("project", "community", "referred", "rejected")
PROJECT_STATUSES = ("planned", "funded", "in_progress", "acceptance", "completed", "cancelled")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
WHEN = {"format": "date-time"}


class CouncilSettingsBody(StrictSchema):
    support_threshold = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=100000),
        metadata={"description": "supporters that raise an issue as a topic by themselves"},
    )
    procedure_categories = fields.List(
        fields.String(validate=validate.Length(min=1, max=60)),
        load_default=None,
        allow_none=True,
        metadata={"description": "categories whose topics follow the five-step procedure"},
    )
    meeting_types = fields.List(
        fields.String(validate=validate.OneOf(MEETING_TYPES)),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1),
    )
    quorum = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000)
    )


class CouncilSettingsView(Schema):
    support_threshold = fields.Integer()
    procedure_categories = fields.List(fields.String())
    meeting_types = fields.List(fields.String())
    quorum = fields.Integer()


class RaiseTopicBody(StrictSchema):
    important = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "staff mark an important matter (five-step procedure)"},
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class StepBody(StrictSchema):
    note = fields.String(load_default="", validate=validate.Length(max=5000))


class StepView(Schema):
    step = fields.String()
    actor_id = fields.String()
    actor_role = fields.String()
    at = fields.String(metadata=WHEN)
    note = fields.String()


class ProcedureView(Schema):
    steps = fields.List(fields.Nested(StepView))
    next_step = fields.String(allow_none=True)


class VotesView(Schema):
    for_ = fields.Integer(data_key="for")
    against = fields.Integer()
    abstain = fields.Integer()


class ResolutionView(Schema):
    id = fields.String()
    meeting_id = fields.String()
    topic_id = fields.String()
    community = fields.String()
    outcome = fields.String()
    reasons = fields.String(allow_none=True)
    votes = fields.Nested(VotesView)
    quorum_met = fields.Boolean()
    recorded_by = fields.String()
    recorded_at = fields.String(metadata=WHEN)


class TopicView(Schema):
    id = fields.String()
    issue_id = fields.String()
    community = fields.String()
    title = fields.String()
    category = fields.String()
    via = fields.String(metadata={"description": "reporter, staff or supporters"})
    raised_by = fields.String()
    important = fields.Boolean()
    status = fields.String(metadata={"description": "open, on_agenda, adopted, handled, ..."})
    raised_at = fields.String(metadata=WHEN)
    note = fields.String(allow_none=True)
    procedure = fields.Nested(ProcedureView, allow_none=True)
    resolutions = fields.List(fields.Nested(ResolutionView))


class TopicList(Schema):
    items = fields.List(fields.Nested(TopicView))


class TopicListQuery(Schema):
    status = fields.String(load_default=None, metadata={"description": "comma-separated"})


class InvitedParty(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(PARTIES))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class MeetingBody(StrictSchema):
    meeting_type = fields.String(required=True, validate=validate.OneOf(MEETING_TYPES))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    starts_at = fields.AwareDateTime(
        required=True, metadata={"example": "2026-12-03T15:00:00+08:00"}
    )
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-03T16:30:00+08:00"})
    mode = fields.String(load_default="in_person", validate=validate.OneOf(MODES))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    online_url = fields.Url(schemes={"http", "https"}, load_default=None, allow_none=True)
    invited = fields.List(fields.Nested(InvitedParty), load_default=list)
    capacity = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000)
    )
    quorum = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=10000)
    )


class RescheduleBody(StrictSchema):
    starts_at = fields.AwareDateTime(load_default=None)
    ends_at = fields.AwareDateTime(load_default=None)
    mode = fields.String(load_default=None, validate=validate.OneOf(MODES))
    place = fields.String(allow_none=True, validate=validate.Length(max=200))
    online_url = fields.Url(schemes={"http", "https"}, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def something_changes(self, data, **kwargs):
        if not any(data.get(k) is not None for k in ("starts_at", "ends_at", "mode")) and not (
            {"place", "online_url"} & set(data)
        ):
            raise SchemaError("Give a new time, mode, place or link.", "starts_at")


class CancelBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AgendaBody(StrictSchema):
    topic_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=50))


class AttendanceBody(StrictSchema):
    present = fields.List(fields.String(), load_default=list, validate=validate.Length(max=2000))
    others = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=10000),
        metadata={"description": "people present without an account (walk-ins, guests)"},
    )


class ResolutionBody(StrictSchema):
    topic_id = fields.String(required=True)
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(OUTCOMES),
        metadata={
            "description": "project (adopted as a micro-project), community (handled directly "
            "by the community), referred (upward), rejected (reasons required)"
        },
    )
    reasons = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    votes_for = fields.Integer(required=True, validate=validate.Range(min=0))
    votes_against = fields.Integer(required=True, validate=validate.Range(min=0))
    votes_abstain = fields.Integer(load_default=0, validate=validate.Range(min=0))


class MinutesBody(StrictSchema):
    minutes = fields.String(required=True, validate=validate.Length(min=1, max=50000))
    closing_report = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=50000)
    )


class AgendaItemView(Schema):
    position = fields.Integer()
    topic_id = fields.String()


class RegistrationView(Schema):
    account_id = fields.String()
    name = fields.String()
    registered_at = fields.String(metadata=WHEN)


class MeetingView(Schema):
    id = fields.String()
    community = fields.String()
    meeting_type = fields.String()
    meeting_type_name = fields.String()
    title = fields.String()
    starts_at = fields.String(metadata=WHEN)
    ends_at = fields.String(metadata=WHEN)
    place = fields.String(allow_none=True)
    mode = fields.String()
    online_url = fields.String(allow_none=True)
    invited = fields.List(fields.Dict())
    capacity = fields.Integer(allow_none=True)
    registered = fields.Integer()
    quorum = fields.Integer()
    status = fields.String(metadata={"description": "scheduled, held or cancelled"})
    organiser_id = fields.String()
    present = fields.Integer()
    minutes = fields.String(allow_none=True)
    closing_report = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    version = fields.Integer()
    agenda = fields.List(fields.Nested(AgendaItemView))
    registrations = fields.List(fields.Nested(RegistrationView))
    attendee_ids = fields.List(fields.String())
    resolutions = fields.List(fields.Nested(ResolutionView))


class MeetingList(Schema):
    items = fields.List(fields.Nested(MeetingView))


class PeriodQuery(Schema):
    from_ = fields.AwareDateTime(data_key="from", load_default=None)
    to = fields.AwareDateTime(load_default=None)


class MilestoneBody(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    due_on = fields.Date(required=True)


class ProjectBody(StrictSchema):
    resolution_id = fields.String(load_default=None, allow_none=True)
    parent_id = fields.String(load_default=None, allow_none=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=10000))
    budget = fields.Decimal(
        load_default=0,
        places=2,
        validate=validate.Range(min=0, max=10_000_000),
        metadata={"description": "CNY (a micro-project: at most 10 million)"},
    )
    funding_source = fields.String(required=True, validate=validate.Length(min=1, max=120))
    responsible_unit = fields.String(required=True, validate=validate.Length(min=1, max=120))
    responsible_kind = fields.String(
        load_default="community", validate=validate.OneOf(("community", "partner"))
    )
    responsible_ids = fields.List(fields.String(), load_default=list)
    weight = fields.Float(load_default=1.0, validate=validate.Range(min=0.01, max=1000))
    issue_ids = fields.List(fields.String(), load_default=list)
    milestones = fields.List(fields.Nested(MilestoneBody), load_default=list)

    @validates_schema
    def one_origin(self, data, **kwargs):
        if not data.get("resolution_id") and not data.get("parent_id"):
            raise SchemaError("A project comes from a resolution or a parent.", "resolution_id")


class ProgressBody(StrictSchema):
    status = fields.String(
        load_default=None, validate=validate.OneOf(PROJECT_STATUSES[:4] + ("cancelled",))
    )
    progress = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=100)
    )
    milestones_done = fields.List(fields.String(), load_default=list)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class CompletionBody(StrictSchema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    photos = fields.List(
        fields.Url(schemes={"http", "https"}), load_default=list, validate=validate.Length(max=30)
    )


class RatingBody(StrictSchema):
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    score = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=5)
    )
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class MilestoneView(Schema):
    id = fields.String()
    title = fields.String()
    due_on = fields.String(metadata={"format": "date"})
    done_at = fields.String(allow_none=True, metadata=WHEN)


class ProjectSummaryView(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    description = fields.String()
    resolution_id = fields.String(allow_none=True)
    meeting_id = fields.String(allow_none=True)
    parent_id = fields.String(allow_none=True)
    weight = fields.Float()
    budget = fields.String(metadata={"description": "CNY, two decimals"})
    funding_source = fields.String()
    responsible_unit = fields.String()
    responsible_kind = fields.String()
    responsible_ids = fields.List(fields.String())
    status = fields.String()
    progress = fields.Float(metadata={"description": "0–100; a parent's rolls up, weighted"})
    issue_ids = fields.List(fields.String())
    milestones = fields.List(fields.Nested(MilestoneView))
    completion_note = fields.String(allow_none=True)
    evidence = fields.List(fields.String())
    created_by = fields.String()
    created_at = fields.String(metadata=WHEN)
    completed_at = fields.String(allow_none=True, metadata=WHEN)
    ratings = fields.Integer()
    satisfied_share = fields.Float(allow_none=True)
    version = fields.Integer()


class ProjectView(ProjectSummaryView):
    children = fields.List(fields.Nested(ProjectSummaryView))


class ProjectList(Schema):
    items = fields.List(fields.Nested(ProjectSummaryView))


class ProjectListQuery(Schema):
    status = fields.String(load_default=None, metadata={"description": "comma-separated"})


class ReportQuery(Schema):
    from_ = fields.AwareDateTime(data_key="from", required=True)
    to = fields.AwareDateTime(required=True)
    list = fields.String(
        load_default=None,
        validate=validate.OneOf(("problems", "projects", "results")),
        metadata={"description": "with format=csv: which list to export"},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @validates_schema
    def csv_needs_list(self, data, **kwargs):
        if data["format"] == "csv" and not data.get("list"):
            raise SchemaError("CSV exports one list: problems, projects or results.", "list")


class FunnelView(Schema):
    topics_raised = fields.Integer()
    projects_formed = fields.Integer()
    projects_completed = fields.Integer()
    formed_and_completed = fields.Integer()
    ratings = fields.Integer()
    satisfied_share = fields.Float(allow_none=True)


class ProblemRow(Schema):
    topic_id = fields.String()
    issue_id = fields.String()
    community = fields.String()
    title = fields.String()
    category = fields.String()
    via = fields.String()
    important = fields.Boolean()
    status = fields.String()
    raised_at = fields.String(metadata=WHEN)
    outcome = fields.String(allow_none=True)


class ReportView(Schema):
    node = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    funnel = fields.Nested(FunnelView)
    problems = fields.List(fields.Nested(ProblemRow))
    projects = fields.List(fields.Nested(ProjectSummaryView))
    results = fields.List(fields.Nested(ProjectSummaryView))
