"""Volunteers: shifts and sign-ups (with waitlists and staff overrides), volunteer profiles,
recurring activities, and automatic rosters."""

from __future__ import annotations

from werkzeug.wrappers import Response

from shared.errors import Forbidden, NotFound

from .. import access
from ..api import idempotency_key, read_json, read_query, route, schema_of
from ..identity import Principal
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.volunteers import (
    ActivityListQuery,
    ActivityPage,
    ActivityView,
    AnswerBody,
    CancelledOccurrencesView,
    CancelOccurrencesQuery,
    CheckBody,
    CheckCodeView,
    CheckInView,
    CoverageQuery,
    CoverageView,
    CreateActivityBody,
    CreateShiftBody,
    FiguresQuery,
    FiguresView,
    HoursEntryBody,
    HoursEntryView,
    HouseholdBody,
    HouseholdListQuery,
    HouseholdPage,
    HouseholdView,
    ListPageQuery,
    MembershipBody,
    NoShowBody,
    NoShowView,
    ProfileBody,
    ProfileView,
    RescheduleBody,
    RescheduleView,
    RosterBody,
    RosterRunBody,
    RosterRunPage,
    RosterRunView,
    RosterView,
    ShiftListQuery,
    ShiftPage,
    ShiftView,
    SignupBody,
    SignupView,
    StatementQuery,
    StatementView,
    TeamBody,
    TeamListQuery,
    TeamPage,
    TeamView,
    VisitBody,
    VisitView,
)
from .lookups import DirectoryLookups

