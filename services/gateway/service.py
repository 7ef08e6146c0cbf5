"""The gateway: authenticates, authorises, validates, and translates HTTP to RPC and back.
It holds no domain logic; each route is: who is calling, may they, what did they send, ask
the owning service, answer."""

from __future__ import annotations

from marshmallow import ValidationError
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from shared.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.rpc import TimedRpc

from . import access, handlers, openapi
from .api import locale_of, read_json, route
from .identity import Principal, verify_token
from .repository import DirectoryRepository
from .schemas import (
    CreateShiftBody,
    InboxPage,
    IssueView,
    NodeSearchQuery,
    PageQuery,
    PrincipalView,
    ReportIssueBody,
    ShiftView,
    SignupBody,
    SignupView,
)

DOMAIN_SERVICES = ("issues", "volunteers", "notifications")


class Identity(DependencyProvider):
    """Verifies bearer tokens with this instance's signing secret."""

    def setup(self):
        self.secret = self.container.config["PAVILION"].signing_secret()

    def get_dependency(self, worker_ctx):
        return lambda request: verify_token(self.secret, request.headers.get("Authorization"))


def read_query(request, schema) -> dict:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid-query", "Some query parameters are not valid.", exc.messages
        ) from None


def idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 200:
        raise ValidationFailed(
            "invalid-idempotency-key", "Idempotency-Key must be 1–200 characters."
        )
    return key


class GatewayService(DeadLetterOps):
    name = "gateway"

    kit = ServiceKit()
    correlation_id = CorrelationId()
    authenticate = Identity()
    issues = TimedRpc("issues")
    volunteers = TimedRpc("volunteers")
    notifications = TimedRpc("notifications")

    # -- health and documentation -------------------------------------------------------------
    @route("GET", "/healthz")
    def healthz(self, request):
        return 200, {"status": "ok"}

    @route("GET", "/readyz")
    def readyz(self, request):
        checks = {"gateway": "ok"}
        with self.kit.unit_of_work() as uow:
            DirectoryRepository(uow.session).node("-")
        for service in DOMAIN_SERVICES:
            try:
                getattr(self, service).ping()
                checks[service] = "ok"
            except ServiceUnavailable as exc:
                checks[service] = exc.code
        ready = all(state == "ok" for state in checks.values())
        return (200 if ready else 503), {"ready": ready, "checks": checks}

    @route("GET", "/v1/openapi.json")
    def openapi_document(self, request):
        return 200, openapi.document()

    @route("GET", "/v1/asyncapi.json")
    def asyncapi_document(self, request):
        return 200, openapi.asyncapi_document()

    @route("GET", "/v1/docs")
    def docs_page(self, request):
        return Response(openapi.docs_html(), mimetype="text/html")

    # -- directory ----------------------------------------------------------------------------
    @route("GET", "/v1/directory/nodes")
    def search_nodes(self, request):
        query = read_query(request, NodeSearchQuery())
        with self.kit.unit_of_work() as uow:
            page = handlers.search_nodes(
                uow, query["q"], query["kind"], query["limit"], query["cursor"]
            )
        return 200, page

    @route("GET", "/v1/directory/nodes/<string:code>")
    def get_node(self, request, code):
        with self.kit.unit_of_work() as uow:
            repo = DirectoryRepository(uow.session)
            node = repo.node(code)
            if node is None:
                raise NotFound("node-not-found", f"No node {code} in the directory.")
            return 200, handlers.node_view(repo, node)

    @route("GET", "/v1/me")
    def me(self, request):
        return 200, PrincipalView().dump(self.authenticate(request))

    # -- issues -------------------------------------------------------------------------------
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

    # -- volunteers ---------------------------------------------------------------------------
    @route("POST", "/v1/communities/<string:code>/shifts")
    def create_shift(self, request, code):
        principal = self.authenticate(request)
        access.require_role(principal, access.SHIFT_MANAGERS, "create shifts")
        body = read_json(request, CreateShiftBody())
        with self.kit.unit_of_work() as uow:
            community = access.require_community(DirectoryRepository(uow.session).node(code), code)
        access.require_in_scope(principal, community)
        shift = self.volunteers.create_shift(
            {
                **body,
                "starts_at": body["starts_at"].isoformat(),
                "ends_at": body["ends_at"].isoformat(),
                "community": code,
                "created_by": principal.id,
            },
            idempotency_key(request),
        )
        return 201, ShiftView().dump(shift), {"Location": f"/v1/shifts/{shift['id']}"}

    @route("GET", "/v1/shifts/<string:shift_id>")
    def get_shift(self, request, shift_id):
        principal = self.authenticate(request)
        shift = self._shift_in_scope(principal, shift_id)
        return 200, ShiftView().dump(shift)

    @route("POST", "/v1/shifts/<string:shift_id>/signups")
    def sign_up(self, request, shift_id):
        principal = self.authenticate(request)
        access.require_role(principal, access.SIGNUP_ROLES, "sign up for shifts")
        if request.get_data():
            read_json(request, SignupBody())
        self._shift_in_scope(principal, shift_id)
        signup = self.volunteers.sign_up(shift_id, principal.id, idempotency_key(request))
        return 201, SignupView().dump(signup)

    def _shift_in_scope(self, principal: Principal, shift_id: str) -> dict:
        shift = self.volunteers.get_shift(shift_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(shift["community"])
        if node is None or not access.covers(principal.scope, node.code, node.ancestors):
            raise NotFound("shift-not-found", f"No shift {shift_id}.")
        return shift

    # -- notifications ------------------------------------------------------------------------
    @route("GET", "/v1/me/inbox")
    def inbox(self, request):
        principal = self.authenticate(request)
        query = read_query(request, PageQuery())
        page = self.notifications.list_inbox(
            principal.id, locale_of(request), query["limit"], query["cursor"]
        )
        return 200, InboxPage().dump(page)

    # -- operations ---------------------------------------------------------------------------
    def _require_ops(self, request) -> None:
        principal = self.authenticate(request)
        with self.kit.unit_of_work() as uow:
            access.require_ops(principal, DirectoryRepository(uow.session).node(principal.scope))

    def _ops_service(self, service: str):
        if service not in DOMAIN_SERVICES:
            raise NotFound(
                "service-not-found", f"No service {service}; use one of {DOMAIN_SERVICES}."
            )
        return getattr(self, service)

    @route("GET", "/v1/ops/dead-letters")
    def list_dead_letters(self, request):
        self._require_ops(request)
        status = request.args.get("status", "dead")
        wanted = request.args.get("service")
        services = [wanted] if wanted else list(DOMAIN_SERVICES)
        result = {}
        for service in services:
            try:
                result[service] = self._ops_service(service).dead_letters_list(status or None)
            except ServiceUnavailable as exc:
                result[service] = {"error": exc.code, "detail": exc.detail}
        return 200, result

    @route("GET", "/v1/ops/dead-letters/<string:service>/<string:parked_id>")
    def show_dead_letter(self, request, service, parked_id):
        self._require_ops(request)
        return 200, self._ops_service(service).dead_letters_show(parked_id)

    @route("POST", "/v1/ops/dead-letters/<string:service>/<string:parked_id>/replay")
    def replay_dead_letter(self, request, service, parked_id):
        self._require_ops(request)
        return 202, self._ops_service(service).dead_letters_replay(parked_id)

    @route("DELETE", "/v1/ops/dead-letters/<string:service>/<string:parked_id>")
    def discard_dead_letter(self, request, service, parked_id):
        self._require_ops(request)
        return 200, self._ops_service(service).dead_letters_discard(parked_id)
