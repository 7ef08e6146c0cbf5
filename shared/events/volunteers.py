"""Events published by the volunteers service.

Each carries what notifications needs to address and word a message without calling back:
the volunteer's account id, the shift's title, place, local-offset times and community.
"""

from marshmallow import fields

from .catalogue import Catalogue, EventData


class ShiftFacts(EventData):
    """What every shift-related event says about the shift."""

    shift_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    place = fields.String(allow_none=True, load_default=None)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    # the recurring activity the shift belongs to, if any (its volunteers are an audience)
    activity_id = fields.String(allow_none=True, load_default=None)


class TeamJoinedV1(EventData):
    """A volunteer joined a team, or their role in it changed."""

    team_id = fields.String(required=True)
    team_name = fields.String(required=True)
    community = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    role = fields.String(required=True)
    changed_by = fields.String(allow_none=True, load_default=None)


class ShiftSignedUpV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    filled = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    # set when staff placed the volunteer despite a rule, with their reason
    override_reason = fields.String(allow_none=True, load_default=None)


class SignupCancelledV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    cancelled_by = fields.String(required=True)
    was_status = fields.String(required=True)  # confirmed, proposed or waitlisted
    filled = fields.Integer(required=True)
    capacity = fields.Integer(required=True)


class WaitlistPromotedV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    filled = fields.Integer(required=True)
    capacity = fields.Integer(required=True)


class ShiftAssignedV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    roster_id = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class AssignmentAnsweredV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    answer = fields.String(required=True)  # confirmed or declined


class ActivityScheduledV1(EventData):
    activity_id = fields.String(required=True)
    community = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    place = fields.String(allow_none=True, load_default=None)
    rule = fields.String(required=True)
    shifts = fields.Integer(required=True)
    first_starts_at = fields.AwareDateTime(allow_none=True, load_default=None)


class ShiftRescheduledV1(ShiftFacts):
    volunteer_ids = fields.List(fields.String(), required=True)  # everyone holding a place
    changed_by = fields.String(required=True)


class ReminderDueV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    minutes_before = fields.Integer(required=True)


class NoShowRecordedV1(ShiftFacts):
    signup_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    reason = fields.String(required=True)
    recorded_by = fields.String(required=True)


class HoursRecordedV1(EventData):
    entry_id = fields.String(required=True)
    volunteer_id = fields.String(required=True)
    community = fields.String(required=True)
    shift_id = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True)  # attendance, correction, manual
    minutes = fields.Integer(required=True)  # negative for a correction that takes hours away
    service = fields.String(required=True)
    place = fields.String(allow_none=True, load_default=None)
    corrects = fields.String(allow_none=True, load_default=None)
    verified = fields.Boolean(required=True)


class RosterFilledV1(EventData):
    """A roster run finished: its proposals were saved (each announced on its own by
    `volunteers.shift_assigned`)."""

    roster_id = fields.String(required=True)
    node = fields.String(required=True)  # the directory node the run filled (street, ...)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    requested_by = fields.String(required=True)
    shifts = fields.Integer(required=True)
    open_places = fields.Integer(required=True)  # open before the run
    filled = fields.Integer(required=True)
    unfilled = fields.Integer(required=True)
    # proposals that no longer held when saved (a place taken meanwhile, ...)
    dropped = fields.Integer(required=True)
    coverage_optimal = fields.Boolean(required=True)


class RosterFailedV1(EventData):
    """A roster run gave up: nothing of it was saved."""

    roster_id = fields.String(required=True)
    node = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    requested_by = fields.String(required=True)
    attempts = fields.Integer(required=True)
    code = fields.String(required=True)
    detail = fields.String(required=True)


_SHIFT = {
    "shift_id": "shf-19cd",
    "community": "150105001001",
    "title": "展览馆西路早高峰交通引导",
    "place": "展览馆西路与昭乌达路口",
    "starts_at": "2026-11-30T23:10:00+00:00",
    "ends_at": "2026-12-01T00:00:00+00:00",
}


