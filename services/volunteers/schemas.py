"""Marshmallow schemas of the volunteers service's RPC inputs and outputs."""

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema


class CreateShiftInput(Schema):
    class Meta:
        unknown = RAISE

    community = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default=None, allow_none=True)
    place = fields.String(load_default=None, allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    created_by = fields.String(required=True)

    @validates_schema
    def _ends_after_start(self, data, **_kwargs):
        if data["ends_at"] <= data["starts_at"]:
            raise ValidationError("must be later than starts_at", "ends_at")


class ShiftOutput(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    role = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer()
    filled = fields.Integer()


class SignupOutput(Schema):
    id = fields.String()
    shift_id = fields.String()
    volunteer_id = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
