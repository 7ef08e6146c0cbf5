"""RPC: calls from the gateway with a deadline, and an `rpc` entrypoint that survives a
broker outage.

nameko's in-service `RpcProxy` waits forever, and a request left in the queue of a dead
service runs whenever the service comes back. `TimedRpc` gives each call a deadline: the
request message expires on the broker when the deadline passes (`expiration`), and the caller
stops waiting and gets `ServiceUnavailable` (a 503 problem) instead of hanging.
"""

from __future__ import annotations

import time

import eventlet
from kombu.exceptions import OperationalError
from nameko.exceptions import UnknownService
from nameko.extensions import DependencyProvider
from nameko.rpc import MethodProxy, ReplyListener, RpcConsumer
from nameko.rpc import Rpc as NamekoRpc

from shared.errors import ServiceUnavailable
from shared.logging import get_logger
from shared.metrics import RPC_SECONDS

log = get_logger(__name__)


class TimedServiceProxy:
    def __init__(self, worker_ctx, service: str, reply_listener, timeout: float, embedded: bool):
        self._worker_ctx = worker_ctx
        self._service = service
        self._reply_listener = reply_listener
        self._timeout = timeout
        self._embedded = embedded

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args, **kwargs):
            options = {} if self._embedded else {"expiration": self._timeout}
            proxy = MethodProxy(
                self._worker_ctx, self._service, method, self._reply_listener, **options
            )
            try:
                reply = proxy.call_async(*args, **kwargs)
            except UnknownService:
                raise ServiceUnavailable(
                    "service-unavailable", f"The {self._service} service is not running."
                ) from None
            except (OSError, OperationalError) as exc:
                raise ServiceUnavailable(
                    "broker-unavailable", f"The message broker cannot be reached ({exc})."
                ) from None
            started = time.perf_counter()
            outcome = "ok"
            try:
                with eventlet.Timeout(self._timeout):
                    return reply.result()
            except eventlet.Timeout:
                outcome = "timeout"
                self._forget(reply)
                raise ServiceUnavailable(
                    "service-timeout",
                    f"The {self._service} service did not answer within {self._timeout:g} s.",
                ) from None
            except Exception:
                outcome = "error"
                raise
            finally:
                RPC_SECONDS.labels(self._service, method, outcome).observe(
                    time.perf_counter() - started
                )

        return call

    def _forget(self, reply) -> None:
        events = self._reply_listener._reply_events
        for correlation_id, event in list(events.items()):
            if event is reply.reply_event:
                events.pop(correlation_id, None)


class TimedRpc(DependencyProvider):
    rpc_reply_listener = ReplyListener()

    def __init__(self, service: str):
        self.service = service

    def get_dependency(self, worker_ctx) -> TimedServiceProxy:
        settings = self.container.config["PAVILION"]
        return TimedServiceProxy(
            worker_ctx,
            self.service,
            self.rpc_reply_listener,
            settings.rpc_timeout,
            settings.embedded,
        )


class ResilientRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that a reply which cannot be published (the broker went
    away mid-call) no longer kills the whole service container. The request stays unacked
    (or is requeued while the channel lives), so the broker delivers it again and the caller,
    which sent an idempotency key, gets the first result."""

    def handle_result(self, message, result, exc_info):
        try:
            return super().handle_result(message, result, exc_info)
        except Exception as exc:
            log.warning("rpc.reply_failed", error=str(exc))
            self.queue_consumer.requeue_message(message)
            return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = ResilientRpcConsumer()


# every Pavilion service uses this `rpc`: nameko's own would start a second consumer on the
# same queue
rpc = Rpc.decorator