def register(catalogue: Catalogue) -> None:
    catalogue.register(
        "volunteers.team_joined",
        1,
        TeamJoinedV1,
        description="A volunteer joined a team (or their role in it changed): the team's "
        "volunteers are an audience notifications can address.",
        example={
            "team_id": "team-5a5a",
            "team_name": "我帮你志愿服务队",
            "community": "150105001001",
            "volunteer_id": "acc-7b7b",
            "role": "member",
            "changed_by": "acc-5d5d",
        },
    )
    catalogue.register(
        "volunteers.shift_signed_up",
        1,
        ShiftSignedUpV1,
        description="A volunteer took a place on a shift.",
        example={
            "signup_id": "sig-77aa",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "filled": 1,
            "capacity": 4,
            "override_reason": None,
        },
    )
    catalogue.register(
        "volunteers.signup_cancelled",
        1,
        SignupCancelledV1,
        description="A volunteer's place (or waitlist entry) on a shift was cancelled.",
        example={
            "signup_id": "sig-77aa",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "cancelled_by": "acc-5b6c",
            "was_status": "confirmed",
            "filled": 0,
            "capacity": 4,
        },
    )
    catalogue.register(
        "volunteers.waitlist_promoted",
        1,
        WaitlistPromotedV1,
        description="A cancellation freed a place and the longest-waiting volunteer got it.",
        example={
            "signup_id": "sig-88bb",
            **_SHIFT,
            "volunteer_id": "acc-6c7d",
            "filled": 4,
            "capacity": 4,
        },
    )
    catalogue.register(
        "volunteers.shift_assigned",
        1,
        ShiftAssignedV1,
        description="The automatic roster proposed a volunteer for a shift; they are asked "
        "to confirm or decline.",
        example={
            "signup_id": "sig-99cc",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "roster_id": "ros-1a2b",
            "reasons": ["lives in the shift's community"],
        },
    )
    catalogue.register(
        "volunteers.assignment_answered",
        1,
        AssignmentAnsweredV1,
        description="A volunteer confirmed or declined a roster assignment (a declined place "
        "is open again for the next roster run).",
        example={
            "signup_id": "sig-99cc",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "answer": "declined",
        },
    )
    catalogue.register(
        "volunteers.shift_rescheduled",
        1,
        ShiftRescheduledV1,
        description="A shift moved (an occurrence, or this and all later ones, of an "
        "activity was edited); everyone holding a place should hear the new times.",
        example={**_SHIFT, "volunteer_ids": ["acc-5b6c"], "changed_by": "acc-1a2b"},
    )
    catalogue.register(
        "volunteers.reminder_due",
        1,
        ReminderDueV1,
        description="A confirmed volunteer's shift starts soon (sent once per place, "
        "VOLUNTEERS_REMINDER_LEAD_HOURS before the start).",
        example={
            "signup_id": "sig-77aa",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "minutes_before": 1440,
        },
    )
    catalogue.register(
        "volunteers.no_show_recorded",
        1,
        NoShowRecordedV1,
        description="Staff recorded that a confirmed volunteer did not come, with the reason.",
        example={
            "signup_id": "sig-77aa",
            **_SHIFT,
            "volunteer_id": "acc-5b6c",
            "reason": "未请假未到岗",
            "recorded_by": "acc-1a2b",
        },
    )
    catalogue.register(
        "volunteers.hours_recorded",
        1,
        HoursRecordedV1,
        description="A service-hour ledger entry was recorded (on check-out, or by staff as a "
        "manual entry or a correction of an earlier one).",
        example={
            "entry_id": "hrs-5e6f",
            "volunteer_id": "acc-5b6c",
            "community": "150105001001",
            "shift_id": "shf-19cd",
            "kind": "attendance",
            "minutes": 50,
            "service": "展览馆西路早高峰交通引导",
            "place": "展览馆西路与昭乌达路口",
            "corrects": None,
            "verified": False,
        },
    )
    catalogue.register(
        "volunteers.activity_scheduled",
        1,
        ActivityScheduledV1,
        description="A one-off or recurring activity was scheduled and its shifts created.",
        example={
            "activity_id": "act-3c4d",
            "community": "150105001001",
            "title": "展览馆西路上下学交通护导",
            "kind": "traffic_post",
            "place": "展览馆西路",
            "rule": "FREQ=DAILY",
            "shifts": 40,
            "first_starts_at": "2026-11-30T23:10:00+00:00",
        },
    )
    catalogue.register(
        "volunteers.roster_filled",
        1,
        RosterFilledV1,
        description="A roster run (automatic filling of a node's open places over a horizon) "
        "finished and its proposals were saved.",
        example={
            "roster_id": "ros-1a2b",
            "node": "150105001",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
            "requested_by": "acc-1a2b",
            "shifts": 420,
            "open_places": 1000,
            "filled": 987,
            "unfilled": 13,
            "dropped": 0,
            "coverage_optimal": True,
        },
    )
    catalogue.register(
        "volunteers.roster_failed",
        1,
        RosterFailedV1,
        description="A roster run gave up (its node left the directory, or it failed on "
        "every try); nothing of it was saved.",
        example={
            "roster_id": "ros-1a2b",
            "node": "150105001",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-31",
            "requested_by": "acc-1a2b",
            "attempts": 3,
            "code": "roster-run-abandoned",
            "detail": "The run was tried 3 times and its worker stopped each time.",
        },
    )
