"""Marshmallow schemas of the volunteers service's RPC inputs and outputs."""

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from .domain.recurrence import DayFilter

TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="must be HH:MM")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class CreateShiftInput(Strict):
    community = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default=None, allow_none=True)
    place = fields.String(load_default=None, allow_none=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    created_by = fields.String(required=True)
    required_skills = fields.List(fields.String(validate=validate.Length(min=1, max=60)))
    signup_opens_at = fields.AwareDateTime(load_default=None, allow_none=True)
    signup_closes_at = fields.AwareDateTime(load_default=None, allow_none=True)
    cancel_cutoff_minutes = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=60 * 24 * 30)
    )

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
    activity_id = fields.String(allow_none=True)
    required_skills = fields.List(fields.String())
    waitlisted = fields.Integer()
    cancelled_at = fields.AwareDateTime(allow_none=True)


class SignupInput(Strict):
    waitlist = fields.Boolean(load_default=False)
    override_reason = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=3, max=500)
    )


class SignupOutput(Schema):
    id = fields.String()
    shift_id = fields.String()
    volunteer_id = fields.String()
    status = fields.String()
    created_at = fields.AwareDateTime()
    pinned = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), allow_none=True)


class SkillInput(Strict):
    skill = fields.String(required=True, validate=validate.Length(min=1, max=60))
    confirmed_by = fields.String(load_default=None, allow_none=True)


class WindowInput(Strict):
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=7))
    starts = fields.String(required=True, validate=TIME)
    ends = fields.String(required=True, validate=TIME)

    @validates_schema
    def _ends_after_start(self, data, **_kwargs):
        if data["ends"] <= data["starts"]:
            raise ValidationError("must be later than starts", "ends")


class ProfileInput(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(
        load_default="volunteer",
        validate=validate.OneOf(["volunteer", "social_worker", "party_member"]),
    )
    home_community = fields.String(required=True)
    skills = fields.List(fields.Nested(SkillInput), load_default=list)
    languages = fields.List(fields.String(validate=validate.Length(max=20)), load_default=list)
    availability = fields.List(fields.Nested(WindowInput), load_default=list)
    preferred_roles = fields.List(
        fields.String(validate=validate.Length(max=60)), load_default=list
    )
    yearly_quota_hours = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=2000))
    max_hours_per_day = fields.Float(load_default=8.0, validate=validate.Range(min=0.5, max=24))
    max_hours_per_week = fields.Float(load_default=40.0, validate=validate.Range(min=0.5, max=168))
    min_rest_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=24 * 60))


class ProfileOutput(Schema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    home_community = fields.String()
    skills = fields.List(fields.Dict())
    languages = fields.List(fields.String())
    availability = fields.List(fields.Dict())
    preferred_roles = fields.List(fields.String())
    yearly_quota_hours = fields.Float()
    max_hours_per_day = fields.Float()
    max_hours_per_week = fields.Float()
    min_rest_minutes = fields.Integer()


class ActivityInput(Strict):
    community = fields.String(required=True)
    created_by = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="activity", validate=validate.Length(min=1, max=40))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    rule = fields.String(load_default="FREQ=DAILY;COUNT=1", validate=validate.Length(max=500))
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    windows = fields.List(
        fields.Tuple((fields.String(validate=TIME), fields.String(validate=TIME))),
        required=True,
        validate=validate.Length(min=1, max=6),
    )
    day_filter = fields.Enum(DayFilter, by_value=True, load_default=DayFilter.EVERY_DAY)
    excluded_days = fields.List(fields.Date(), load_default=list)
    added_days = fields.List(fields.Date(), load_default=list)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    required_skills = fields.List(
        fields.String(validate=validate.Length(max=60)), load_default=list
    )

    @validates_schema
    def _sane_span(self, data, **_kwargs):
        if "first_day" in data and "last_day" in data:
            span = (data["last_day"] - data["first_day"]).days
            if span < 0:
                raise ValidationError("must not be before first_day", "last_day")
            if span > 366:
                raise ValidationError(
                    "an activity's shifts are made at most a year ahead", "last_day"
                )


class ActivityOutput(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    kind = fields.String()
    role = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    rule = fields.String()
    day_filter = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    shifts = fields.List(fields.Nested(ShiftOutput))


class RosterInput(Strict):
    node = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    requested_by = fields.String(required=True)
    # the solve runs inside one RPC call, whose deadline is PAVILION_RPC_TIMEOUT (10 s):
    # keep room for loading and saving the roster
    time_limit_seconds = fields.Float(load_default=5.0, validate=validate.Range(min=0.5, max=7))

    @validates_schema
    def _span(self, data, **_kwargs):
        if "starts_on" in data and "ends_on" in data:
            span = (data["ends_on"] - data["starts_on"]).days
            if not 0 <= span <= 31:
                raise ValidationError("must be 0–31 days after starts_on", "ends_on")


class RosterRunInput(Strict):
    """A roster run solved in the background: a street's month may take minutes."""

    node = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    requested_by = fields.String(required=True)
    time_limit_seconds = fields.Float(load_default=30.0, validate=validate.Range(min=1, max=300))

    @validates_schema
    def _span(self, data, **_kwargs):
        if "starts_on" in data and "ends_on" in data:
            span = (data["ends_on"] - data["starts_on"]).days
            if not 0 <= span <= 31:
                raise ValidationError("must be 0–31 days after starts_on", "ends_on")


class PageInput(Strict):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, allow_none=True)


class ActivityListInput(PageInput):
    active_from = fields.Date(load_default=None, allow_none=True)
    active_to = fields.Date(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class TeamListInput(PageInput):
    kind = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["community", "partner_unit"])
    )


class HouseholdListInput(PageInput):
    today = fields.Date(load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=None, allow_none=True)
    need = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class HoursEntryInput(Strict):
    community = fields.String(required=True, validate=validate.Length(min=1, max=40))
    minutes = fields.Integer(
        required=True, validate=validate.Range(min=-24 * 60 * 31, max=24 * 60 * 31)
    )
    service = fields.String(required=True, validate=validate.Length(min=1, max=200))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=400))
    corrects = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))

    @validates_schema
    def _not_zero(self, data, **_kwargs):
        if data.get("minutes") == 0:
            raise ValidationError("must not be 0", "minutes")
        if data.get("minutes", 1) < 0 and not data.get("corrects"):
            raise ValidationError("negative minutes must correct an entry", "corrects")


class HouseholdInput(Strict):
    community = fields.String(required=True, validate=validate.Length(min=1, max=40))
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    needs = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=10),
    )
    every_days = fields.Integer(required=True, validate=validate.Range(min=1, max=366))
    registered_by = fields.String(required=True)


class VisitInput(Strict):
    visited_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    issue_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


class TeamInput(Strict):
    community = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(
        load_default="community", validate=validate.OneOf(["community", "partner_unit"])
    )
    partner_unit = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    created_by = fields.String(required=True)


class MembershipInput(Strict):
    role = fields.String(load_default="member", validate=validate.OneOf(["lead", "member"]))


class RescheduleInput(Strict):
    scope = fields.String(required=True, validate=validate.OneOf(["this", "following"]))
    windows = fields.List(
        fields.Tuple((fields.String(validate=TIME), fields.String(validate=TIME))),
        required=True,
        validate=validate.Length(min=1, max=6),
    )


class ShiftListInput(Strict):
    starts_from = fields.AwareDateTime(load_default=None, allow_none=True)
    starts_before = fields.AwareDateTime(load_default=None, allow_none=True)
    activity_id = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, allow_none=True)