OPERATIONS = (
    Operation(
        "post",
        "/v1/communities/{code}/shifts",
        "Create a volunteer shift",
        request=CreateShiftBody,
        status=201,
        response=ShiftView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/communities/{code}/shifts",
        "A community's shifts in time order (?from=&before=&activity_id=&limit=&cursor=)",
        request=ShiftListQuery,
        response=ShiftPage,
        tag="volunteers",
    ),
    Operation("get", "/v1/shifts/{shift_id}", "One shift", response=ShiftView, tag="volunteers"),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/signups",
        "Sign up for a shift; a refusal names its rule (shift-full, overlapping-shift, "
        "missing-qualification, daily-hour-limit, weekly-hour-limit, too-little-rest, "
        "outside-signup-window); staff may override with a reason",
        request=SignupBody,
        status=201,
        response=SignupView,
        tag="volunteers",
    ),
    Operation(
        "delete",
        "/v1/shifts/{shift_id}/signups/{signup_id}",
        "Cancel a sign-up (until the cut-off; staff any time); the waitlist moves up",
        response=SignupView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/signups/{signup_id}/answer",
        "Confirm or decline a roster assignment",
        request=AnswerBody,
        response=SignupView,
        tag="volunteers",
    ),
    Operation(
        "put",
        "/v1/volunteers/{volunteer_id}/profile",
        "Create or replace a volunteer profile (skills count once staff confirm them)",
        request=ProfileBody,
        response=ProfileView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/volunteers/{volunteer_id}/profile",
        "A volunteer profile",
        response=ProfileView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/communities/{code}/activities",
        "Schedule a one-off or recurring activity (RRULE on the district's calendar) and "
        "create its shifts",
        request=CreateActivityBody,
        status=201,
        response=ActivityView,
        tag="volunteers",
    ),
    Operation(
        "patch",
        "/v1/activities/{activity_id}/occurrences/{day}",
        "Move this occurrence, or this and all later ones, to new time windows",
        request=RescheduleBody,
        response=RescheduleView,
        tag="volunteers",
    ),
    Operation(
        "delete",
        "/v1/activities/{activity_id}/occurrences/{day}",
        "Cancel this occurrence, or this and all later ones (?scope=this|following); "
        "everyone holding a place is told",
        request=CancelOccurrencesQuery,
        response=CancelledOccurrencesView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/nodes/{code}/rosters",
        "Fill the open places of a node's shifts over a small horizon (a community's week) "
        "automatically and fairly, within this request (at most 7 s of solving)",
        request=RosterBody,
        status=201,
        response=RosterView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/nodes/{code}/roster-runs",
        "Start filling the open places of a node's shifts over a horizon (up to a street's "
        "month) in the background; 202 with the run, to follow at its Location",
        request=RosterRunBody,
        status=202,
        response=RosterRunView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/roster-runs",
        "A node's roster runs, newest first (?limit=&cursor=)",
        request=ListPageQuery,
        response=RosterRunPage,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/roster-runs/{run_id}",
        "A roster run: status (queued, running, done, failed), progress, and when done the "
        "places filled and left open and why each volunteer was chosen",
        response=RosterRunView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/check-code",
        "A one-time code for the shift lead to show for check-in and check-out",
        status=201,
        response=CheckCodeView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/check-in",
        "Check in with the lead's code",
        request=CheckBody,
        response=CheckInView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/check-out",
        "Check out with the lead's code; records the hours served (to be verified by staff)",
        request=CheckBody,
        status=201,
        response=HoursEntryView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/shifts/{shift_id}/signups/{signup_id}/no-show",
        "Record that a confirmed volunteer did not come, with the reason",
        request=NoShowBody,
        response=NoShowView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/volunteers/{volunteer_id}/hours",
        "Record service hours by hand, or correct an entry (a new entry; nothing is edited)",
        request=HoursEntryBody,
        status=201,
        response=HoursEntryView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/hours/{entry_id}/verify",
        "Verify an hours entry (by staff other than who recorded it)",
        response=HoursEntryView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/volunteers/{volunteer_id}/hours-statement",
        "A volunteer's service-hour statement for a period (?from=&to=&format=json|csv|html)",
        response=StatementView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/volunteers/{volunteer_id}/calendar.ics",
        "A volunteer's shifts as an iCalendar feed (text/calendar)",
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/activities/{activity_id}/calendar.ics",
        "An activity's occurrences as an iCalendar feed (text/calendar)",
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/communities/{code}/households",
        "Register a household for care visits every N days (empty-nest elderly, disabled, ...)",
        request=HouseholdBody,
        status=201,
        response=HouseholdView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/households/{household_id}/visits",
        "Record a care visit (link an issue filed for a need found on it)",
        request=VisitBody,
        status=201,
        response=VisitView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/visit-coverage",
        "Care-visit coverage under a node: every household's due date, overdue ones first",
        response=CoverageView,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/households",
        "Households registered for care visits under a node, soonest due first "
        "(?overdue=true|false&need=&today=&limit=&cursor=)",
        request=HouseholdListQuery,
        response=HouseholdPage,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/activities",
        "Activities under a node by first day (?from=&to=&kind=&limit=&cursor=)",
        request=ActivityListQuery,
        response=ActivityPage,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/teams",
        "Volunteer teams under a node with their members, by name (?kind=&limit=&cursor=)",
        request=TeamListQuery,
        response=TeamPage,
        tag="volunteers",
    ),
    Operation(
        "get",
        "/v1/nodes/{code}/volunteer-figures",
        "Figures for a year (?year=): shift coverage, verified hours per volunteer and "
        "community, activities by kind, party-member quota progress",
        response=FiguresView,
        tag="volunteers",
    ),
    Operation(
        "post",
        "/v1/communities/{code}/teams",
        "Create a volunteer team (community team such as 我帮你, or a partner unit's)",
        request=TeamBody,
        status=201,
        response=TeamView,
        tag="volunteers",
    ),
    Operation(
        "get", "/v1/teams/{team_id}", "A team and its members", response=TeamView, tag="volunteers"
    ),
    Operation(
        "put",
        "/v1/teams/{team_id}/members/{volunteer_id}",
        "Add a member to a team or change their role (lead, member)",
        request=MembershipBody,
        response=TeamView,
        tag="volunteers",
    ),
)


