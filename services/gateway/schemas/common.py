"""Schemas every part of the public API uses."""

from marshmallow import RAISE, Schema, fields, validate


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


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
