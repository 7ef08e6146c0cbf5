"""A spy on the RPC requests that go through RabbitMQ."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import eventlet
from kombu import Connection, Exchange, Queue


@contextmanager
def spy_on_requests(settings, service: str = "issues"):
    """A queue bound like `service`'s RPC queue, consumed as messages arrive (they
    expire at the call's deadline): it sees every request that went through the broker."""
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    queue = Queue(
        f"spy-{service}-rpc-{uuid.uuid4().hex[:8]}",
        exchange=exchange,
        routing_key=f"{service}.*",
        durable=False,
    )
    seen: list[str] = []
    stopping = []
    with Connection(settings.amqp_uri) as connection:
        channel = connection.channel()
        queue(channel).declare()

        def record(body, message):
            seen.append(message.delivery_info["routing_key"])
            message.ack()

        def drain():
            with connection.Consumer(queue, callbacks=[record], channel=channel):
                while not stopping:
                    try:
                        connection.drain_events(timeout=0.05)
                    except TimeoutError:
                        pass

        spying = eventlet.spawn(drain)
        try:
            yield lambda: (eventlet.sleep(0.2), len(seen))[1]
        finally:
            stopping.append(True)
            spying.wait()
            queue(channel).delete()
