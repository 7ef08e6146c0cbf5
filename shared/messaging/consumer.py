"""`event_consumer`: the retrying event entrypoint.

Unlike nameko's `event_handler` (which acks a failed event away, or requeues it in a hot
loop), a failure here parks the event with its attempt count (committed before the ack) and
the redeliverer brings it back after an exponential backoff; after the last attempt it stays
as a dead letter. A message that cannot be decoded, or is not a valid event of the
catalogue, is parked as a dead letter at once — never dropped.

The handler receives a loaded `Envelope`; it must record the event in its inbox in the same
transaction as its effect (`uow.first_time_handling`), which makes redeliveries harmless.
"""

from __future__ import annotations

import json
import traceback
from functools import partial

import eventlet
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from shared.events import CATALOGUE
from shared.logging import CONTEXT_KEY, get_logger
from shared.metrics import EVENTS_FAILED, EVENTS_HANDLED

from .parking import park
from .topology import RETRY_HEADER, is_subscribed, subscription_queue

log = get_logger(__name__)


class ParkingQueueConsumer(QueueConsumer):
    """nameko's queue consumer, but a body kombu cannot decode goes to the provider's
    `handle_undecodable` instead of being acked and dropped."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            if hasattr(provider, "handle_undecodable"):
                consumer.on_decode_error = provider.handle_undecodable
        return consumers


class EventConsumer(Consumer):
    queue_consumer = ParkingQueueConsumer()

    def __init__(self, event_type: str, **kwargs):
        self.event_type = event_type
        super().__init__(queue=None, **kwargs)

    # -- set-up -------------------------------------------------------------------------------
    def setup(self):
        service = self.container.service_name
        if not is_subscribed(self.event_type, service, self.method_name):
            raise RuntimeError(
                f"{service}.{self.method_name} consumes {self.event_type} but is not listed in "
                "shared/messaging/subscriptions/"
            )
        self.settings = self.container.config["PAVILION"]
        self.queue = subscription_queue(self.event_type, service, self.method_name, self.settings)
        super().setup()

    @property
    def consumer_name(self) -> str:
        return f"{self.container.service_name}.{self.method_name}"

    def _engine(self):
        from shared.kit import ServiceKit

        for dependency in self.container.dependencies:
            if isinstance(dependency, ServiceKit):
                return dependency.engine
        raise RuntimeError(f"{self.container.service_name} has no ServiceKit dependency")

    # -- messages -----------------------------------------------------------------------------
    def handle_message(self, body, message):
        try:
            envelope = CATALOGUE.load(body)
        except Exception as exc:
            self._park_and_ack(message, json.dumps(body, ensure_ascii=False), repr(exc), dead=True)
            return
        context_data = self.unpack_message_headers(message)
        context_data[CONTEXT_KEY] = envelope.correlationid or context_data.get(CONTEXT_KEY)
        handle_result = partial(self.handle_event_result, message, body, envelope)
        try:
            self.container.spawn_worker(
                self, (envelope,), {}, context_data=context_data, handle_result=handle_result
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_undecodable(self, message, exc):
        raw = message.body
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        self._park_and_ack(message, text, f"undecodable message: {exc!r}", dead=True)

    def handle_event_result(self, message, body, envelope, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            EVENTS_HANDLED.labels(self.consumer_name, envelope.type).inc()
            log.info(
                "event.handled",
                consumer=self.consumer_name,
                event_id=envelope.id,
                event_type=envelope.type,
            )
            return result, exc_info
        error = "".join(traceback.format_exception(*exc_info))
        self._park_and_ack(
            message,
            json.dumps(body, ensure_ascii=False),
            error,
            event_id=envelope.id,
            event_type=envelope.type,
        )
        return result, exc_info

    def _park_and_ack(
        self, message, body_text, error, *, event_id=None, event_type=None, dead=False
    ):
        attempt = int((message.headers or {}).get(RETRY_HEADER, 1))
        try:
            status = park(
                self._engine(),
                self.settings,
                queue=self.queue.name,
                consumer=self.consumer_name,
                body=body_text,
                headers=message.headers or {},
                attempt=attempt,
                error=error,
                event_id=event_id,
                event_type=event_type,
                dead_now=dead,
            )
        except Exception as exc:
            # the database is unavailable too: keep the message on the broker and slow down
            log.error("event.park_failed", consumer=self.consumer_name, error=str(exc))
            eventlet.sleep(self.settings.retry_base_delay)
            self.queue_consumer.requeue_message(message)
            return
        EVENTS_FAILED.labels(self.consumer_name, status).inc()
        self.queue_consumer.ack_message(message)


event_consumer = EventConsumer.decorator
