"""Rules: which events notify whom, on which channels, as data per event type.

Following a new event type is adding a `Rule` here and its wording in `templates/texts.py`.
`IGNORED` lists the event types that notify nobody (they only feed the local read copies),
so that a test can check every catalogued event is considered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .audiences import Audience, Followers, People, Person, RoleAt, Within

CHANNELS = ("in_app", "sms", "email", "bot", "webhook")
CATEGORIES = ("issues", "sla", "volunteering", "meetings", "projects", "announcements")


@dataclass(frozen=True)
class Rule:
    event_type: str
    kind: str  # the template family (`templates/texts.py`)
    category: str  # what preferences are set per
    audiences: tuple[Audience, ...]
    channels: tuple[str, ...] = ("in_app",)
    critical: bool = False  # overrides preferences and quiet hours; escalates when unread
    subject_field: str | None = "issue_id"
    actor_field: str | None = "actor_id"  # nobody is told about what they did themselves
    digestible: bool = False  # staff may take these as an hourly/daily digest
    only_if: tuple[tuple[str, Any], ...] = ()  # (field, value) pairs the payload must match
    # the local read copy of who follows what (supporters, shift volunteers)
    follows: tuple[str, str] | None = None  # (subject field, person field)
    # a second subject the person now follows as well (the shift's activity)
    also_follows: tuple[str, str] | None = None
    unfollows: tuple[str, str] | None = None
    reminders: tuple[timedelta, ...] = ()  # before `reminder_time_field`, to the audiences
    reminder_time_field: str = "starts_at"
    reminder_kind: str = "shift_reminder"  # the template family of the reminders it plans
    cancels_reminders: bool = False  # of (subject, person): the person left the shift
    moves_reminders: bool = False  # the subject's `reminder_time_field` changed
    # a reminder announced by its producer fills the slot (subject, person, minutes in this
    # field) of our own schedule, so that nobody is reminded twice
    reminder_slot_field: str | None = None

    def applies_to(self, data: dict[str, Any]) -> bool:
        return all(data.get(name) == value for name, value in self.only_if)


REPORTER = Person("reporter_id")
ASSIGNEE = Person("assignee_id")
SUPPORTERS = Followers("issue_id")
VOLUNTEER = Person("volunteer_id")
# whoever took a place on one of an activity's shifts follows the activity: "the volunteers of
# an activity" is then `Followers("activity_id")`, as "of a team" is `Followers("team_id")`
ACTIVITY_VOLUNTEER = ("activity_id", "volunteer_id")
COMMUNITY_STAFF = RoleAt("social_worker", "community")
SHIFT_REMINDERS = (timedelta(hours=24), timedelta(hours=2))
MEETING_REMINDERS = (timedelta(hours=24),)
ISSUE_FOLLOWERS = (REPORTER, SUPPORTERS)
PROJECT_FOLLOWERS = People("follower_ids")  # reporters and supporters of its issues
ATTENDEES = People("attendee_ids")  # registered for the meeting when the event happened

_STATUS_CHANGES = (
    "issues.issue_accepted",
    "issues.issue_started",
    "issues.issue_waiting",
    "issues.issue_resumed",
    "issues.issue_resolved",
    "issues.issue_closed",
    "issues.issue_rejected",
    "issues.issue_escalated",
    "issues.issue_referred",
    "issues.issue_merged",
)

_shift = {"subject_field": "shift_id", "actor_field": None, "category": "volunteering"}
_meeting = {"subject_field": "meeting_id", "category": "meetings"}
_project = {"subject_field": "project_id", "category": "projects"}

RULES: tuple[Rule, ...] = (
    Rule(
        "issues.issue_reported",
        "issue_assigned",
        "issues",
        (ASSIGNEE,),
        actor_field="reporter_id",
        digestible=True,
        follows=("issue_id", "reporter_id"),
    ),
    *(
        Rule(event_type, "issue_status", "issues", (REPORTER, SUPPORTERS))
        for event_type in _STATUS_CHANGES
    ),
    Rule("issues.issue_reopened", "issue_reopened", "issues", (ASSIGNEE, REPORTER, SUPPORTERS)),
    Rule("issues.issue_evaluated", "issue_evaluated", "issues", (ASSIGNEE,)),
    Rule("issues.issue_assigned", "issue_assigned", "issues", (ASSIGNEE,), digestible=True),
    Rule(
        "issues.issue_supported",
        "issue_supported",
        "issues",
        (REPORTER, ASSIGNEE),
        actor_field="supporter_id",
        follows=("issue_id", "supporter_id"),
    ),
    Rule(
        "issues.issue_commented",
        "issue_commented",
        "issues",
        (REPORTER, ASSIGNEE),
        actor_field="author_id",
        only_if=(("internal", False),),
    ),
    Rule(
        "issues.deadline_approaching",
        "deadline_approaching",
        "sla",
        (ASSIGNEE,),
        channels=("in_app", "sms"),
        actor_field=None,
    ),
    Rule(
        "issues.deadline_breached",
        "deadline_breached",
        "sla",
        (ASSIGNEE, COMMUNITY_STAFF),  # the assignee and the level above
        channels=("in_app", "sms"),
        critical=True,
        actor_field=None,
    ),
    Rule(
        "issues.callback_requested", "callback_requested", "issues", (ASSIGNEE,), actor_field=None
    ),
    # -- the pavilion council ---------------------------------------------------------------
    Rule(
        "issues.topic_raised",
        "topic_raised",
        "meetings",
        (REPORTER, SUPPORTERS, COMMUNITY_STAFF),
        digestible=True,
    ),
    Rule(
        "issues.meeting_scheduled",
        "meeting_scheduled",
        audiences=(Within("resident", "community"), Within("resident_representative", "community")),
        **_meeting,
    ),
    Rule(
        "issues.meeting_registered",
        "meeting_registered",
        audiences=(Person("account_id"),),
        actor_field=None,
        follows=("meeting_id", "account_id"),
        reminders=MEETING_REMINDERS,
        reminder_kind="meeting_reminder",
        **_meeting,
    ),
    Rule(
        "issues.registration_cancelled",
        "registration_cancelled",
        audiences=(Person("account_id"),),
        actor_field=None,
        unfollows=("meeting_id", "account_id"),
        cancels_reminders=True,
        **_meeting,
    ),
    Rule(
        "issues.meeting_rescheduled",
        "meeting_rescheduled",
        audiences=(ATTENDEES,),
        channels=("in_app", "sms"),
        moves_reminders=True,
        **_meeting,
    ),
    Rule(
        "issues.meeting_cancelled",
        "meeting_cancelled",
        audiences=(ATTENDEES,),
        channels=("in_app", "sms"),
        cancels_reminders=True,
        **_meeting,
    ),
    Rule("issues.meeting_held", "meeting_held", audiences=(ATTENDEES,), **_meeting),
    Rule(
        "issues.procedure_step_recorded",
        "procedure_step",
        "meetings",
        (COMMUNITY_STAFF, RoleAt("party_secretary", "community")),
        subject_field="topic_id",
        digestible=True,
    ),
    Rule(
        "issues.resolution_recorded",
        "resolution_recorded",
        "meetings",
        ISSUE_FOLLOWERS,
        subject_field="resolution_id",
    ),
    Rule("issues.project_created", "project_created", audiences=(PROJECT_FOLLOWERS,), **_project),
    Rule(
        "issues.project_progressed",
        "project_progressed",
        audiences=(PROJECT_FOLLOWERS,),
        **_project,
    ),
    Rule(
        "issues.project_completed",
        "project_completed",
        audiences=(PROJECT_FOLLOWERS,),
        channels=("in_app", "sms"),
        **_project,
    ),
    Rule(
        "issues.project_rated",
        "project_rated",
        audiences=(People("responsible_ids"),),
        actor_field="rater_id",
        digestible=True,
        **_project,
    ),
    # -- volunteering -----------------------------------------------------------------------
    Rule(
        "volunteers.shift_signed_up",
        "shift_signed_up",
        audiences=(VOLUNTEER,),
        follows=("shift_id", "volunteer_id"),
        also_follows=ACTIVITY_VOLUNTEER,
        reminders=SHIFT_REMINDERS,
        **_shift,
    ),
    Rule(
        "volunteers.shift_assigned",
        "shift_assigned",
        audiences=(VOLUNTEER,),
        channels=("in_app", "sms"),
        follows=("shift_id", "volunteer_id"),
        also_follows=ACTIVITY_VOLUNTEER,
        reminders=SHIFT_REMINDERS,
        **_shift,
    ),
    Rule(
        "volunteers.waitlist_promoted",
        "waitlist_promoted",
        audiences=(VOLUNTEER,),
        channels=("in_app", "sms"),
        follows=("shift_id", "volunteer_id"),
        also_follows=ACTIVITY_VOLUNTEER,
        reminders=SHIFT_REMINDERS,
        **_shift,
    ),
    Rule(
        "volunteers.signup_cancelled",
        "signup_cancelled",
        audiences=(VOLUNTEER,),
        unfollows=("shift_id", "volunteer_id"),
        cancels_reminders=True,
        **_shift,
    ),
    Rule(
        "volunteers.shift_rescheduled",
        "shift_rescheduled",
        audiences=(People("volunteer_ids"),),
        channels=("in_app", "sms"),
        moves_reminders=True,
        **{**_shift, "actor_field": "changed_by"},
    ),
    Rule(
        "volunteers.reminder_due",
        "shift_reminder",
        audiences=(VOLUNTEER,),
        channels=("in_app", "sms"),
        reminder_slot_field="minutes_before",
        **_shift,
    ),
    Rule(
        "volunteers.assignment_answered",
        "assignment_answered",
        audiences=(COMMUNITY_STAFF,),
        **_shift,
    ),
    Rule(
        "volunteers.no_show_recorded",
        "no_show_recorded",
        audiences=(VOLUNTEER,),
        **_shift,
    ),
    Rule(
        "volunteers.hours_recorded",
        "hours_recorded",
        "volunteering",
        (VOLUNTEER,),
        subject_field="entry_id",
        actor_field=None,
    ),
    # the staff member who started a background roster run hears how it ended (each volunteer
    # it proposes hears `volunteers.shift_assigned`)
    Rule(
        "volunteers.roster_filled",
        "roster_filled",
        "volunteering",
        (Person("requested_by"),),
        subject_field="roster_id",
        actor_field=None,
    ),
    Rule(
        "volunteers.roster_failed",
        "roster_failed",
        "volunteering",
        (Person("requested_by"),),
        subject_field="roster_id",
        actor_field=None,
    ),
    Rule(
        "volunteers.team_joined",
        "team_joined",
        "volunteering",
        (VOLUNTEER,),
        subject_field="team_id",
        actor_field="changed_by",
        follows=("team_id", "volunteer_id"),
    ),
    Rule(
        "volunteers.activity_scheduled",
        "activity_scheduled",
        "volunteering",
        (Within("volunteer", "community"),),
        subject_field="activity_id",
        actor_field=None,
    ),
)

# feed the local read copy of the directory only
IGNORED = frozenset(
    {
        "directory.node_upserted",
        "directory.role_assigned",
    }
)

_BY_EVENT: dict[str, tuple[Rule, ...]] = {}
for _rule in RULES:
    _BY_EVENT[_rule.event_type] = (*_BY_EVENT.get(_rule.event_type, ()), _rule)


def rules_for(event_type: str, data: dict[str, Any]) -> tuple[Rule, ...]:
    """The rules an event of `event_type` with payload `data` triggers."""
    return tuple(rule for rule in _BY_EVENT.get(event_type, ()) if rule.applies_to(data))


def covered_event_types() -> set[str]:
    return set(_BY_EVENT) | IGNORED


@dataclass(frozen=True)
class ChannelChoice:
    """A person's choices, as the rules see them."""

    disabled: frozenset[tuple[str, str]] = field(default_factory=frozenset)  # (category, ch)
    reachable: frozenset[str] = frozenset({"in_app"})  # channels they have an address for


def channels_for(rule: Rule, choice: ChannelChoice) -> tuple[str, ...]:
    """The channels one recipient gets a rule's message on: the rule's channels they can be
    reached on and did not turn off. Critical messages ignore the opt-outs; in-app always
    remains so that nothing is ever silently dropped."""
    chosen = []
    for channel in rule.channels:
        if channel not in choice.reachable:
            continue
        if not rule.critical and (rule.category, channel) in choice.disabled:
            continue
        chosen.append(channel)
    if "in_app" not in chosen and "in_app" in rule.channels:
        chosen.insert(0, "in_app")
    return tuple(chosen)
