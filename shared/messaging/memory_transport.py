"""The in-process broker of embedded mode: kombu's memory transport, made to carry the
message properties that nameko's RPC reads (`content_type`, `content_encoding`, `reply_to`,
`correlation_id`), which the stock transport keeps elsewhere or drops.

Registered with kombu as `pavilion-memory://`.
"""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES, memory

SCHEME = "pavilion-memory"


class Channel(memory.Channel):
    def prepare_message(
        self,
        body,
        priority=None,
        content_type=None,
        content_encoding=None,
        headers=None,
        properties=None,
    ):
        properties = dict(properties or {})
        properties.setdefault("content_type", content_type)
        properties.setdefault("content_encoding", content_encoding)
        return super().prepare_message(
            body, priority, content_type, content_encoding, headers, properties
        )


class Transport(memory.Transport):
    Channel = Channel
    driver_type = "memory"
    driver_name = "pavilion-memory"
    # the stock 1 s poll would add up to a second per hop; 10 ms costs little idle CPU
    polling_interval = 0.01


def register() -> None:
    TRANSPORT_ALIASES.setdefault(SCHEME, f"{__name__}:Transport")


register()
