"""HTTP schemas of the issues part of the API."""

from marshmallow import Schema, fields, validate

from .common import StrictSchema

CHANNELS = ("app", "hotline", "visit", "walk_in", "referral")


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
