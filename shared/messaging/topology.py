"""Exchanges, queues and the table of subscriptions: who consumes which event.

Every service declares every subscription queue at start, whatever the start order, so an
event is never published into an exchange with no queue bound (RabbitMQ would drop it). The
subscription table is part of the event contract: a consumer entrypoint that is not listed
in `subscriptions/` refuses to start, and the contract test checks the table against the
catalogue and the entrypoints.
"""

from __future__ import annotations

from kombu import Exchange, Queue

from shared.config import Settings

from .subscriptions import issues, notifications, volunteers

# (event type, consuming service, handler method), one module per consuming service
SUBSCRIPTIONS: tuple[tuple[str, str, str], ...] = (
    *issues.SUBSCRIPTIONS,
    *volunteers.SUBSCRIPTIONS,
    *notifications.SUBSCRIPTIONS,
)

RETRY_HEADER = "x-pavilion-attempt"


def event_exchange(source_service: str) -> Exchange:
    # the same name and type nameko's EventDispatcher uses, so plain nameko handlers interoperate
    return Exchange(f"{source_service}.events", type="topic", durable=True, auto_delete=False)


def queue_name(event_type: str, service: str, method: str) -> str:
    source, name = event_type.split(".", 1)
    return f"evt-{source}-{name}--{service}.{method}"


def subscription_queue(event_type: str, service: str, method: str, settings: Settings) -> Queue:
    arguments = {}
    if not settings.embedded and settings.queue_type == "quorum":
        arguments["x-queue-type"] = "quorum"
    return Queue(
        queue_name(event_type, service, method),
        exchange=event_exchange(event_type.split(".", 1)[0]),
        routing_key=event_type,
        durable=True,
        auto_delete=False,
        queue_arguments=arguments,
    )


def all_subscription_queues(settings: Settings) -> list[Queue]:
    return [subscription_queue(t, s, m, settings) for t, s, m in SUBSCRIPTIONS]


def is_subscribed(event_type: str, service: str, method: str) -> bool:
    return (event_type, service, method) in SUBSCRIPTIONS
