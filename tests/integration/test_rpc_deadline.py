"""RPC from the gateway has a deadline: a dead service gives a clear ServiceUnavailable, not a
hang, and the abandoned request is never run later when the service comes back."""

from __future__ import annotations

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook

from shared.errors import ServiceUnavailable
from shared.messaging.rpc import TimedRpc, rpc


class Ran:
    calls: list[str] = []


class IssuesStandIn:
    name = "issues"

    @rpc
    def ping(self, label):
        Ran.calls.append(label)
        return label


class Caller:
    name = "gateway"
    issues = TimedRpc("issues")

    @rpc
    def call(self, label):
        return self.issues.ping(label)


def test_a_call_to_a_stopped_service_times_out_and_never_runs_later(settings):
    Ran.calls = []
    issues = ServiceContainer(IssuesStandIn, settings.nameko_config("issues"))
    issues.start()
    caller = ServiceContainer(Caller, settings.nameko_config("gateway"))
    caller.start()
    try:
        with entrypoint_hook(caller, "call") as call:
            assert call("warm") == "warm"
        issues.stop()  # its queue stays: requests now wait there

        with entrypoint_hook(caller, "call") as call, pytest.raises(ServiceUnavailable) as refused:
            call("stale")
        assert refused.value.code == "service-timeout"

        issues = ServiceContainer(IssuesStandIn, settings.nameko_config("issues"))
        issues.start()
        with entrypoint_hook(caller, "call") as call:
            assert call("fresh") == "fresh"
        assert Ran.calls == ["warm", "fresh"]  # the stale request expired on the broker
    finally:
        caller.stop()
        issues.stop()
