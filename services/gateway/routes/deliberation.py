"""The pavilion council (凉亭议事会): topics raised from issues, the five-step procedure of
important matters, meetings (registration, agenda, attendance, resolutions, minutes),
micro-projects (民生微实事) with progress and completion, residents' ratings, and the
problem → project → results lists and funnel of any node (JSON and CSV)."""

from __future__ import annotations

from shared.errors import NotFound

from ..api import read_json, read_query, route, schema_of
from ..directory import covers
from ..identity import Principal
from ..openapi import Operation
from ..schemas.deliberation import (
    AgendaBody,
    AttendanceBody,
    CancelBody,
    CompletionBody,
    CouncilSettingsBody,
    CouncilSettingsView,
    MeetingBody,
    MeetingList,
    MeetingView,
    MinutesBody,
    PeriodQuery,
    ProblemRow,
    ProgressBody,
    ProjectBody,
    ProjectList,
    ProjectListQuery,
    ProjectSummaryView,
    ProjectView,
    RaiseTopicBody,
    RatingBody,
    ReportQuery,
    ReportView,
    RescheduleBody,
    ResolutionBody,
    ResolutionView,
    StepBody,
    TopicList,
    TopicListQuery,
    TopicView,
)
from .issues import comma_list, csv_response
from .lookups import DirectoryLookups

STEPS = ("propose", "consult", "review", "resolve", "evaluate")


def _op(method, path, summary, **kwargs):
    return Operation(method, path, summary, tag="deliberation", **kwargs)


