"""Events published by the volunteers service."""

from marshmallow import fields

from .catalogue import Catalogue, EventData


class ShiftSignedUpV1(EventData):
    signup_id = fields.String(required=True)
    shift_id = fields.String(required=True)
    community = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    title = fields.String(required=True)
    place = fields.String(allow_none=True, load_default=None)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    filled = fields.Integer(required=True)
    capacity = fields.Integer(required=True)


def register(catalogue: Catalogue) -> None:
    catalogue.register(
        "volunteers.shift_signed_up",
        1,
        ShiftSignedUpV1,
        description="A volunteer took a place on a shift.",
        example={
            "signup_id": "sig-77aa",
            "shift_id": "shf-19cd",
            "community": "150105001001",
            "volunteer_id": "acc-5b6c",
            "title": "展览馆西路早高峰交通引导",
            "place": "展览馆西路与昭乌达路口",
            "starts_at": "2026-11-30T23:10:00+00:00",
            "ends_at": "2026-12-01T00:00:00+00:00",
            "filled": 1,
            "capacity": 4,
        },
    )
