"""Services run together in one process call each other there (decision 0006), with the
broker path's contract: answers and errors as they would cross the broker, the caller's
correlation id, the deadline, and a request that waited past its deadline never runs. Once
the called service stops, calls go through the broker again."""

from __future__ import annotations

from contextlib import contextmanager

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.exceptions import IncorrectSignature, MethodNotFound, RemoteError
from nameko.testing.services import entrypoint_hook

from shared.errors import NotFound, ServiceUnavailable
from shared.logging import CONTEXT_KEY, CorrelationId
from shared.messaging.rpc import IN_PROCESS_RPC_KEY, TimedRpc, rpc
from tests.support.rpc_spy import spy_on_requests


class Ran:
    labels: list[str] = []


class IssuesStandIn:
    name = "issues"
    correlation_id = CorrelationId()

    @rpc
    def echo(self, value):
        Ran.labels.append(value)
        return (value, {"n": 1})  # a tuple comes back a list, as JSON makes it

    @rpc
    def slow(self, label, seconds):
        Ran.labels.append(label)
        eventlet.sleep(seconds)
        return label

    @rpc
    def missing(self, issue_id):
        raise NotFound("issue-not-found", f"No issue {issue_id}.")

    @rpc
    def broken(self):
        raise KeyError("oops")

    @rpc
    def unserializable(self):
        return object()

    @rpc
    def correlation(self):
        return self.correlation_id


class Gateway:
    name = "gateway"
    issues = TimedRpc("issues")

    @rpc
    def call(self, method, *args):
        return getattr(self.issues, method)(*args)


def _config(settings, service, **extra):
    return {**settings.nameko_config(service), IN_PROCESS_RPC_KEY: True, **extra}


@contextmanager
def running(*containers: ServiceContainer):
    started = []
    try:
        for container in containers:
            container.start()
            started.append(container)
        yield containers
    finally:
        for container in reversed(started):
            container.stop()


def test_calls_run_in_process_with_the_broker_contract(settings):
    Ran.labels = []
    issues = ServiceContainer(IssuesStandIn, _config(settings, "issues"))
    gateway = ServiceContainer(Gateway, _config(settings, "gateway"))
    with running(issues, gateway), spy_on_requests(settings) as requests_through_broker:
        with entrypoint_hook(gateway, "call") as call:
            assert call("echo", "a") == ["a", {"n": 1}]
            with pytest.raises(NotFound) as not_found:
                call("missing", "iss-1")
            assert not_found.value.code == "issue-not-found"
            assert "iss-1" in not_found.value.detail
            with pytest.raises(RemoteError) as broken:
                call("broken")
            assert broken.value.exc_type == "KeyError"
            with pytest.raises(RemoteError) as unserializable:
                call("unserializable")
            assert unserializable.value.exc_type == "UnserializableValueError"
            with pytest.raises(IncorrectSignature):
                call("echo")
            with pytest.raises(MethodNotFound):
                call("no_such_method")
        with entrypoint_hook(gateway, "call", context_data={CONTEXT_KEY: "corr-here"}) as call:
            assert call("correlation") == "corr-here"
        assert requests_through_broker() == 0
    assert Ran.labels == ["a"]  # the refused signature never ran


def test_a_request_waiting_for_a_worker_past_its_deadline_never_runs(settings):
    Ran.labels = []
    # one worker: a second call waits for it; the deadline (1 s) passes first
    issues = ServiceContainer(IssuesStandIn, _config(settings, "issues", max_workers=1))
    gateway = ServiceContainer(Gateway, _config(settings, "gateway"))
    with running(issues, gateway), spy_on_requests(settings) as requests_through_broker:
        with entrypoint_hook(gateway, "call") as call:
            busy = eventlet.spawn(call, "slow", "first", 1.5)
            eventlet.sleep(0.1)
            with pytest.raises(ServiceUnavailable) as late:
                call("slow", "stale", 0)
            assert late.value.code == "service-timeout"
            with pytest.raises(ServiceUnavailable):
                busy.wait()  # the running call outlived its deadline too
        eventlet.sleep(0.7)  # the first call has finished: the stale one would run now
        with entrypoint_hook(gateway, "call") as call:
            assert call("slow", "fresh", 0) == "fresh"
        assert requests_through_broker() == 0
    assert Ran.labels == ["first", "fresh"]


def _together_and_elsewhere(settings):
    """Issues and gateway together, and a replica of issues elsewhere that takes requests
    from the broker only."""
    return (
        ServiceContainer(IssuesStandIn, _config(settings, "issues")),
        ServiceContainer(Gateway, _config(settings, "gateway")),
        ServiceContainer(IssuesStandIn, settings.nameko_config("issues")),
    )


def test_once_the_service_stops_calls_go_through_the_broker_again(settings):
    Ran.labels = []
    issues, gateway, elsewhere = _together_and_elsewhere(settings)
    with running(issues, gateway, elsewhere), spy_on_requests(settings) as through_broker:
        with entrypoint_hook(gateway, "call") as call:
            assert call("echo", "here") == ["here", {"n": 1}]
        assert through_broker() == 0
        issues.stop()
        with entrypoint_hook(gateway, "call") as call:
            assert call("echo", "there") == ["there", {"n": 1}]
        assert through_broker() == 1
    assert Ran.labels == ["here", "there"]


def test_a_killed_service_answers_its_callers_at_once_and_calls_go_to_the_broker(settings):
    Ran.labels = []
    issues, gateway, elsewhere = _together_and_elsewhere(settings)
    with running(issues, gateway, elsewhere), spy_on_requests(settings) as through_broker:
        with entrypoint_hook(gateway, "call") as call:
            waiting = eventlet.spawn(call, "slow", "cut short", 5)
            eventlet.sleep(0.2)
            issues.kill()
            with pytest.raises(ServiceUnavailable) as cut:
                waiting.wait()
            # told that the service went away, before the deadline (1 s) ran out
            assert cut.value.code == "service-unavailable"
            assert call("echo", "there") == ["there", {"n": 1}]
        assert through_broker() == 1
    assert Ran.labels == ["cut short", "there"]
