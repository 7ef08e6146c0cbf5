"""HTTP schemas of the issues part of the API."""

from marshmallow import RAISE, Schema, fields, validate

from .common import StrictSchema

CHANNELS = ("app", "hotline", "visit", "walk_in", "referral")
KINDS = ("problem", "need", "service_request", "dispute", "suggestion")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
URLS = fields.List(fields.Url(schemes={"http", "https"}), load_default=list)


class ChecklistItemBody(StrictSchema):
    item = fields.String(required=True, validate=validate.Length(min=1, max=200))
    done = fields.Boolean(load_default=False)


class ReportIssueBody(StrictSchema):
    category = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={
            "description": "Category code from the community's catalogue",
            "example": "heating",
        },
    )
    title = fields.String(
        required=True, validate=validate.Length(min=1, max=200), metadata={"example": "暖气不热"}
    )
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    grid = fields.String(load_default=None, allow_none=True, metadata={"description": "Grid code"})
    compound = fields.String(load_default=None, allow_none=True)
    building = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    channel = fields.String(
        load_default="app",
        validate=validate.OneOf(CHANNELS),
        metadata={"description": "How the report came in; staff record hotline/visit/walk_in"},
    )

    kind = fields.String(
        load_default="problem",
        validate=validate.OneOf(KINDS),
        metadata={
            "description": "problem, need (需求清单), service_request (帮办代办), "
            "dispute (调解: seen only by parties, mediator, admins), suggestion"
        },
    )
    anonymous = fields.Boolean(load_default=False)
    contact_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=120)
    )
    contact_phone = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\+?[0-9-]{5,20}$"),
        metadata={"description": "Private: masked for anyone but the assignee and admins"},
    )
    on_behalf_of = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Staff only: the resident's account the report is for"},
    )
    partner = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=120),
        metadata={"description": "The referring partner organisation (channel referral)"},
    )
    answers = fields.Dict(
        keys=fields.String(), load_default=dict, metadata={"description": "Category questions"}
    )
    checklist = fields.List(fields.Nested(ChecklistItemBody), load_default=list)
    due_date = fields.Date(load_default=None, allow_none=True)
    parties = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=list)
    photos = fields.List(fields.Url(schemes={"http", "https"}), load_default=list)


class IssueView(Schema):
    id = fields.String()
    community = fields.String()
    grid = fields.String(allow_none=True)
    compound = fields.String(allow_none=True)
    building = fields.String(allow_none=True)
    category = fields.String()
    title = fields.String()
    description = fields.String()
    channel = fields.String()
    reporter_id = fields.String()
    assignee_id = fields.String(allow_none=True)
    assignee_role = fields.String(allow_none=True)
    status = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    reported_at = fields.String(metadata={"format": "date-time"})
    updated_at = fields.String(metadata={"format": "date-time"})
    kind = fields.String()
    open311_status = fields.String(metadata={"description": "open or closed"})
    anonymous = fields.Boolean()
    contact_name = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    partner = fields.String(allow_none=True)
    answers = fields.Dict()
    checklist = fields.List(fields.Dict())
    due_date = fields.String(allow_none=True)
    parties = fields.List(fields.String())
    photos = fields.List(fields.String())
    level = fields.String(metadata={"description": "grid, community, street or district"})
    accepted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    resolved_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    evaluated_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    closed_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    response_due_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    resolution_due_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    paused_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    resolution_note = fields.String(allow_none=True)
    supporters = fields.Integer()
    merged_into = fields.String(allow_none=True)
    satisfaction = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    solved = fields.Boolean(allow_none=True)
    evaluation_comment = fields.String(allow_none=True)
    redo_count = fields.Integer(metadata={"description": "times sent back to be redone"})
    callback_requested_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())


