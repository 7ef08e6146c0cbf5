"""The issues service's entry points: each decodes, calls one use case, returns."""

from nameko.timer import Timer

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers, settings


class SlaTimer(Timer):
    """A timer that reads its interval when the container starts, not at import."""

    def start(self):
        self.interval = settings.sla_tick_seconds()
        super().start()


sla_timer = SlaTimer.decorator


class IssuesService(DeadLetterOps):
    name = "issues"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_issue(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.report_issue(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def similar_issues(self, report: dict) -> list[dict]:
        return handlers.similar_issues(self.kit, report)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_issue(self, issue_id: str, viewer: dict | None = None) -> dict:
        return handlers.get_issue(self.kit, issue_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_issues(self, query: dict, viewer: dict) -> dict:
        return handlers.list_issues(self.kit, query, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def act(self, issue_id: str, action: str, viewer: dict, payload: dict) -> dict:
        return handlers.act(self.kit, issue_id, action, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def evaluate(self, issue_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.evaluate(self.kit, issue_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def merge(self, issue_id: str, into: str, viewer: dict) -> dict:
        return handlers.merge(self.kit, issue_id, into, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def support(self, issue_id: str, viewer: dict) -> dict:
        return handlers.support(self.kit, issue_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def comment(self, issue_id: str, viewer: dict, payload: dict) -> dict:
        return handlers.comment(self.kit, issue_id, viewer, payload)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reassign(self, issue_id: str, assignee_id: str, viewer: dict) -> dict:
        return handlers.reassign(self.kit, issue_id, assignee_id, viewer)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def figures(self, node: str, start: str, end: str) -> dict:
        return handlers.figures(self.kit, node, start, end)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def catalogue(self, community: str) -> list[dict]:
        return handlers.catalogue(self.kit, community)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def put_catalogue_override(self, node: str, code: str, payload: dict, viewer: dict):
        return handlers.put_override(self.kit, node, code, payload, viewer)

    @sla_timer(interval=settings.sla_tick_seconds())
    def sla_tick(self):
        handlers.tick(self.kit)

    @event_consumer("directory.node_upserted")
    def on_node_upserted(self, event):
        handlers.record_node(self.kit, event)

    @event_consumer("directory.role_assigned")
    def on_role_assigned(self, event):
        handlers.record_role(self.kit, event)
