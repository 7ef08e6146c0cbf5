"""Health, readiness and the ops views (dead letters)."""

from __future__ import annotations

import eventlet
from sqlalchemy import text
from werkzeug.wrappers import Response

from shared import metrics
from shared.errors import NotFound, ServiceUnavailable

from .. import access
from ..api import route
from ..openapi import Operation
from ..repository import DirectoryRepository

DOMAIN_SERVICES = ("issues", "volunteers", "notifications")

OPERATIONS = (
    Operation("get", "/healthz", "Liveness", secured=False, tag="operations"),
    Operation("get", "/metrics", "Prometheus metrics", secured=False, tag="operations"),
    Operation(
        "get",
        "/readyz",
        "Readiness of the gateway and every service",
        secured=False,
        tag="operations",
    ),
    Operation(
        "get", "/v1/ops/dead-letters", "Dead letters of every service (ops)", tag="operations"
    ),
    Operation(
        "get",
        "/v1/ops/dead-letters/{service}/{parked_id}",
        "One dead letter with its body",
        tag="operations",
    ),
    Operation(
        "post",
        "/v1/ops/dead-letters/{service}/{parked_id}/replay",
        "Replay a dead letter",
        status=202,
        tag="operations",
    ),
    Operation(
        "delete",
        "/v1/ops/dead-letters/{service}/{parked_id}",
        "Discard a dead letter",
        tag="operations",
    ),
)


class OperationsRoutes:
    @route("GET", "/healthz")
    def healthz(self, request):
        return 200, {"status": "ok"}

    @route("GET", "/readyz")
    def readyz(self, request):
        checks = {"gateway": "ok"}
        with self.kit.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

        def ping(service: str) -> str:
            try:
                getattr(self, service).ping()
                return "ok"
            except ServiceUnavailable as exc:
                return exc.code

        # asked together: a slow service costs its own deadline, not the sum of all
        pool = eventlet.GreenPool()
        checks.update(zip(DOMAIN_SERVICES, pool.imap(ping, DOMAIN_SERVICES), strict=True))
        ready = all(state == "ok" for state in checks.values())
        return (200 if ready else 503), {"ready": ready, "checks": checks}

    @route("GET", "/metrics")
    def metrics(self, request):
        body, content_type = metrics.exposition()
        return Response(body, content_type=content_type)

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
        result = {}
        for service in [wanted] if wanted else list(DOMAIN_SERVICES):
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
