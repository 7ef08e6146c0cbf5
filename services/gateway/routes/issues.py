"""Issues: reporting, reading, lists and change feeds, lifecycle actions, evaluation,
duplicates ("me too", merge), comments, the catalogue per community and leaders' figures."""

from __future__ import annotations

import csv
import io

from werkzeug.wrappers import Response

from shared.errors import Forbidden, NotFound, ValidationFailed

from .. import access
from ..api import idempotency_key, read_json, read_query, route, schema_of
from ..directory import covers
from ..identity import Principal
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.issues import (
    AssignmentBody,
    CatalogueView,
    CategoryOverrideBody,
    CommentBody,
    CommentView,
    EvaluationBody,
    FiguresQuery,
    FiguresView,
    IssueDetailView,
    IssueListQuery,
    IssuePage,
    IssueView,
    MergeBody,
    ReportIssueBody,
    SimilarIssues,
    SimilarQuery,
    TransitionBody,
)
from .lookups import DirectoryLookups

ACTIONS = (
    "accept",
    "start",
    "wait_for_resident",
    "resume",
    "resolve",
    "close",
    "reject",
    "escalate",
    "refer",
    "reopen",
)
RED_LIST = "problem,dispute"  # 红单: problems and disputes to settle
BLUE_LIST = "need,service_request,suggestion"  # 蓝单: needs, errands and suggestions
FIGURE_ROLES = frozenset({"grid_worker", "social_worker", "admin"})
CATALOGUE_EDITORS = frozenset({"social_worker", "admin"})


def _op(method, path, summary, **kwargs):
    return Operation(method, path, summary, tag="issues", **kwargs)


OPERATIONS = (
    _op(
        "post",
        "/v1/communities/{code}/issues",
        "Report an issue (honours Idempotency-Key); staff may report on a resident's behalf",
        request=ReportIssueBody,
        status=201,
        response=IssueView,
    ),
    _op(
        "get",
        "/v1/communities/{code}/issues/similar",
        "Open issues a new report may duplicate (support one instead of reporting again)",
        request=SimilarQuery,
        response=SimilarIssues,
    ),
    _op(
        "get",
        "/v1/issues",
        "Issues with filters, cursor pagination, change feed (updated_after) and CSV export",
        request=IssueListQuery,
        response=IssuePage,
    ),
    _op(
        "get",
        "/v1/issues/{issue_id}",
        "One issue with its history and comments (ETag, If-None-Match)",
        response=IssueDetailView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/actions/{action}",
        "Move an issue: accept, start, wait_for_resident, resume, resolve, close, reject, "
        "escalate, refer, reopen (409 illegal-transition when not possible)",
        request=TransitionBody,
        response=IssueView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/evaluation",
        "The reporter rates the outcome; unsatisfied reopens it for redo (退回重办)",
        request=EvaluationBody,
        response=IssueView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/merge",
        "Merge a duplicate into a surviving issue (staff)",
        request=MergeBody,
        response=IssueView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/supporters",
        '"Me too": support an open issue instead of reporting it again',
        response=IssueView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/comments",
        "A public or internal comment with photos by URL",
        request=CommentBody,
        status=201,
        response=CommentView,
    ),
    _op(
        "post",
        "/v1/issues/{issue_id}/assignment",
        "Reassign an issue (staff)",
        request=AssignmentBody,
        response=IssueView,
    ),
    _op(
        "get",
        "/v1/communities/{code}/catalogue",
        "The categories a community offers (事项清单: district default, street and community "
        "changes)",
        response=CatalogueView,
    ),
    _op(
        "put",
        "/v1/nodes/{code}/catalogue/{category}",
        "Add, override or remove a category for a street or community",
        request=CategoryOverrideBody,
        response=CatalogueView,
    ),
    _op(
        "get",
        "/v1/nodes/{code}/issue-figures",
        "Response, completion, resolution and satisfaction rates, medians, overdue counts and "
        "the per-community list for a period (CSV with format=csv)",
        request=FiguresQuery,
        response=FiguresView,
    ),
)


def viewer(principal: Principal) -> dict:
    return {"id": principal.id, "role": principal.role}


