"""HTTP schemas of the volunteers part of the API."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import StrictSchema

TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="must be HH:MM")
SKILL = fields.String(validate=validate.Length(min=1, max=60))


class CreateShiftBody(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    starts_at = fields.AwareDateTime(
        required=True, metadata={"example": "2026-12-01T07:10:00+08:00"}
    )
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T08:00:00+08:00"})
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    required_skills = fields.List(SKILL, load_default=list, validate=validate.Length(max=20))
    signup_opens_at = fields.AwareDateTime(load_default=None, allow_none=True)
    signup_closes_at = fields.AwareDateTime(load_default=None, allow_none=True)
    cancel_cutoff_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=60 * 24 * 30),
        metadata={"description": "volunteers may cancel until this long before the start"},
    )

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
    waitlisted = fields.Integer()
    cancelled_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    activity_id = fields.String(allow_none=True)
    required_skills = fields.List(fields.String())


class SignupBody(StrictSchema):
    """Empty to take a place yourself. `waitlist`: wait in line when the shift is full.
    Staff may sign someone else up (`volunteer_id`) and override the sign-up rules with a
    recorded `override_reason`."""

    waitlist = fields.Boolean(load_default=False)
    volunteer_id = fields.String(load_default=None, validate=validate.Length(min=1, max=60))
    override_reason = fields.String(load_default=None, validate=validate.Length(min=3, max=500))


class SignupView(Schema):
    id = fields.String()
    shift_id = fields.String()
    volunteer_id = fields.String()
    status = fields.String(
        metadata={"enum": ["confirmed", "waitlisted", "proposed", "declined", "cancelled"]}
    )
    created_at = fields.String(metadata={"format": "date-time"})
    pinned = fields.Boolean()
    override_reason = fields.String(allow_none=True)
    reasons = fields.List(fields.String(), allow_none=True)


class AnswerBody(StrictSchema):
    answer = fields.String(required=True, validate=validate.OneOf(["confirmed", "declined"]))


class SkillBody(StrictSchema):
    skill = SKILL
    confirmed = fields.Boolean(load_default=True)


class AvailabilityBody(StrictSchema):
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=7))
    starts = fields.String(required=True, validate=TIME, metadata={"example": "07:00"})
    ends = fields.String(required=True, validate=TIME, metadata={"example": "12:00"})

    @validates_schema
    def _ends_after_start(self, data, **_kwargs):
        if "starts" in data and "ends" in data and data["ends"] <= data["starts"]:
            raise ValidationError("must be later than starts", "ends")


class ProfileBody(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    kind = fields.String(
        load_default="volunteer",
        validate=validate.OneOf(["volunteer", "social_worker", "party_member"]),
        metadata={
            "description": "party_member: an employed party member reporting to their "
            "home community (在职党员报到), with a yearly quota"
        },
    )
    home_community = fields.String(required=True, validate=validate.Length(min=1, max=40))
    skills = fields.List(fields.Nested(SkillBody), load_default=list)
    languages = fields.List(fields.String(validate=validate.Length(max=20)), load_default=list)
    availability = fields.List(fields.Nested(AvailabilityBody), load_default=list)
    preferred_roles = fields.List(
        fields.String(validate=validate.Length(max=60)), load_default=list
    )
    yearly_quota_hours = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=2000))
    max_hours_per_day = fields.Float(load_default=8.0, validate=validate.Range(min=0.5, max=24))
    max_hours_per_week = fields.Float(load_default=40.0, validate=validate.Range(min=0.5, max=168))
    min_rest_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440))


class ProfileView(Schema):
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


class CreateActivityBody(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="activity", validate=validate.Length(min=1, max=40))
    role = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    rule = fields.String(
        load_default="FREQ=DAILY;COUNT=1",
        validate=validate.Length(min=1, max=500),
        metadata={"description": "RFC 5545 RRULE value", "example": "FREQ=DAILY"},
    )
    first_day = fields.Date(required=True, metadata={"example": "2026-11-30"})
    last_day = fields.Date(required=True, metadata={"example": "2026-12-31"})
    windows = fields.List(
        fields.Tuple((fields.String(validate=TIME), fields.String(validate=TIME))),
        required=True,
        validate=validate.Length(min=1, max=6),
        metadata={"example": [["07:10", "08:00"], ["16:30", "17:30"]]},
    )
    day_filter = fields.String(
        load_default="every_day",
        validate=validate.OneOf(["every_day", "workdays", "school_days"]),
        metadata={"description": "keep only the calendar's working days or school days"},
    )
    excluded_days = fields.List(fields.Date(), load_default=list)
    added_days = fields.List(fields.Date(), load_default=list)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    required_skills = fields.List(SKILL, load_default=list, validate=validate.Length(max=20))


class ActivityView(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    kind = fields.String()
    role = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    rule = fields.String()
    day_filter = fields.String()
    first_day = fields.String(metadata={"format": "date"})
    last_day = fields.String(metadata={"format": "date"})
    shifts = fields.List(fields.Nested(ShiftView))


class RosterBody(StrictSchema):
    starts_on = fields.Date(required=True, metadata={"example": "2026-11-30"})
    ends_on = fields.Date(required=True, metadata={"example": "2026-12-06"})
    # the solve runs inside one RPC call, whose deadline is PAVILION_RPC_TIMEOUT (10 s):
    # keep room for loading and saving the roster
    time_limit_seconds = fields.Float(load_default=5.0, validate=validate.Range(min=0.5, max=7))


class RosterAssignmentView(Schema):
    signup_id = fields.String()
    shift_id = fields.String()
    volunteer_id = fields.String()
    reasons = fields.List(fields.String())


class RosterView(Schema):
    id = fields.String(metadata={"description": "the roster run (GET /v1/roster-runs/{id})"})
    node = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    status = fields.String(metadata={"enum": ["done"]})
    shifts = fields.Integer()
    volunteers = fields.Integer()
    open_places = fields.Integer()
    filled = fields.Integer()
    unfilled = fields.Integer()
    dropped = fields.Integer(
        metadata={"description": "proposals dropped because they no longer held when saved"}
    )
    coverage_optimal = fields.Boolean()
    solver_status = fields.String()
    fairness_status = fields.String(
        metadata={"description": "OPTIMAL or FEASIBLE when the work was balanced"}
    )
    seconds = fields.Float()
    assignments = fields.List(fields.Nested(RosterAssignmentView))


class RosterRunBody(StrictSchema):
    starts_on = fields.Date(required=True, metadata={"example": "2026-12-01"})
    ends_on = fields.Date(required=True, metadata={"example": "2026-12-31"})
    time_limit_seconds = fields.Float(
        load_default=30.0,
        validate=validate.Range(min=1, max=300),
        metadata={"description": "solving time (a street's month: 30–120 s)"},
    )

    @validates_schema
    def _span(self, data, **_kwargs):
        if "starts_on" in data and "ends_on" in data:
            if not 0 <= (data["ends_on"] - data["starts_on"]).days <= 31:
                raise ValidationError("must be 0–31 days after starts_on", "ends_on")


class RosterProgressView(Schema):
    stage = fields.String(metadata={"enum": ["queued", "loading", "solving", "done", "failed"]})
    shifts = fields.Integer()
    volunteers = fields.Integer()
    held_places = fields.Integer()
    solving_since = fields.String(metadata={"format": "date-time"})
    time_limit_seconds = fields.Float()


class DroppedAssignmentView(Schema):
    shift_id = fields.String()
    volunteer_id = fields.String()
    code = fields.String(metadata={"description": "the sign-up rule it broke when saved"})
    detail = fields.String()


class RosterRunResultView(Schema):
    shifts = fields.Integer()
    volunteers = fields.Integer()
    open_places = fields.Integer(metadata={"description": "places open before the run"})
    filled = fields.Integer()
    unfilled = fields.Integer()
    dropped = fields.Integer()
    coverage_optimal = fields.Boolean()
    solver_status = fields.String()
    fairness_status = fields.String()
    seconds = fields.Float()
    assignments = fields.List(fields.Nested(RosterAssignmentView))
    dropped_assignments = fields.List(fields.Nested(DroppedAssignmentView))


class RunErrorView(Schema):
    code = fields.String()
    detail = fields.String()


class RosterRunView(Schema):
    id = fields.String()
    node = fields.String()
    starts_on = fields.String(metadata={"format": "date"})
    ends_on = fields.String(metadata={"format": "date"})
    time_limit_seconds = fields.Float()
    requested_by = fields.String()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    attempts = fields.Integer()
    created_at = fields.String(metadata={"format": "date-time"})
    started_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    finished_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    progress = fields.Nested(RosterProgressView)
    result = fields.Nested(RosterRunResultView, allow_none=True)
    error = fields.Nested(
        RunErrorView,
        allow_none=True,
        metadata={"description": "why it failed, or the last error before a retry"},
    )


class ListPageQuery(StrictSchema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=400))


class RosterRunPage(Schema):
    items = fields.List(
        fields.Nested(RosterRunView),
        metadata={"description": "newest first; results without their assignments"},
    )
    next_cursor = fields.String(allow_none=True)


class CheckCodeView(Schema):
    shift_id = fields.String()
    code = fields.String(metadata={"description": "six digits the shift lead shows on site"})
    expires_at = fields.String(metadata={"format": "date-time"})


class CheckBody(StrictSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="6 digits"))


class CheckInView(Schema):
    signup_id = fields.String()
    checked_in_at = fields.String(metadata={"format": "date-time"})


class NoShowBody(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class NoShowView(Schema):
    signup_id = fields.String()
    status = fields.String()
    reason = fields.String()


class HoursEntryBody(StrictSchema):
    community = fields.String(required=True, validate=validate.Length(min=1, max=40))
    minutes = fields.Integer(
        required=True,
        validate=validate.Range(min=-24 * 60 * 31, max=24 * 60 * 31),
        metadata={"description": "negative only in a correction"},
    )
    service = fields.String(required=True, validate=validate.Length(min=1, max=200))
    place = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=400))
    corrects = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "the entry this one corrects (which stays unchanged)"},
    )


class HoursEntryView(Schema):
    id = fields.String()
    volunteer_id = fields.String()
    community = fields.String()
    shift_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": ["attendance", "manual", "correction"]})
    minutes = fields.Integer()
    service = fields.String()
    place = fields.String(allow_none=True)
    starts_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    ends_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    note = fields.String()
    corrects = fields.String(allow_none=True)
    recorded_by = fields.String()
    verified_by = fields.String(allow_none=True)
    verified_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class StatementQuery(StrictSchema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "html"]))

    @validates_schema
    def _order(self, data, **_kwargs):
        if "from_" in data and "to" in data and data["to"] < data["from_"]:
            raise ValidationError("must not be before from", "to")


class StatementView(Schema):
    volunteer_id = fields.String()
    volunteer_name = fields.String()
    from_ = fields.String(attribute="from", data_key="from", metadata={"format": "date"})
    to = fields.String(metadata={"format": "date"})
    verified_hours = fields.Float()
    entries = fields.List(fields.Dict())


class HouseholdBody(StrictSchema):
    label = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"example": "博尔顿小区3号楼2单元501 王奶奶"},
    )
    needs = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=10),
        metadata={"example": ["empty_nest"]},
    )
    every_days = fields.Integer(required=True, validate=validate.Range(min=1, max=366))


class HouseholdView(Schema):
    id = fields.String()
    community = fields.String()
    label = fields.String()
    needs = fields.List(fields.String())
    every_days = fields.Integer()
    registered_on = fields.String(metadata={"format": "date"})
    last_visit_on = fields.String(allow_none=True, metadata={"format": "date"})


class VisitBody(StrictSchema):
    visited_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    issue_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=60),
        metadata={"description": "an issue filed for a need found on the visit"},
    )


class VisitView(Schema):
    id = fields.String()
    household_id = fields.String()
    volunteer_id = fields.String()
    visited_on = fields.String(metadata={"format": "date"})
    note = fields.String()
    issue_id = fields.String(allow_none=True)
    next_due_on = fields.String(metadata={"format": "date"})


class CoverageQuery(StrictSchema):
    today = fields.Date(load_default=None)


class CoverageItemView(Schema):
    household_id = fields.String()
    label = fields.String()
    community = fields.String()
    needs = fields.List(fields.String())
    every_days = fields.Integer()
    last_visit_on = fields.String(allow_none=True, metadata={"format": "date"})
    due_on = fields.String(metadata={"format": "date"})
    days_overdue = fields.Integer()


class CoverageView(Schema):
    node = fields.String()
    today = fields.String(metadata={"format": "date"})
    households = fields.Integer()
    overdue = fields.Integer()
    items = fields.List(fields.Nested(CoverageItemView))


class FiguresQuery(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class QuotaView(Schema):
    volunteer_id = fields.String()
    name = fields.String()
    quota_hours = fields.Float()
    verified_hours = fields.Float()
    progress = fields.Float(allow_none=True)


class FiguresView(Schema):
    node = fields.String()
    year = fields.Integer()
    shifts = fields.Integer()
    places = fields.Integer()
    filled = fields.Integer()
    coverage = fields.Float(allow_none=True)
    activities = fields.Integer()
    activities_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    hours_by_community = fields.Dict(keys=fields.String(), values=fields.Float())
    hours_by_team = fields.Dict(keys=fields.String(), values=fields.Float())
    hours_by_volunteer = fields.Dict(keys=fields.String(), values=fields.Float())
    party_member_quotas = fields.List(fields.Nested(QuotaView))


class TeamBody(StrictSchema):
    name = fields.String(
        required=True, validate=validate.Length(min=1, max=120), metadata={"example": "我帮你"}
    )
    kind = fields.String(
        load_default="community", validate=validate.OneOf(["community", "partner_unit"])
    )
    partner_unit = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


class MembershipBody(StrictSchema):
    role = fields.String(load_default="member", validate=validate.OneOf(["lead", "member"]))


class MemberView(Schema):
    volunteer_id = fields.String()
    role = fields.String()


class TeamView(Schema):
    id = fields.String()
    community = fields.String()
    name = fields.String()
    kind = fields.String()
    partner_unit = fields.String(allow_none=True)
    members = fields.List(fields.Nested(MemberView))


class RescheduleBody(StrictSchema):
    scope = fields.String(
        required=True,
        validate=validate.OneOf(["this", "following"]),
        metadata={"description": "this occurrence, or this and all later ones"},
    )
    windows = fields.List(
        fields.Tuple((fields.String(validate=TIME), fields.String(validate=TIME))),
        required=True,
        validate=validate.Length(min=1, max=6),
        metadata={"example": [["07:00", "07:50"], ["16:30", "17:30"]]},
    )


class RescheduleView(Schema):
    activity_id = fields.String()
    scope = fields.String()
    shifts = fields.List(fields.Nested(ShiftView))


class ShiftListQuery(StrictSchema):
    starts_from = fields.AwareDateTime(load_default=None, data_key="from")
    starts_before = fields.AwareDateTime(load_default=None, data_key="before")
    activity_id = fields.String(load_default=None, validate=validate.Length(max=40))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))


class ShiftPage(Schema):
    items = fields.List(fields.Nested(ShiftView))
    next_cursor = fields.String(allow_none=True)


class CancelOccurrencesQuery(StrictSchema):
    scope = fields.String(
        load_default="this",
        validate=validate.OneOf(["this", "following"]),
        metadata={"description": "this occurrence, or this and all later ones"},
    )


class CancelledOccurrencesView(Schema):
    activity_id = fields.String()
    scope = fields.String()
    cancelled_shifts = fields.List(fields.String())
    cancelled_places = fields.Integer()


class ActivityListQuery(ListPageQuery):
    active_from = fields.Date(
        load_default=None,
        data_key="from",
        metadata={"description": "only activities running on or after this day"},
    )
    active_to = fields.Date(
        load_default=None,
        data_key="to",
        metadata={"description": "only activities running on or before this day"},
    )
    kind = fields.String(load_default=None, validate=validate.Length(min=1, max=40))

    @validates_schema
    def _order(self, data, **_kwargs):
        first, last = data.get("active_from"), data.get("active_to")
        if first is not None and last is not None and last < first:
            raise ValidationError("must not be before from", "to")


class ActivitySummaryView(Schema):
    id = fields.String()
    community = fields.String()
    title = fields.String()
    kind = fields.String()
    role = fields.String(allow_none=True)
    place = fields.String(allow_none=True)
    rule = fields.String()
    day_filter = fields.String()
    first_day = fields.String(metadata={"format": "date"})
    last_day = fields.String(metadata={"format": "date"})
    windows = fields.List(fields.List(fields.String()))
    capacity = fields.Integer()
    required_skills = fields.List(fields.String())
    shift_count = fields.Integer(metadata={"description": "its shifts that are not cancelled"})


class ActivityPage(Schema):
    items = fields.List(fields.Nested(ActivitySummaryView))
    next_cursor = fields.String(allow_none=True)


class TeamListQuery(ListPageQuery):
    kind = fields.String(load_default=None, validate=validate.OneOf(["community", "partner_unit"]))


class TeamPage(Schema):
    items = fields.List(fields.Nested(TeamView))
    next_cursor = fields.String(allow_none=True)


class HouseholdListQuery(ListPageQuery):
    today = fields.Date(load_default=None, metadata={"description": "default: today"})
    overdue = fields.Boolean(
        load_default=None,
        metadata={"description": "true: only overdue households; false: only those on time"},
    )
    need = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"example": "empty_nest"},
    )


class HouseholdItemView(HouseholdView):
    due_on = fields.String(metadata={"format": "date"})
    days_overdue = fields.Integer()


class HouseholdPage(Schema):
    today = fields.String(metadata={"format": "date"})
    items = fields.List(
        fields.Nested(HouseholdItemView), metadata={"description": "soonest due first"}
    )
    next_cursor = fields.String(allow_none=True)