class VolunteerRoutes(DirectoryLookups):
    @route("POST", "/v1/communities/<string:code>/shifts")
    def create_shift(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "create shifts")
        body = read_json(request, CreateShiftBody)
        self._community_in_scope(principal, code)
        payload = {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in body.items()
        }
        shift = self.volunteers.create_shift(
            {**payload, "community": code, "created_by": principal.id},
            idempotency_key(request),
        )
        return 201, schema_of(ShiftView).dump(shift), {"Location": f"/v1/shifts/{shift['id']}"}

    @route("GET", "/v1/communities/<string:code>/shifts")
    def list_shifts(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, ShiftListQuery)
        self._community_in_scope(principal, code)
        payload = {
            **query,
            "starts_from": query["starts_from"].isoformat() if query["starts_from"] else None,
            "starts_before": query["starts_before"].isoformat() if query["starts_before"] else None,
        }
        return 200, schema_of(ShiftPage).dump(self.volunteers.list_shifts(code, payload))

    @route("GET", "/v1/shifts/<string:shift_id>")
    def get_shift(self, request, shift_id):
        principal = self.authenticate(request)
        return 200, schema_of(ShiftView).dump(self._shift_in_scope(principal, shift_id))

    @route("POST", "/v1/shifts/<string:shift_id>/signups")
    def sign_up(self, request, shift_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SIGNUP_ROLES | access.SHIFT_MANAGERS, "sign up")
        body = (
            read_json(request, SignupBody) if request.get_data() else schema_of(SignupBody).load({})
        )
        volunteer_id = body.pop("volunteer_id") or principal.id
        staff = principal.role in access.SHIFT_MANAGERS
        if not staff and (volunteer_id != principal.id or body["override_reason"] is not None):
            raise Forbidden(
                "staff-only", "Only staff may sign others up or override the sign-up rules."
            )
        self._shift_in_scope(principal, shift_id)
        signup = self.volunteers.sign_up(
            shift_id, volunteer_id, idempotency_key(request), body, principal.id
        )
        return 201, schema_of(SignupView).dump(signup)

    @route("DELETE", "/v1/shifts/<string:shift_id>/signups/<string:signup_id>")
    def cancel_signup(self, request, shift_id, signup_id):
        principal = self.authenticate(request)
        self._shift_in_scope(principal, shift_id)
        staff = principal.role in access.SHIFT_MANAGERS
        signup = self.volunteers.cancel_signup(signup_id, principal.id, staff)
        if signup["shift_id"] != shift_id:  # never reached for a well-formed link
            raise NotFound("signup-not-found", f"No sign-up {signup_id} on shift {shift_id}.")
        return 200, schema_of(SignupView).dump(signup)

    @route("POST", "/v1/shifts/<string:shift_id>/signups/<string:signup_id>/answer")
    def answer_assignment(self, request, shift_id, signup_id):
        principal = self.authenticate(request)
        body = read_json(request, AnswerBody)
        self._shift_in_scope(principal, shift_id)
        signup = self.volunteers.answer_assignment(signup_id, principal.id, body["answer"])
        return 200, schema_of(SignupView).dump(signup)

    @route("PUT", "/v1/volunteers/<string:volunteer_id>/profile")
    def put_profile(self, request, volunteer_id):
        principal = self.authenticate(request)
        body = read_json(request, ProfileBody)
        staff = principal.role in access.SHIFT_MANAGERS
        if not staff and volunteer_id != principal.id:
            raise Forbidden("staff-only", "Only staff may edit another volunteer's profile.")
        self._community_in_scope(principal, body["home_community"])
        # only staff confirm qualifications; a volunteer's own claim stays unconfirmed
        body["skills"] = [
            {
                "skill": s["skill"],
                "confirmed_by": principal.id if staff and s["confirmed"] else None,
            }
            for s in body["skills"]
        ]
        profile = self.volunteers.put_profile(volunteer_id, body, principal.id)
        return 200, schema_of(ProfileView).dump(profile)

    @route("GET", "/v1/volunteers/<string:volunteer_id>/profile")
    def get_profile(self, request, volunteer_id):
        principal = self.authenticate(request)
        self._volunteer_readable(principal, volunteer_id)
        return 200, schema_of(ProfileView).dump(self.volunteers.get_profile(volunteer_id))

    @route("POST", "/v1/communities/<string:code>/activities")
    def create_activity(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "schedule activities")
        body = read_json(request, CreateActivityBody)
        self._community_in_scope(principal, code)
        payload = {
            **body,
            "first_day": body["first_day"].isoformat(),
            "last_day": body["last_day"].isoformat(),
            "excluded_days": [d.isoformat() for d in body["excluded_days"]],
            "added_days": [d.isoformat() for d in body["added_days"]],
            "windows": [list(w) for w in body["windows"]],
            "community": code,
            "created_by": principal.id,
        }
        activity = self.volunteers.create_activity(payload, idempotency_key(request))
        return 201, schema_of(ActivityView).dump(activity)

    @route("PATCH", "/v1/activities/<string:activity_id>/occurrences/<string:day>")
    def reschedule_occurrences(self, request, activity_id, day):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "edit activities")
        body = read_json(request, RescheduleBody)
        calendar = self.volunteers.activity_calendar(activity_id)  # also finds its community
        self._community_in_scope(principal, calendar["community"])
        answer = self.volunteers.reschedule_occurrences(
            activity_id,
            day,
            {"scope": body["scope"], "windows": [list(w) for w in body["windows"]]},
            principal.id,
        )
        return 200, schema_of(RescheduleView).dump(answer)

    @route("DELETE", "/v1/activities/<string:activity_id>/occurrences/<string:day>")
    def cancel_occurrences(self, request, activity_id, day):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "edit activities")
        query = read_query(request, CancelOccurrencesQuery)
        calendar = self.volunteers.activity_calendar(activity_id)  # also finds its community
        self._community_in_scope(principal, calendar["community"])
        answer = self.volunteers.cancel_occurrences(activity_id, day, query["scope"], principal.id)
        return 200, schema_of(CancelledOccurrencesView).dump(answer)

    @route("POST", "/v1/nodes/<string:code>/rosters")
    def fill_roster(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "fill rosters")
        body = read_json(request, RosterBody)
        self._node_in_scope(principal, code)
        roster = self.volunteers.fill_roster(
            {
                "node": code,
                "starts_on": body["starts_on"].isoformat(),
                "ends_on": body["ends_on"].isoformat(),
                "time_limit_seconds": body["time_limit_seconds"],
                "requested_by": principal.id,
            }
        )
        return 201, schema_of(RosterView).dump(roster)

    @route("POST", "/v1/nodes/<string:code>/roster-runs")
    def start_roster_run(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "fill rosters")
        body = read_json(request, RosterRunBody)
        self._node_in_scope(principal, code)
        run = self.volunteers.start_roster_run(
            {
                "node": code,
                "starts_on": body["starts_on"].isoformat(),
                "ends_on": body["ends_on"].isoformat(),
                "time_limit_seconds": body["time_limit_seconds"],
                "requested_by": principal.id,
            },
            idempotency_key(request),
        )
        return 202, schema_of(RosterRunView).dump(run), {"Location": f"/v1/roster-runs/{run['id']}"}

    @route("GET", "/v1/nodes/<string:code>/roster-runs")
    def list_roster_runs(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "read roster runs")
        query = read_query(request, ListPageQuery)
        self._node_in_scope(principal, code)
        return 200, schema_of(RosterRunPage).dump(self.volunteers.list_roster_runs(code, query))

    @route("GET", "/v1/roster-runs/<string:run_id>")
    def get_roster_run(self, request, run_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "read roster runs")
        run = self.volunteers.get_roster_run(run_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(run["node"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("roster-run-not-found", f"No roster run {run_id}.")
        return 200, schema_of(RosterRunView).dump(run)

    @route("GET", "/v1/nodes/<string:code>/activities")
    def list_activities(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, ActivityListQuery)
        self._node_in_scope(principal, code)
        payload = {
            **query,
            "active_from": query["active_from"].isoformat() if query["active_from"] else None,
            "active_to": query["active_to"].isoformat() if query["active_to"] else None,
        }
        return 200, schema_of(ActivityPage).dump(self.volunteers.list_activities(code, payload))

    @route("GET", "/v1/nodes/<string:code>/teams")
    def list_teams(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, TeamListQuery)
        self._node_in_scope(principal, code)
        return 200, schema_of(TeamPage).dump(self.volunteers.list_teams(code, query))

    @route("GET", "/v1/nodes/<string:code>/households")
    def list_households(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.STAFF_ROLES, "read care-visit households")
        query = read_query(request, HouseholdListQuery)
        self._node_in_scope(principal, code)
        payload = {**query, "today": query["today"].isoformat() if query["today"] else None}
        return 200, schema_of(HouseholdPage).dump(self.volunteers.list_households(code, payload))

    @route("POST", "/v1/shifts/<string:shift_id>/check-code")
    def issue_check_code(self, request, shift_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "issue check-in codes")
        self._shift_in_scope(principal, shift_id)
        return 201, schema_of(CheckCodeView).dump(
            self.volunteers.issue_check_code(shift_id, principal.id)
        )

    @route("POST", "/v1/shifts/<string:shift_id>/check-in")
    def check_in(self, request, shift_id):
        principal = self.authenticate(request)
        body = read_json(request, CheckBody)
        self._shift_in_scope(principal, shift_id)
        answer = self.volunteers.check_in(shift_id, principal.id, body["code"])
        return 200, schema_of(CheckInView).dump(answer)

    @route("POST", "/v1/shifts/<string:shift_id>/check-out")
    def check_out(self, request, shift_id):
        principal = self.authenticate(request)
        body = read_json(request, CheckBody)
        self._shift_in_scope(principal, shift_id)
        entry = self.volunteers.check_out(shift_id, principal.id, body["code"])
        return 201, schema_of(HoursEntryView).dump(entry)

    @route("POST", "/v1/shifts/<string:shift_id>/signups/<string:signup_id>/no-show")
    def record_no_show(self, request, shift_id, signup_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "record no-shows")
        body = read_json(request, NoShowBody)
        self._shift_in_scope(principal, shift_id)
        answer = self.volunteers.record_no_show(shift_id, signup_id, body["reason"], principal.id)
        return 200, schema_of(NoShowView).dump(answer)

    @route("POST", "/v1/volunteers/<string:volunteer_id>/hours")
    def add_hours_entry(self, request, volunteer_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "record service hours")
        body = read_json(request, HoursEntryBody)
        self._community_in_scope(principal, body["community"])
        entry = self.volunteers.add_hours_entry(volunteer_id, body, principal.id)
        return 201, schema_of(HoursEntryView).dump(entry)

    @route("POST", "/v1/hours/<string:entry_id>/verify")
    def verify_hours(self, request, entry_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "verify service hours")
        entry = self.volunteers.get_hours_entry(entry_id)
        self._community_in_scope(principal, entry["community"])
        return 200, schema_of(HoursEntryView).dump(
            self.volunteers.verify_hours(entry_id, principal.id)
        )

    @route("GET", "/v1/volunteers/<string:volunteer_id>/hours-statement")
    def hours_statement(self, request, volunteer_id):
        principal = self.authenticate(request)
        query = read_query(request, StatementQuery)
        self._volunteer_readable(principal, volunteer_id)
        statement = self.volunteers.hours_statement(
            volunteer_id, query["from_"].isoformat(), query["to"].isoformat(), query["format"]
        )
        if query["format"] == "json":
            return 200, schema_of(StatementView).dump(statement)
        return Response(statement["body"], status=200, content_type=statement["content_type"])

    @route("GET", "/v1/volunteers/<string:volunteer_id>/calendar.ics")
    def volunteer_calendar(self, request, volunteer_id):
        principal = self.authenticate(request)
        self._volunteer_readable(principal, volunteer_id)
        body = self.volunteers.volunteer_calendar(volunteer_id)
        return Response(body, status=200, content_type="text/calendar; charset=utf-8")

    @route("GET", "/v1/activities/<string:activity_id>/calendar.ics")
    def activity_calendar(self, request, activity_id):
        principal = self.authenticate(request)
        answer = self.volunteers.activity_calendar(activity_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(answer["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("activity-not-found", f"No activity {activity_id}.")
        return Response(answer["body"], status=200, content_type="text/calendar; charset=utf-8")

    @route("POST", "/v1/communities/<string:code>/households")
    def register_household(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.STAFF_ROLES, "register households for visits")
        body = read_json(request, HouseholdBody)
        self._community_in_scope(principal, code)
        household = self.volunteers.register_household(
            {**body, "community": code, "registered_by": principal.id}
        )
        return 201, schema_of(HouseholdView).dump(household)

    @route("POST", "/v1/households/<string:household_id>/visits")
    def record_visit(self, request, household_id):
        principal = self.authenticate(request)
        access.require_role(
            principal, access.SIGNUP_ROLES | access.STAFF_ROLES, "record care visits"
        )
        body = read_json(request, VisitBody)
        household = self.volunteers.get_household(household_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(household["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("household-not-found", f"No household {household_id}.")
        payload = {
            **body,
            "visited_on": body["visited_on"].isoformat() if body["visited_on"] else None,
        }
        visit = self.volunteers.record_visit(household_id, principal.id, payload)
        return 201, schema_of(VisitView).dump(visit)

    @route("GET", "/v1/nodes/<string:code>/visit-coverage")
    def visit_coverage(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.STAFF_ROLES, "read visit coverage")
        query = read_query(request, CoverageQuery)
        self._node_in_scope(principal, code)
        today = query["today"].isoformat() if query["today"] else None
        return 200, schema_of(CoverageView).dump(self.volunteers.visit_coverage(code, today))

    @route("GET", "/v1/nodes/<string:code>/volunteer-figures")
    def volunteer_figures(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.STAFF_ROLES, "read volunteer figures")
        query = read_query(request, FiguresQuery)
        self._node_in_scope(principal, code)
        return 200, schema_of(FiguresView).dump(
            self.volunteers.volunteer_figures(code, query["year"])
        )

    @route("POST", "/v1/communities/<string:code>/teams")
    def create_team(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "create teams")
        body = read_json(request, TeamBody)
        self._community_in_scope(principal, code)
        team = self.volunteers.create_team({**body, "community": code, "created_by": principal.id})
        return 201, schema_of(TeamView).dump(team), {"Location": f"/v1/teams/{team['id']}"}

    @route("GET", "/v1/teams/<string:team_id>")
    def get_team(self, request, team_id):
        principal = self.authenticate(request)
        return 200, schema_of(TeamView).dump(self._team_in_scope(principal, team_id))

    @route("PUT", "/v1/teams/<string:team_id>/members/<string:volunteer_id>")
    def set_membership(self, request, team_id, volunteer_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "manage team members")
        body = read_json(request, MembershipBody)
        self._team_in_scope(principal, team_id)
        team = self.volunteers.set_membership(team_id, volunteer_id, body, principal.id)
        return 200, schema_of(TeamView).dump(team)

    def _team_in_scope(self, principal: Principal, team_id: str) -> dict:
        team = self.volunteers.get_team(team_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(team["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("team-not-found", f"No team {team_id}.")
        return team

    def _volunteer_readable(self, principal: Principal, volunteer_id: str) -> None:
        """A volunteer reads their own records; staff those of volunteers whose home
        community their scope covers."""
        if volunteer_id == principal.id:
            return
        access.require_role(principal, access.STAFF_ROLES, "read other volunteers' records")
        profile = self.volunteers.get_profile(volunteer_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(profile["home_community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("profile-not-found", f"No volunteer profile for {volunteer_id}.")

    def _shift_in_scope(self, principal: Principal, shift_id: str) -> dict:
        shift = self.volunteers.get_shift(shift_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(shift["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("shift-not-found", f"No shift {shift_id}.")
        return shift
