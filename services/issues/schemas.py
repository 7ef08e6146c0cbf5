"""Marshmallow schemas of the issues service's RPC inputs and outputs."""

from marshmallow import RAISE, Schema, fields, validate

CHANNELS = ("app", "hotline", "visit", "walk_in", "referral")


class ReportIssueInput(Schema):
    class Meta:
        unknown = RAISE

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
    reported_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
