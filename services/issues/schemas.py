"""Marshmallow schemas of the issues service's RPC inputs and outputs."""

from datetime import UTC

from marshmallow import RAISE, Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError

from shared.events.issues import KINDS

CHANNELS = ("app", "hotline", "visit", "walk_in", "referral")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
URL = fields.Url(schemes={"http", "https"})


class UtcDateTime(fields.DateTime):
    """Dumps with an offset; a naive value (as SQLite gives it back) is UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class ChecklistItem(Strict):
    item = fields.String(required=True, validate=validate.Length(min=1, max=200))
    done = fields.Boolean(load_default=False)


class ReportIssueInput(Strict):
    community = fields.String(required=True)
    category = fields.String(required=True, validate=validate.Length(min=1, max=60))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    grid = fields.String(load_default=None, allow_none=True)
    compound = fields.String(load_default=None, allow_none=True)
    building = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    channel = fields.String(load_default="app", validate=validate.OneOf(CHANNELS))
    reporter_id = fields.String(required=True)
    kind = fields.String(load_default="problem", validate=validate.OneOf(KINDS))
    anonymous = fields.Boolean(load_default=False)
    contact_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=120)
    )
    contact_phone = fields.String(
        load_default=None, allow_none=True, validate=validate.Regexp(r"^\+?[0-9-]{5,20}$")
    )
    recorded_by = fields.String(load_default=None, allow_none=True)
    partner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    answers = fields.Dict(keys=fields.String(), load_default=dict)
    checklist = fields.List(fields.Nested(ChecklistItem), load_default=list)
    due_date = fields.Date(load_default=None, allow_none=True)
    parties = fields.List(fields.String(validate=validate.Length(min=1, max=60)), load_default=list)
    photos = fields.List(URL, load_default=list, validate=validate.Length(max=10))

    @validates_schema
    def kind_needs(self, data, **kwargs):
        if data.get("kind") == "dispute" and not data.get("parties"):
            raise SchemaError({"parties": ["a dispute names its parties"]})
        if data.get("channel") == "referral" and not data.get("partner"):
            raise SchemaError({"partner": ["a referral names the partner organisation"]})


class TransitionInput(Strict):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    partner = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))
    level = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("community", "street", "district")),
    )
    photos = fields.List(URL, load_default=list, validate=validate.Length(max=10))


class EvaluationInput(Strict):
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION))
    score = fields.Integer(required=True, validate=validate.Range(1, 5))
    solved = fields.Boolean(load_default=None, allow_none=True)
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class CommentInput(Strict):
    body = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    internal = fields.Boolean(load_default=False)
    photos = fields.List(URL, load_default=list, validate=validate.Length(max=10))


class OverrideInput(Strict):
    mode = fields.String(required=True, validate=validate.OneOf(("add", "override", "remove")))
    definition = fields.Dict(load_default=dict)


class ListInput(Strict):
    node = fields.String(required=True)
    status = fields.List(fields.String(), load_default=None)
    category = fields.List(fields.String(), load_default=None)
    kind = fields.List(fields.String(validate=validate.OneOf(KINDS)), load_default=None)
    assignee_id = fields.String(load_default=None)
    reporter_id = fields.String(load_default=None)
    grid = fields.String(load_default=None)
    compound = fields.String(load_default=None)
    reported_from = fields.AwareDateTime(load_default=None)
    reported_to = fields.AwareDateTime(load_default=None)
    updated_after = fields.AwareDateTime(load_default=None)
    overdue = fields.Boolean(load_default=False)
    callback_pending = fields.Boolean(load_default=False)
    flagged = fields.Boolean(load_default=False)
    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 500))
    order = fields.String(load_default="reported", validate=validate.OneOf(("reported", "updated")))


class IssueOutput(Schema):
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
    reported_at = UtcDateTime()
    updated_at = UtcDateTime()
    kind = fields.String()
    open311_status = fields.String()
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
    level = fields.String()
    accepted_at = UtcDateTime(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    evaluated_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    response_due_at = UtcDateTime(allow_none=True)
    resolution_due_at = UtcDateTime(allow_none=True)
    paused_at = UtcDateTime(allow_none=True)
    resolution_note = fields.String(allow_none=True)
    supporters = fields.Integer()
    merged_into = fields.String(allow_none=True)
    satisfaction = fields.String(allow_none=True)
    score = fields.Integer(allow_none=True)
    solved = fields.Boolean(allow_none=True)
    evaluation_comment = fields.String(allow_none=True)
    redo_count = fields.Integer()
    callback_requested_at = UtcDateTime(allow_none=True)
    version = fields.Integer()
    allowed_actions = fields.List(fields.String())


class HistoryOutput(Schema):
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_id = fields.String()
    note = fields.String(allow_none=True)
    at = UtcDateTime()


class CommentOutput(Schema):
    id = fields.String()
    issue_id = fields.String()
    author_id = fields.String()
    body = fields.String()
    internal = fields.Boolean()
    photos = fields.List(fields.String())
    at = UtcDateTime()
