"""Reporting and reading issues."""

from __future__ import annotations

from shared.errors import NotFound, ValidationFailed

from .. import access
from ..api import idempotency_key, read_json, route
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.issues import IssueView, ReportIssueBody

OPERATIONS = (
    Operation(
        "post",
        "/v1/communities/{code}/issues",
        "Report an issue (honours Idempotency-Key)",
        request=ReportIssueBody,
        status=201,
        response=IssueView,
        tag="issues",
    ),
    Operation("get", "/v1/issues/{issue_id}", "One issue", response=IssueView, tag="issues"),
)


class IssueRoutes:
    @route("POST", "/v1/communities/<string:code>/issues")
    def report_issue(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.REPORTING_ROLES, "report issues")
        body = read_json(request, ReportIssueBody())
        key = idempotency_key(request)
        with self.kit.unit_of_work() as uow:
            repo = DirectoryRepository(uow.session)
            community = access.require_community(repo.node(code), code)
            access.require_in_scope(principal, community)
            for kind in ("grid", "compound", "building"):
                if body[kind]:
                    access.require_place_in(repo.node(body[kind]), kind, body[kind], code)
        if body["channel"] in ("hotline", "visit", "walk_in") and not principal.is_staff:
            raise ValidationFailed(
                "channel-staff-only",
                "Only staff record reports from hotline, visit or walk-in.",
                {"channel": ["staff only"]},
            )
        issue = self.issues.report_issue(
            {**body, "community": code, "reporter_id": principal.id}, key
        )
        return 201, IssueView().dump(issue), {"Location": f"/v1/issues/{issue['id']}"}

    @route("GET", "/v1/issues/<string:issue_id>")
    def get_issue(self, request, issue_id):
        principal = self.authenticate(request)
        issue = self.issues.get_issue(issue_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(issue["community"])
        if not access.can_read_issue(principal, issue, node):
            raise NotFound("issue-not-found", f"No issue {issue_id}.")
        return 200, IssueView().dump(issue)