def csv_response(rows: list[dict], filename: str) -> Response:
    output = io.StringIO()
    if rows:
        writer = csv.DictWriter(output, fieldnames=list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    # a BOM so that spreadsheet programs read the Chinese text as UTF-8
    return Response(
        "\ufeff" + output.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value):
    if isinstance(value, list | dict):
        import json

        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def comma_list(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


class IssueRoutes(DirectoryLookups):
    def _place_of(self, issue: dict):
        """The most specific directory node of an issue (building, compound, grid, community):
        a grid worker's scope is their grid, which does not cover the community."""
        for key in ("building", "compound", "grid", "community"):
            if issue.get(key):
                node = self._node(issue[key])
                if node is not None:
                    return node
        return None

    def _covers_issue(self, principal: Principal, issue: dict) -> bool:
        node = self._place_of(issue)
        return node is not None and covers(principal.scope, node.code, node.ancestors)

    def _readable_issue(self, principal: Principal, issue_id: str) -> dict:
        """The issue, if the principal reported it, is a party or its assignee, or is staff
        whose scope covers it (404 otherwise: its existence is not theirs to know)."""
        issue = self.issues.get_issue(issue_id, viewer(principal))
        involved = principal.id in (issue["reporter_id"], issue["assignee_id"], *issue["parties"])
        if not (involved or (principal.is_staff and self._covers_issue(principal, issue))):
            raise NotFound("issue-not-found", f"No issue {issue_id}.")
        return issue

    def _staff_issue(self, principal: Principal, issue_id: str) -> dict:
        issue = self._readable_issue(principal, issue_id)
        if not principal.is_staff or not (
            principal.id == issue["assignee_id"] or self._covers_issue(principal, issue)
        ):
            raise Forbidden("staff-only", "Only staff whose scope covers the issue may do this.")
        return issue

    @route("POST", "/v1/communities/<string:code>/issues")
    def report_issue(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.REPORTING_ROLES, "report issues")
        body = read_json(request, ReportIssueBody)
        key = idempotency_key(request)
        with self.kit.unit_of_work() as uow:
            repo = DirectoryRepository(uow.session)
            community = access.require_community(repo.node(code), code)
            access.require_in_scope(principal, community)
            for kind in ("grid", "compound", "building"):
                if body[kind]:
                    access.require_place_in(repo.node(body[kind]), kind, body[kind], code)
        if principal.role == "partner":
            # a partner organisation (共建单位) refers what it found: channel and name are its own
            body["channel"], body["partner"] = "referral", principal.name
        elif body["channel"] in ("hotline", "visit", "walk_in", "referral") and not (
            principal.is_staff
        ):
            raise ValidationFailed(
                "channel-staff-only",
                "Only staff record reports from hotline, visit, walk-in or referral.",
                {"channel": ["staff only"]},
            )
        on_behalf_of = body.pop("on_behalf_of")
        if on_behalf_of and not principal.is_staff:
            raise ValidationFailed(
                "on-behalf-staff-only",
                "Only staff report on a resident's behalf.",
                {"on_behalf_of": ["staff only"]},
            )
        body["due_date"] = body["due_date"].isoformat() if body["due_date"] else None
        issue = self.issues.report_issue(
            {
                **body,
                "community": code,
                "reporter_id": on_behalf_of or principal.id,
                "recorded_by": principal.id if on_behalf_of else None,
            },
            key,
        )
        view = schema_of(IssueView).dump(issue)
        return 201, view, {"Location": f"/v1/issues/{issue['id']}"}

    @route("GET", "/v1/communities/<string:code>/issues/similar")
    def similar_issues(self, request, code):
        principal = self.authenticate(request)
        community = access.require_community(self._node(code), code)
        access.require_in_scope(principal, community)
        query = read_query(request, SimilarQuery)
        found = self.issues.similar_issues({**query, "community": code})
        return 200, schema_of(SimilarIssues).dump({"items": found})

    @route("GET", "/v1/issues")
    def list_issues(self, request):
        principal = self.authenticate(request)
        query = read_query(request, IssueListQuery)
        node = self._node_in_scope(principal, query["node"] or principal.scope)
        kinds = comma_list(query["kind"]) or comma_list(
            {"red": RED_LIST, "blue": BLUE_LIST}.get(query["list"] or "")
        )
        assignee = principal.id if query["assignee"] == "me" else query["assignee"]
        reporter = query["reporter"]
        if not principal.is_staff:
            reporter = principal.id  # residents list what they reported
        filters = {
            "node": node.code,
            "status": comma_list(query["status"]),
            "category": comma_list(query["category"]),
            "kind": kinds,
            "assignee_id": assignee,
            "reporter_id": reporter,
            "grid": query["grid"],
            "compound": query["compound"],
            "overdue": query["overdue"],
            "callback_pending": query["callback_pending"],
            "flagged": query["flagged"],
            "cursor": query["cursor"],
            "limit": query["limit"],
            "order": "updated" if query["updated_after"] else "reported",
        }
        for key in ("reported_from", "reported_to", "updated_after"):
            if query[key]:
                filters[key] = query[key].isoformat()
        page = self.issues.list_issues(filters, viewer(principal))
        if query["format"] == "csv":
            return csv_response(IssueView(many=True).dump(page["items"]), "issues.csv")
        headers = {}
        if page["next_cursor"]:
            headers["Link"] = f'<{request.path}?cursor={page["next_cursor"]}>; rel="next"'
        return 200, schema_of(IssuePage).dump(page), headers

    @route("GET", "/v1/issues/<string:issue_id>")
    def get_issue(self, request, issue_id):
        principal = self.authenticate(request)
        issue = self._readable_issue(principal, issue_id)
        etag = f'W/"{issue["id"]}-v{issue["version"]}"'
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return 200, schema_of(IssueDetailView).dump(issue), {"ETag": etag}

    @route("POST", "/v1/issues/<string:issue_id>/actions/<string:action>")
    def act_on_issue(self, request, issue_id, action):
        principal = self.authenticate(request)
        if action not in ACTIONS:
            raise NotFound("action-not-found", f"No action {action}; one of {', '.join(ACTIONS)}.")
        body = read_json(request, TransitionBody) if request.get_data() else {}
        issue = self._readable_issue(principal, issue_id)
        if principal.id != issue["reporter_id"]:
            self._staff_issue(principal, issue_id)
        updated = self.issues.act(issue_id, action, viewer(principal), body)
        return 200, schema_of(IssueView).dump(updated)

    @route("POST", "/v1/issues/<string:issue_id>/evaluation")
    def evaluate_issue(self, request, issue_id):
        principal = self.authenticate(request)
        body = read_json(request, EvaluationBody)
        self._readable_issue(principal, issue_id)
        return 200, schema_of(IssueView).dump(
            self.issues.evaluate(issue_id, viewer(principal), body)
        )

    @route("POST", "/v1/issues/<string:issue_id>/merge")
    def merge_issue(self, request, issue_id):
        principal = self.authenticate(request)
        body = read_json(request, MergeBody)
        self._staff_issue(principal, issue_id)
        self._staff_issue(principal, body["into"])
        survivor = self.issues.merge(issue_id, body["into"], viewer(principal))
        return 200, schema_of(IssueView).dump(survivor)

    @route("POST", "/v1/issues/<string:issue_id>/supporters")
    def support_issue(self, request, issue_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.REPORTING_ROLES, "support issues")
        issue = self.issues.get_issue(issue_id, viewer(principal))
        if not self._covers_issue(principal, issue):
            raise NotFound("issue-not-found", f"No issue {issue_id}.")
        return 200, schema_of(IssueView).dump(self.issues.support(issue_id, viewer(principal)))

    @route("POST", "/v1/issues/<string:issue_id>/comments")
    def comment_on_issue(self, request, issue_id):
        principal = self.authenticate(request)
        body = read_json(request, CommentBody)
        self._readable_issue(principal, issue_id)
        comment = self.issues.comment(issue_id, viewer(principal), body)
        return 201, schema_of(CommentView).dump(comment)

    @route("POST", "/v1/issues/<string:issue_id>/assignment")
    def reassign_issue(self, request, issue_id):
        principal = self.authenticate(request)
        body = read_json(request, AssignmentBody)
        self._staff_issue(principal, issue_id)
        updated = self.issues.reassign(issue_id, body["assignee_id"], viewer(principal))
        return 200, schema_of(IssueView).dump(updated)

    @route("GET", "/v1/communities/<string:code>/catalogue")
    def community_catalogue(self, request, code):
        self.authenticate(request)
        access.require_community(self._node(code), code)
        return 200, schema_of(CatalogueView).dump({"items": self.issues.catalogue(code)})

    @route("PUT", "/v1/nodes/<string:code>/catalogue/<string:category>")
    def override_category(self, request, code, category):
        principal = self.authenticate(request)
        access.require_role(principal, CATALOGUE_EDITORS, "edit the catalogue")
        body = read_json(request, CategoryOverrideBody)
        node = self._node_in_scope(principal, code)
        if node.kind not in ("district", "street", "community"):
            raise ValidationFailed(
                "catalogue-node", "Only a district, street or community has a catalogue."
            )
        items = self.issues.put_catalogue_override(code, category, body, viewer(principal))
        return 200, schema_of(CatalogueView).dump({"items": items})

    @route("GET", "/v1/nodes/<string:code>/issue-figures")
    def issue_figures(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, FIGURE_ROLES, "read the figures")
        query = read_query(request, FiguresQuery)
        node = self._node_in_scope(principal, code)
        found = self.issues.figures(node.code, query["from_"].isoformat(), query["to"].isoformat())
        if query["format"] == "csv":
            return csv_response(found["communities"], f"figures-{code}.csv")
        return 200, schema_of(FiguresView).dump(found)
