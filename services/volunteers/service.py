"""The volunteers service's entry points."""

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers


class VolunteersService(DeadLetterOps):
    name = "volunteers"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def create_shift(self, payload: dict, idempotency_key: str | None = None) -> dict:
        return handlers.create_shift(self.kit, payload, idempotency_key)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_shift(self, shift_id: str) -> dict:
        return handlers.get_shift(self.kit, shift_id)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sign_up(self, shift_id: str, volunteer_id: str, idempotency_key: str | None = None) -> dict:
        return handlers.sign_up(self.kit, shift_id, volunteer_id, idempotency_key)

    @event_consumer("directory.node_upserted")
    def on_node_upserted(self, event):
        handlers.record_node(self.kit, event)
