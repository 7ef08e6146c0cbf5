"""Publishing with publisher confirms, persistent delivery and `mandatory` set: a message is
taken as sent only when the broker confirmed it and routed it to at least one queue."""

from __future__ import annotations

from typing import Any

from nameko.amqp.publish import Publisher, UndeliverableMessage

from shared.config import Settings

from .topology import all_subscription_queues, event_exchange

# fail fast: a failed publish is retried by the outbox sweep, not here
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}

__all__ = ["ConfirmedPublisher", "UndeliverableMessage"]


class ConfirmedPublisher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._publisher = Publisher(
            settings.amqp_uri,
            use_confirms=True,
            mandatory=True,
            retry=True,
            retry_policy=_RETRY_POLICY,
            serializer="json",
        )
        self._declared = False

    def declare_topology(self) -> None:
        """Declare every subscription queue (idempotent) so no event finds an unbound exchange."""
        from nameko.amqp.publish import get_connection

        with get_connection(self.settings.amqp_uri) as connection:
            channel = connection.default_channel
            for queue in all_subscription_queues(self.settings):
                queue.exchange.maybe_bind(channel)
                queue.exchange.declare()
                queue.maybe_bind(channel)
                queue.declare()
        self._declared = True

    def publish_event(self, message: dict[str, Any]) -> None:
        source = message["type"].split(".", 1)[0]
        self._publisher.publish(
            message,
            exchange=event_exchange(source),
            routing_key=message["type"],
            message_id=message["id"],
            extra_headers=_context_headers(message),
        )

    def publish_to_queue(self, queue: str, body: Any, headers: dict[str, Any]) -> None:
        """Put a message straight onto one consumer's queue (retries and dead-letter replays)."""
        self._publisher.publish(body, exchange="", routing_key=queue, extra_headers=headers)


def _context_headers(message: dict[str, Any]) -> dict[str, Any]:
    correlation_id = message.get("correlationid")
    return {"nameko.correlation_id": correlation_id} if correlation_id else {}