class HistoryView(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.String()
    note = fields.String(allow_none=True)
    at = fields.String(metadata={"format": "date-time"})


class CommentView(Schema):
    id = fields.String()
    issue_id = fields.String()
    author_id = fields.String()
    body = fields.String()
    internal = fields.Boolean()
    photos = fields.List(fields.String())
    at = fields.String(metadata={"format": "date-time"})


class IssueDetailView(IssueView):
    history = fields.List(fields.Nested(HistoryView))
    comments = fields.List(fields.Nested(CommentView))


class IssuePage(Schema):
    items = fields.List(fields.Nested(IssueView))
    next_cursor = fields.String(allow_none=True)


class IssueListQuery(Schema):
    class Meta:
        unknown = RAISE

    node = fields.String(load_default=None, metadata={"description": "Default: your scope"})
    status = fields.String(load_default=None, metadata={"description": "Comma-separated"})
    category = fields.String(load_default=None, metadata={"description": "Comma-separated"})
    kind = fields.String(load_default=None, metadata={"description": "Comma-separated"})
    list = fields.String(
        load_default=None,
        validate=validate.OneOf(("red", "blue")),
        metadata={
            "description": "红单 red: problems and disputes; 蓝单 blue: needs, errands, suggestions"
        },
    )
    assignee = fields.String(load_default=None, metadata={"description": "account id or 'me'"})
    reporter = fields.String(load_default=None)
    grid = fields.String(load_default=None)
    compound = fields.String(load_default=None)
    reported_from = fields.AwareDateTime(load_default=None)
    reported_to = fields.AwareDateTime(load_default=None)
    updated_after = fields.AwareDateTime(
        load_default=None, metadata={"description": "Change feed: sorted by update, oldest first"}
    )
    overdue = fields.Boolean(load_default=False)
    callback_pending = fields.Boolean(load_default=False, metadata={"description": "回访 due"})
    flagged = fields.Boolean(load_default=False, metadata={"description": "sent back (退回重办)"})
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class TransitionBody(StrictSchema):
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Required to reject, escalate, refer, reopen, wait"},
    )
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=5000),
        metadata={"description": "Resolution note: required to resolve"},
    )
    partner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    level = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("community", "street", "district")),
    )
    photos = URLS


class EvaluationBody(StrictSchema):
    satisfaction = fields.String(
        required=True,
        validate=validate.OneOf(SATISFACTION),
        metadata={"description": "满意 / 基本满意 / 不满意 (unsatisfied reopens for redo)"},
    )
    score = fields.Integer(required=True, validate=validate.Range(1, 5))
    solved = fields.Boolean(load_default=None, allow_none=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class MergeBody(StrictSchema):
    into = fields.String(required=True, metadata={"description": "The surviving issue"})


class AssignmentBody(StrictSchema):
    assignee_id = fields.String(required=True, validate=validate.Length(min=1, max=60))


class CommentBody(StrictSchema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    internal = fields.Boolean(load_default=False, metadata={"description": "Staff only"})
    photos = URLS


class SimilarQuery(Schema):
    class Meta:
        unknown = RAISE

    category = fields.String(required=True)
    title = fields.String(load_default="")
    description = fields.String(load_default="")
    compound = fields.String(load_default=None)
    building = fields.String(load_default=None)
    latitude = fields.Float(load_default=None, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, validate=validate.Range(-180, 180))


class SimilarIssueView(Schema):
    issue_id = fields.String()
    title = fields.String()
    status = fields.String()
    supporters = fields.Integer()
    reason = fields.String(
        metadata={"description": "same-building, same-compound, nearby, similar-text"}
    )
    score = fields.Float()


class SimilarIssues(Schema):
    items = fields.List(fields.Nested(SimilarIssueView))


class CategoryView(Schema):
    code = fields.String()
    name = fields.Dict()
    group = fields.String()
    keywords = fields.List(fields.String())
    response_hours = fields.Float(metadata={"description": "working hours"})
    resolution_hours = fields.Float(metadata={"description": "working hours"})
    assignee_role = fields.String()
    escalation_chain = fields.List(fields.String())
    anonymous_allowed = fields.Boolean()
    stop_message = fields.Dict(allow_none=True)
    attributes = fields.List(fields.Dict())


class CatalogueView(Schema):
    items = fields.List(fields.Nested(CategoryView))


class CategoryOverrideBody(StrictSchema):
    mode = fields.String(required=True, validate=validate.OneOf(("add", "override", "remove")))
    definition = fields.Dict(load_default=dict)


class FiguresQuery(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.AwareDateTime(required=True, data_key="from")
    to = fields.AwareDateTime(required=True)
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class CommunityFigures(Schema):
    community = fields.String()
    reported = fields.Integer()
    response_rate = fields.Float(allow_none=True)
    completion_rate = fields.Float(allow_none=True)
    resolution_rate = fields.Float(allow_none=True)
    satisfaction_rate = fields.Float(allow_none=True)
    response_overdue = fields.Integer()
    resolution_overdue = fields.Integer()


class FiguresView(CommunityFigures):
    node = fields.String()
    from_ = fields.String(data_key="from")
    to = fields.String()
    median_hours_to_respond = fields.Float(allow_none=True)
    median_hours_to_resolve = fields.Float(allow_none=True)
    project_ratings = fields.Integer(metadata={"description": "residents' project verdicts"})
    project_satisfaction_rate = fields.Float(allow_none=True)
    communities = fields.List(fields.Nested(CommunityFigures))
