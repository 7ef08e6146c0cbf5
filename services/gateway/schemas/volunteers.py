"""HTTP schemas of the volunteers part of the API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import StrictSchema


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
