"""The notifications service's entry points."""

from shared.errors import EXPECTED_ERRORS
from shared.kit import DeadLetterOps, ServiceKit
from shared.logging import CorrelationId
from shared.messaging.consumer import event_consumer
from shared.messaging.rpc import rpc

from . import handlers
from .domain import messages


class NotificationsService(DeadLetterOps):
    name = "notifications"

    kit = ServiceKit()
    correlation_id = CorrelationId()

    @event_consumer("issues.issue_reported")
    def on_issue_reported(self, event):
        handlers.deliver_to_inboxes(self.kit, event, messages.issue_reported)

    @event_consumer("volunteers.shift_signed_up")
    def on_shift_signed_up(self, event):
        handlers.deliver_to_inboxes(self.kit, event, messages.shift_signed_up)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_inbox(
        self, recipient_id: str, locale: str = "zh-CN", limit: int = 20, cursor: str | None = None
    ) -> dict:
        return handlers.list_inbox(self.kit, recipient_id, locale, limit, cursor)
