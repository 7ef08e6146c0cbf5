"""Publishing with publisher confirms, persistent delivery and `mandatory` set: a message is
taken as sent only when the broker confirmed it and routed it to at least one queue."""

from __future__ import annotations

from typing import Any

from amqp import spec
from eventlet.semaphore import Semaphore
from nameko.amqp.publish import Publisher, UndeliverableMessage

from shared.config import Settings
from shared.logging import get_logger

from .topology import all_subscription_queues, event_exchange

# fail fast: a failed publish is retried by the outbox sweep, not here
_RETRY_POLICY = {"max_retries": 1, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}

log = get_logger(__name__)
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
        # one connection and channel in confirm mode for batches (`publish_events`)
        self._batch_lock = Semaphore(1)
        self._batch_conn = self._batch_chan = self._batch_producer = None
        self._next_tag, self._confirmed, self._nacked = 1, 0, 0
        self._returned: set[str] = set()

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

    def publish_events(self, messages: list[dict[str, Any]]) -> list[str]:
        """Publish events in order and wait for the broker's confirms once for all of them:
        one round trip per batch instead of one per event. Returns the ids the broker
        confirmed and routed; raises when the connection fails (nothing is then taken as
        sent: whatever did reach the broker is published again later, which the consumers'
        inbox makes harmless)."""
        if not messages:
            return []
        if self.settings.embedded:
            sent = []
            for message in messages:
                self.publish_event(message)
                sent.append(message["id"])
            return sent
        with self._batch_lock:
            try:
                return self._publish_batch(messages)
            except Exception:
                self._drop_batch_channel()
                raise

    def _publish_batch(self, messages: list[dict[str, Any]]) -> list[str]:
        channel = self._batch_channel()
        producer = self._batch_producer
        returned: set[str] = set()
        self._returned = returned
        first = self._next_tag
        for message in messages:
            source = message["type"].split(".", 1)[0]
            producer.publish(
                message,
                exchange=event_exchange(source),
                routing_key=message["type"],
                message_id=message["id"],
                headers=_context_headers(message),
                delivery_mode=2,
                mandatory=True,
                serializer="json",
                retry=False,
            )
            self._next_tag += 1
        last = self._next_tag - 1
        while self._confirmed < last:
            channel.wait([spec.Basic.Ack, spec.Basic.Nack], callback=self._on_confirm, timeout=10)
        if self._nacked >= first:
            raise UndeliverableMessage("the broker refused a message of the batch")
        for message_id in returned:
            log.warning("outbox.unroutable", event_id=message_id)
        return [m["id"] for m in messages if m["id"] not in returned]

    def _on_confirm(self, method, delivery_tag, multiple=False, *_rest) -> None:
        if method == spec.Basic.Nack:
            self._nacked = max(self._nacked, delivery_tag)
        self._confirmed = max(self._confirmed, delivery_tag)

    def _on_return(self, exc, exchange, routing_key, message) -> None:
        self._returned.add(message.properties.get("message_id") or "")

    def _batch_channel(self):
        if self._batch_conn is None:
            from kombu import Connection, Producer

            connection = Connection(self.settings.amqp_uri, heartbeat=0)
            connection.connect()
            channel = connection.channel()
            channel.events["basic_return"].add(self._on_return)
            channel.confirm_select()
            self._batch_conn, self._batch_chan = connection, channel
            self._batch_producer = Producer(channel, serializer="json")
            self._next_tag, self._confirmed, self._nacked = 1, 0, 0
        return self._batch_chan

    def _drop_batch_channel(self) -> None:
        connection, self._batch_conn, self._batch_chan = self._batch_conn, None, None
        if connection is not None:
            try:
                # without network I/O: closing politely would wait, with no timeout, for a
                # broker that may have gone silent, holding the batch lock meanwhile
                connection.collect()
            except Exception:  # already broken
                pass

    def close(self) -> None:
        with self._batch_lock:
            self._drop_batch_channel()

    def publish_to_queue(self, queue: str, body: Any, headers: dict[str, Any]) -> None:
        """Put a message straight onto one consumer's queue (retries and dead-letter replays)."""
        self._publisher.publish(body, exchange="", routing_key=queue, extra_headers=headers)


def _context_headers(message: dict[str, Any]) -> dict[str, Any]:
    correlation_id = message.get("correlationid")
    return {"nameko.correlation_id": correlation_id} if correlation_id else {}
