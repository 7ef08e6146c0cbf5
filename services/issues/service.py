"""The issues service's entry points: each decodes, calls one use case, returns."""

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers


class IssuesService(DeadLetterOps):
    name = "issues"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def report_issue(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.report_issue(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_issue(self, issue_id: str) -> dict:
        return handlers.get_issue(self.kit, issue_id)

    @event_consumer("directory.node_upserted")
    def on_node_upserted(self, event):
        handlers.record_node(self.kit, event)

    @event_consumer("directory.role_assigned")
    def on_role_assigned(self, event):
        handlers.record_role(self.kit, event)