OPERATIONS = (
    _op(
        "get",
        "/v1/nodes/{code}/deliberation-settings",
        "A node's council settings as inherited: support threshold, important categories, "
        "meeting types, quorum",
        response=CouncilSettingsView,
    ),
    _op(
        "put",
        "/v1/nodes/{code}/deliberation-settings",
        "Set a street's or community's council settings (null inherits)",
        request=CouncilSettingsBody,
        response=CouncilSettingsView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/topic",
        "Raise an issue as a topic for the council (居民点题): its reporter or staff",
        request=RaiseTopicBody,
        status=201,
        response=TopicView,
    ),
    _op(
        "get",
        "/v1/nodes/{code}/topics",
        "Topics of the communities at or under a node",
        request=TopicListQuery,
        response=TopicList,
    ),
    _op(
        "get",
        "/v1/topics/{topic_id}",
        "A topic with its procedure and resolutions",
        response=TopicView,
    ),
    _op(
        "post",
        "/v1/topics/{topic_id}/procedure/{step}",
        "Record a step of the five-step procedure of an important matter (提议 propose, "
        "商议 consult, 审议 review, 决议 resolve, 评议 evaluate); out of order, repeated or "
        "by the wrong role is refused",
        request=StepBody,
        response=TopicView,
    ),
    _op(
        "post",
        "/v1/communities/{code}/meetings",
        "Schedule a council meeting",
        request=MeetingBody,
        status=201,
        response=MeetingView,
    ),
    _op(
        "get",
        "/v1/nodes/{code}/meetings",
        "Meetings of the communities at or under a node",
        request=PeriodQuery,
        response=MeetingList,
    ),
    _op(
        "get",
        "/v1/meetings/{meeting_id}",
        "A meeting with agenda, registrations, resolutions",
        response=MeetingView,
    ),
    _op(
        "patch",
        "/v1/meetings/{meeting_id}",
        "Reschedule a meeting (time, place, mode); everyone registered is told",
        request=RescheduleBody,
        response=MeetingView,
    ),
    _op(
        "post",
        "/v1/meetings/{meeting_id}/cancellation",
        "Cancel a meeting with a reason; everyone registered is told",
        request=CancelBody,
        response=MeetingView,
    ),
    _op(
        "post",
        "/v1/meetings/{meeting_id}/registrations",
        "Register for a meeting (capacity is enforced; idempotent)",
        response=MeetingView,
    ),
    _op(
        "delete",
        "/v1/meetings/{meeting_id}/registrations/me",
        "Withdraw one's registration",
        response=MeetingView,
    ),
    _op(
        "put",
        "/v1/meetings/{meeting_id}/agenda",
        "Set the agenda: open topics of the community, in order",
        request=AgendaBody,
        response=MeetingView,
    ),
    _op(
        "put",
        "/v1/meetings/{meeting_id}/attendance",
        "Record who attended (accounts present and a count of others)",
        request=AttendanceBody,
        response=MeetingView,
    ),
    _op(
        "post",
        "/v1/meetings/{meeting_id}/resolutions",
        "Record the decision on an agenda item with its vote; adopting needs quorum and a "
        "majority, rejecting needs reasons",
        request=ResolutionBody,
        status=201,
        response=ResolutionView,
    ),
    _op(
        "post",
        "/v1/meetings/{meeting_id}/minutes",
        "Record the minutes and closing report: the meeting is held",
        request=MinutesBody,
        response=MeetingView,
    ),
    _op(
        "post",
        "/v1/communities/{code}/projects",
        "Form a micro-project (民生微实事) from a resolution, or a sub-project of a parent",
        request=ProjectBody,
        status=201,
        response=ProjectView,
    ),
    _op(
        "get",
        "/v1/nodes/{code}/projects",
        "Projects of the communities at or under a node",
        request=ProjectListQuery,
        response=ProjectList,
    ),
    _op(
        "get",
        "/v1/projects/{project_id}",
        "A project with its children and rolled-up progress",
        response=ProjectView,
    ),
    _op(
        "post",
        "/v1/projects/{project_id}/progress",
        "Report progress: status, percentage, milestones done, note",
        request=ProgressBody,
        response=ProjectView,
    ),
    _op(
        "post",
        "/v1/projects/{project_id}/completion",
        "Complete a project with evidence; its issues are resolved and their reporters told",
        request=CompletionBody,
        response=ProjectView,
    ),
    _op(
        "post",
        "/v1/projects/{project_id}/ratings",
        "A resident rates a completed project (the residents' verdict)",
        request=RatingBody,
        response=ProjectView,
    ),
    _op(
        "get",
        "/v1/nodes/{code}/deliberation-report",
        "问题清单 → 项目清单 → 成果清单 and the funnel for a period (CSV of one list with "
        "format=csv&list=problems|projects|results)",
        request=ReportQuery,
        response=ReportView,
    ),
)


def _viewer(principal: Principal) -> dict:
    return {"id": principal.id, "role": principal.role, "name": principal.name}


