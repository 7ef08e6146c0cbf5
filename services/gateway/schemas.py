"""Schemas of the public HTTP API: request bodies are loaded through them, responses dumped
through them, and the OpenAPI document is generated from them."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

CHANNELS = ("app", "hotline", "visit", "walk_in", "referral")


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


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


class CreateShiftBody(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(
        required=True, metadata={"example": "2026-12-01T07:10:00+08:00"}
    )
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T08:00:00+08:00"})
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))

    @validates_schema
    def _ends_after_start(self, data, **_kwargs):
        if "starts_at" in data and "ends_at" in data and data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be later than starts_at", "ends_at")


class ShiftView(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    role = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    starts_at = fields.String(metadata={"format": "date-time"})
    ends_at = fields.String(metadata={"format": "date-time"})
    capacity = fields.Integer()
    filled = fields.Integer()


class SignupBody(StrictSchema):
    """Empty for now: the volunteer is the caller."""


class SignupView(Schema):
    id = fields.String()
    shift_id = fields.String()
    volunteer_id = fields.String()
    status = fields.String()
    created_at = fields.String(metadata={"format": "date-time"})


class PathItem(Schema):
    code = fields.String()
    name = fields.String()


class NodeView(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String()
    parent = fields.String(allow_none=True)
    path = fields.List(fields.Nested(PathItem), metadata={"description": "Ancestors, top first"})


class NodeSearchQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kind = fields.String(
        load_default=None,
        validate=validate.OneOf(
            ("city", "district", "street", "community", "grid", "compound", "building")
        ),
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)


class NodePage(Schema):
    items = fields.List(fields.Nested(NodeView))
    next_cursor = fields.String(allow_none=True)


class InboxItemView(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    subject = fields.String(allow_none=True)
    community = fields.String(allow_none=True)
    created_at = fields.String(metadata={"format": "date-time"})
    read_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class InboxPage(Schema):
    items = fields.List(fields.Nested(InboxItemView))
    unread = fields.Integer()
    next_cursor = fields.String(allow_none=True)


class PageQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)


class PrincipalView(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    scope = fields.String()


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    instance = fields.String()
    code = fields.String()
    errors = fields.Dict(metadata={"description": "Per-field messages"})
    correlation_id = fields.String()
