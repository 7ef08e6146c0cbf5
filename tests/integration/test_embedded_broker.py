"""The in-process broker of embedded mode carries nameko RPC and events."""

from __future__ import annotations

import uuid
from dataclasses import replace

from nameko.containers import ServiceContainer
from nameko.events import EventDispatcher, event_handler
from nameko.testing.services import entrypoint_hook

from shared.config import Settings
from shared.messaging.rpc import TimedRpc, rpc
from tests.support.processes import wait_until

heard: list[dict] = []


class Echo:
    name = "issues"
    dispatch = EventDispatcher()

    @rpc
    def echo(self, value):
        self.dispatch("echoed", {"value": value})
        return value


class Listener:
    name = "notifications"

    @event_handler("issues", "echoed")
    def on_echoed(self, payload):
        heard.append(payload)


class Caller:
    name = "gateway"
    issues = TimedRpc("issues")

    @rpc
    def call(self, value):
        return self.issues.echo(value)


def test_rpc_and_events_work_over_the_in_process_broker(tmp_path):
    settings = replace(Settings.from_env(), amqp_uri=f"pavilion-memory://{uuid.uuid4().hex}")
    containers = [
        ServiceContainer(cls, settings.nameko_config(cls.name)) for cls in (Echo, Listener, Caller)
    ]
    for container in containers:
        container.start()
    try:
        with entrypoint_hook(containers[2], "call") as call:
            assert call("你好") == "你好"
        wait_until(lambda: heard == [{"value": "你好"}], 5, message="the event")
    finally:
        for container in containers:
            container.stop()