class DeliberationRoutes(DirectoryLookups):
    def _visible(self, principal: Principal, found: dict, kind: str, key: str) -> dict:
        """An object of a community the caller's scope covers (404 otherwise: its existence
        is not theirs to know)."""
        node = self._node(found["community"])
        if node is None or not covers(principal.scope, node.code, node.ancestors):
            raise NotFound(f"{kind}-not-found", f"No {kind} {key}.")
        return found

    def _topic(self, principal, topic_id):
        return self._visible(principal, self.issues.get_topic(topic_id), "topic", topic_id)

    def _meeting(self, principal, meeting_id):
        return self._visible(principal, self.issues.get_meeting(meeting_id), "meeting", meeting_id)

    def _project(self, principal, project_id):
        return self._visible(principal, self.issues.get_project(project_id), "project", project_id)

    # -- settings and topics --------------------------------------------------------------
    @route("GET", "/v1/nodes/<string:code>/deliberation-settings")
    def deliberation_settings(self, request, code):
        principal = self.authenticate(request)
        self._node_in_scope(principal, code)
        return 200, schema_of(CouncilSettingsView).dump(self.issues.deliberation_settings(code))

    @route("PUT", "/v1/nodes/<string:code>/deliberation-settings")
    def put_deliberation_settings(self, request, code):
        principal = self.authenticate(request)
        body = read_json(request, CouncilSettingsBody)
        self._node_in_scope(principal, code)
        found = self.issues.put_deliberation_settings(code, body, _viewer(principal))
        return 200, schema_of(CouncilSettingsView).dump(found)

    @route("POST", "/v1/issues/<string:issue_id>/topic")
    def raise_topic(self, request, issue_id):
        principal = self.authenticate(request)
        body = read_json(request, RaiseTopicBody) if request.get_data() else {}
        self._readable_issue(principal, issue_id)
        topic = self.issues.raise_topic(issue_id, _viewer(principal), body)
        return 201, schema_of(TopicView).dump(topic), {"Location": f"/v1/topics/{topic['id']}"}

    @route("GET", "/v1/nodes/<string:code>/topics")
    def list_topics(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, TopicListQuery)
        self._node_in_scope(principal, code)
        return 200, schema_of(TopicList).dump(
            {"items": self.issues.list_topics(code, comma_list(query["status"]))}
        )

    @route("GET", "/v1/topics/<string:topic_id>")
    def get_topic(self, request, topic_id):
        principal = self.authenticate(request)
        return 200, schema_of(TopicView).dump(self._topic(principal, topic_id))

    @route("POST", "/v1/topics/<string:topic_id>/procedure/<string:step>")
    def record_step(self, request, topic_id, step):
        principal = self.authenticate(request)
        if step not in STEPS:
            raise NotFound("step-not-found", f"No step {step}; one of {', '.join(STEPS)}.")
        body = read_json(request, StepBody) if request.get_data() else {"note": ""}
        self._topic(principal, topic_id)
        found = self.issues.record_step(topic_id, step, _viewer(principal), body["note"])
        return 200, schema_of(TopicView).dump(found)

    # -- meetings -------------------------------------------------------------------------
    @route("POST", "/v1/communities/<string:code>/meetings")
    def schedule_meeting(self, request, code):
        principal = self.authenticate(request)
        body = read_json(request, MeetingBody)
        self._community_in_scope(principal, code)
        body["starts_at"], body["ends_at"] = (
            body["starts_at"].isoformat(),
            body["ends_at"].isoformat(),
        )
        meeting = self.issues.schedule_meeting(code, body, _viewer(principal))
        return (
            201,
            schema_of(MeetingView).dump(meeting),
            {"Location": f"/v1/meetings/{meeting['id']}"},
        )

    @route("GET", "/v1/nodes/<string:code>/meetings")
    def list_meetings(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, PeriodQuery)
        self._node_in_scope(principal, code)
        start = query["from_"].isoformat() if query["from_"] else None
        end = query["to"].isoformat() if query["to"] else None
        return 200, schema_of(MeetingList).dump(
            {"items": self.issues.list_meetings(code, start, end)}
        )

    @route("GET", "/v1/meetings/<string:meeting_id>")
    def get_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        return 200, schema_of(MeetingView).dump(self._meeting(principal, meeting_id))

    @route("PATCH", "/v1/meetings/<string:meeting_id>")
    def reschedule_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, RescheduleBody)
        self._meeting(principal, meeting_id)
        for key in ("starts_at", "ends_at"):
            body[key] = body[key].isoformat() if body[key] else None
        found = self.issues.reschedule_meeting(meeting_id, body, _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("POST", "/v1/meetings/<string:meeting_id>/cancellation")
    def cancel_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, CancelBody)
        self._meeting(principal, meeting_id)
        found = self.issues.cancel_meeting(meeting_id, body["reason"], _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("POST", "/v1/meetings/<string:meeting_id>/registrations")
    def register_for_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        self._meeting(principal, meeting_id)
        found = self.issues.register_for_meeting(meeting_id, _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("DELETE", "/v1/meetings/<string:meeting_id>/registrations/me")
    def unregister_from_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        self._meeting(principal, meeting_id)
        found = self.issues.unregister_from_meeting(meeting_id, _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("PUT", "/v1/meetings/<string:meeting_id>/agenda")
    def set_agenda(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, AgendaBody)
        self._meeting(principal, meeting_id)
        found = self.issues.set_agenda(meeting_id, body["topic_ids"], _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("PUT", "/v1/meetings/<string:meeting_id>/attendance")
    def record_attendance(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, AttendanceBody)
        self._meeting(principal, meeting_id)
        found = self.issues.record_attendance(meeting_id, body, _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    @route("POST", "/v1/meetings/<string:meeting_id>/resolutions")
    def record_resolution(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, ResolutionBody)
        self._meeting(principal, meeting_id)
        found = self.issues.record_resolution(meeting_id, body, _viewer(principal))
        return 201, schema_of(ResolutionView).dump(found)

    @route("POST", "/v1/meetings/<string:meeting_id>/minutes")
    def close_meeting(self, request, meeting_id):
        principal = self.authenticate(request)
        body = read_json(request, MinutesBody)
        self._meeting(principal, meeting_id)
        found = self.issues.close_meeting(meeting_id, body, _viewer(principal))
        return 200, schema_of(MeetingView).dump(found)

    # -- projects -------------------------------------------------------------------------
    @route("POST", "/v1/communities/<string:code>/projects")
    def create_project(self, request, code):
        principal = self.authenticate(request)
        body = read_json(request, ProjectBody)
        self._community_in_scope(principal, code)
        body["budget"] = str(body["budget"])
        body["milestones"] = [{**m, "due_on": m["due_on"].isoformat()} for m in body["milestones"]]
        project = self.issues.create_project(code, body, _viewer(principal))
        return (
            201,
            schema_of(ProjectView).dump(project),
            {"Location": f"/v1/projects/{project['id']}"},
        )

    @route("GET", "/v1/nodes/<string:code>/projects")
    def list_projects(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, ProjectListQuery)
        self._node_in_scope(principal, code)
        found = self.issues.list_projects(code, comma_list(query["status"]))
        return 200, schema_of(ProjectList).dump({"items": found})

    @route("GET", "/v1/projects/<string:project_id>")
    def get_project(self, request, project_id):
        principal = self.authenticate(request)
        return 200, schema_of(ProjectView).dump(self._project(principal, project_id))

    @route("POST", "/v1/projects/<string:project_id>/progress")
    def progress_project(self, request, project_id):
        principal = self.authenticate(request)
        body = read_json(request, ProgressBody)
        self._project(principal, project_id)
        found = self.issues.progress_project(project_id, body, _viewer(principal))
        return 200, schema_of(ProjectView).dump(found)

    @route("POST", "/v1/projects/<string:project_id>/completion")
    def complete_project(self, request, project_id):
        principal = self.authenticate(request)
        body = read_json(request, CompletionBody)
        self._project(principal, project_id)
        found = self.issues.complete_project(project_id, body, _viewer(principal))
        return 200, schema_of(ProjectView).dump(found)

    @route("POST", "/v1/projects/<string:project_id>/ratings")
    def rate_project(self, request, project_id):
        principal = self.authenticate(request)
        body = read_json(request, RatingBody)
        self._project(principal, project_id)
        found = self.issues.rate_project(project_id, _viewer(principal), body)
        return 200, schema_of(ProjectView).dump(found)

    # -- lists and funnel -----------------------------------------------------------------
    @route("GET", "/v1/nodes/<string:code>/deliberation-report")
    def deliberation_report(self, request, code):
        principal = self.authenticate(request)
        query = read_query(request, ReportQuery)
        self._node_in_scope(principal, code)
        report = self.issues.deliberation_report(
            code, query["from_"].isoformat(), query["to"].isoformat()
        )
        if query["format"] == "csv":
            kind = query["list"]
            schema = ProblemRow(many=True) if kind == "problems" else ProjectSummaryView(many=True)
            return csv_response(schema.dump(report[kind]), f"{kind}-{code}.csv")
        return 200, schema_of(ReportView).dump(report)
