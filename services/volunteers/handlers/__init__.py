"""Use cases of the volunteers service, one module per part: shifts and sign-ups, people,
activities, rosters, and the directory copy."""

from .activities import (
    cancel_occurrences,
    create_activity,
    list_activities,
    reschedule_occurrences,
)
from .attendance import (
    add_hours_entry,
    check_in,
    check_out,
    get_hours_entry,
    hours_statement,
    issue_check_code,
    record_no_show,
    verify_hours,
)
from .calendars import activity_calendar, volunteer_calendar
from .directory import record_node
from .figures import volunteer_figures
from .people import get_profile, put_profile
from .reminders import send_due_reminders
from .rosters import (
    fill_roster,
    get_roster_run,
    list_roster_runs,
    run_next_roster,
    start_roster_run,
)
from .shifts import create_shift, get_shift, list_shifts
from .signups import answer_assignment, cancel_signup, sign_up
from .teams import create_team, get_team, list_teams, set_membership
from .visits import (
    get_household,
    list_households,
    record_visit,
    register_household,
    visit_coverage,
)

__all__ = [
    "get_roster_run",
    "list_activities",
    "list_households",
    "list_roster_runs",
    "list_teams",
    "run_next_roster",
    "start_roster_run",
    "cancel_occurrences",
    "list_shifts",
    "send_due_reminders",
    "reschedule_occurrences",
    "create_team",
    "get_team",
    "set_membership",
    "volunteer_figures",
    "get_household",
    "record_visit",
    "register_household",
    "visit_coverage",
    "activity_calendar",
    "volunteer_calendar",
    "add_hours_entry",
    "check_in",
    "check_out",
    "get_hours_entry",
    "hours_statement",
    "issue_check_code",
    "record_no_show",
    "verify_hours",
    "answer_assignment",
    "cancel_signup",
    "create_activity",
    "create_shift",
    "fill_roster",
    "get_profile",
    "get_shift",
    "put_profile",
    "record_node",
    "sign_up",
]
