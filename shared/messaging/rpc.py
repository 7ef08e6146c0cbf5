"""RPC: calls from the gateway with a deadline, and an `rpc` entrypoint that survives a
broker outage.

nameko's in-service `RpcProxy` waits forever, and a request left in the queue of a dead
service runs whenever the service comes back. `TimedRpc` gives each call a deadline: the
request message expires on the broker when the deadline passes (`expiration`), and the caller
stops waiting and gets `ServiceUnavailable` (a 503 problem) instead of hanging.

Services run together in one process (`pavilion run gateway issues`, configured with
`IN_PROCESS_RPC_KEY`) call each other in that process: the request becomes a worker of the
called service's container directly, without the two broker messages. The contract is the
broker's: the same entrypoint, signature check, context data (correlation id), worker pool,
deadline, JSON round trip of the result and exceptions as they cross the broker; a request
still waiting for a worker at its deadline never runs. Decision 0006.
"""

from __future__ import annotations

import sys
import time
import warnings

import eventlet
from eventlet.event import Event
from kombu import Connection, serialization
from kombu.entity import TRANSIENT_DELIVERY_MODE as TRANSIENT
from kombu.exceptions import ChannelError, OperationalError
from kombu.pools import producers
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    CALL_ID_STACK_CONTEXT_KEY,
    DEFAULT_SERIALIZER,
    DEFAULT_TRANSPORT_OPTIONS,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import (
    ContainerBeingKilled,
    UnknownService,
    UnserializableValueError,
    deserialize,
    serialize,
)
from nameko.extensions import DependencyProvider
from nameko.messaging import QueueConsumer
from nameko.rpc import MethodProxy, ReplyListener, Responder, RpcConsumer, get_rpc_exchange
from nameko.rpc import Rpc as NamekoRpc

from shared.db.engine import as_unavailable
from shared.errors import ServiceUnavailable
from shared.logging import get_logger
from shared.metrics import RPC_SECONDS

log = get_logger(__name__)

# container config key: this process runs its services' RPC calls to each other in-process
IN_PROCESS_RPC_KEY = "IN_PROCESS_RPC"
# the RPC consumers of this process's running services that take in-process calls, by name
_in_process: dict[str, list[RpcConsumer]] = {}


def _answerable(exc_info):
    """`exc_info` as the caller should get it: a busy or unreachable database as a 503."""
    if exc_info is not None:
        unavailable = as_unavailable(exc_info[1])
        if unavailable is not None:
            return (type(unavailable), unavailable, exc_info[2])
    return exc_info


def _round_trip(value, serializer: str):
    """`value` as it arrives at the other end of the broker (a tuple as a list, …)."""
    content_type, encoding, body = serialization.dumps(value, serializer)
    return serialization.loads(body, content_type, encoding)


def _live_consumer(service: str) -> RpcConsumer | None:
    """The RPC consumer of `service` in this process that takes in-process calls, if any."""
    for consumer in _in_process.get(service, ()):
        container = consumer.container
        if not container._being_killed and not container._died.ready():
            return consumer
    return None


def _as_across_the_broker(exc: BaseException) -> Exception:
    """The exception a caller gets when `exc` is raised by the service at the other end of
    the broker (a registered Pavilion error as itself, anything else as `RemoteError`)."""
    return deserialize(serialize(exc))


class PooledPublisher(Publisher):
    """nameko's `Publisher` (confirms, `mandatory`, retry policy, `UndeliverableMessage`),
    except that it builds its kombu `Connection` once and keeps its producer pool, instead of
    building a `Connection` and looking the pool up for every message. One instance is shared
    by every worker of a service (the pool is safe for concurrent green threads)."""

    def __init__(self, amqp_uri, ssl=None, login_method=None, **options):
        super().__init__(amqp_uri, ssl=ssl, login_method=login_method, **options)
        transport_options = DEFAULT_TRANSPORT_OPTIONS.copy()
        transport_options["confirm_publish"] = self.use_confirms
        self._connection = Connection(
            amqp_uri, transport_options=transport_options, ssl=ssl, login_method=login_method
        )
        self._producers = producers[self._connection]

    def publish(self, payload, **kwargs):
        publish_kwargs = self.publish_kwargs.copy()
        headers = publish_kwargs.pop("headers", {}).copy()
        headers.update(kwargs.pop("headers", {}))
        headers.update(kwargs.pop("extra_headers", {}))
        options = {
            name: kwargs.pop(name, getattr(self, name))
            for name in (
                "delivery_mode",
                "mandatory",
                "priority",
                "expiration",
                "serializer",
                "compression",
                "retry",
                "retry_policy",
            )
        }
        declare = [*self.declare, *kwargs.pop("declare", ())]
        publish_kwargs.update(kwargs)
        with self._producers.acquire(block=True) as producer:
            try:
                producer.publish(
                    payload, headers=headers, declare=declare, **options, **publish_kwargs
                )
            except ChannelError as exc:
                if "NO_ROUTE" in str(exc):
                    raise UndeliverableMessage() from None
                raise
            if options["mandatory"] and not self.use_confirms:
                warnings.warn(
                    "mandatory without confirms cannot detect unroutable messages",
                    stacklevel=2,
                )


class _PooledMethodProxy(MethodProxy):
    """nameko's `MethodProxy` with a publisher given (shared) instead of built per call."""

    def __init__(self, worker_ctx, service_name, method_name, reply_listener, publisher):
        self.worker_ctx = worker_ctx
        self.service_name = service_name
        self.method_name = method_name
        self.reply_listener = reply_listener
        self.publisher = publisher


class TimedServiceProxy:
    def __init__(
        self,
        worker_ctx,
        service: str,
        reply_listener,
        timeout: float,
        embedded: bool,
        publisher: Publisher | None = None,
        in_process: bool = False,
    ):
        self._worker_ctx = worker_ctx
        self._service = service
        self._reply_listener = reply_listener
        self._timeout = timeout
        self._embedded = embedded
        self._publisher = publisher
        self._in_process = in_process

    def __getattr__(self, method: str):
        if method.startswith("_"):
            raise AttributeError(method)

        def call(*args, **kwargs):
            consumer = _live_consumer(self._service) if self._in_process else None
            if consumer is not None:
                return self._call_in_process(consumer, method, args, kwargs)
            if self._publisher is not None:
                proxy = _PooledMethodProxy(
                    self._worker_ctx, self._service, method, self._reply_listener, self._publisher
                )
            else:
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

    def _call_in_process(self, consumer: RpcConsumer, method: str, args, kwargs):
        container = consumer.container
        serializer = container.config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER)
        started = time.perf_counter()
        outcome = "error"
        try:
            # the request as the broker would carry it: arguments through the serializer (a
            # value it cannot encode fails here, in the caller), then the callee's checks
            request = _round_trip({"args": args, "kwargs": kwargs}, serializer)
            try:
                provider = consumer.get_provider_for_method(f"{self._service}.{method}")
                provider.check_signature(request["args"], request["kwargs"])
            except Exception as exc:  # MethodNotFound, IncorrectSignature
                raise _as_across_the_broker(exc) from None
            # and what it sends as headers: the context data and the call id stack
            data = {k: v for k, v in self._worker_ctx.context_data.items() if v is not None}
            data[CALL_ID_STACK_CONTEXT_KEY] = self._worker_ctx.call_id_stack
            done = Event()

            def handle_result(_worker_ctx, result, exc_info):
                exc_info = _answerable(exc_info)
                if exc_info is None:
                    try:
                        result = _round_trip(result, serializer)
                    except Exception:  # as nameko's Responder: the caller is told
                        done.send((None, UnserializableValueError(result)))
                        return None, sys.exc_info()
                done.send((result, None if exc_info is None else exc_info[1]))
                return result, exc_info

            def worker_ended(_thread) -> None:
                if not done.ready():  # killed before it could answer
                    done.send((None, ContainerBeingKilled()))

            try:
                # the deadline covers the wait for a free worker too: a request still
                # waiting then is dropped, as an expired message is
                with eventlet.Timeout(self._timeout):
                    try:
                        worker_ctx = container.spawn_worker(
                            provider,
                            request["args"],
                            request["kwargs"],
                            context_data=data,
                            handle_result=handle_result,
                        )
                    except ContainerBeingKilled:
                        raise ServiceUnavailable(
                            "service-unavailable", f"The {self._service} service is stopping."
                        ) from None
                    container._worker_threads[worker_ctx].link(worker_ended)
                    result, error = done.wait()
            except eventlet.Timeout:
                outcome = "timeout"
                raise ServiceUnavailable(
                    "service-timeout",
                    f"The {self._service} service did not answer within {self._timeout:g} s.",
                ) from None
            if isinstance(error, ContainerBeingKilled):
                raise ServiceUnavailable(
                    "service-unavailable", f"The {self._service} service stopped."
                )
            if error is not None:
                raise _as_across_the_broker(error)
            outcome = "ok"
            return result
        finally:
            RPC_SECONDS.labels(self._service, method, outcome).observe(
                time.perf_counter() - started
            )

    def _forget(self, reply) -> None:
        events = self._reply_listener._reply_events
        for correlation_id, event in list(events.items()):
            if event is reply.reply_event:
                events.pop(correlation_id, None)


class _ReplyConsumer(QueueConsumer):
    """Consumes RPC replies without acknowledgements, each handled where it arrives.

    A reply is worth something only to the caller waiting in this process; acknowledging it
    would cost a frame each way per call, and a green thread per reply would cost more than
    handing the body to the waiting caller. A reply lost with the connection costs the caller
    its deadline, as with any lost reply (`TimedServiceProxy`)."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for consumer in consumers:
            consumer.no_ack = True
        return consumers

    def handle_message(self, provider, body, message):
        provider.handle_message(body, message)

    def ack_message(self, message):
        pass  # consumed with no_ack: nothing to acknowledge


class _ReplyListener(ReplyListener):
    queue_consumer = _ReplyConsumer()


class TimedRpc(DependencyProvider):
    rpc_reply_listener = _ReplyListener()

    def __init__(self, service: str):
        self.service = service
        self._publisher = None

    def setup(self) -> None:
        settings = self.container.config["PAVILION"]
        if not settings.embedded:
            # one publisher (kombu connection + producer pool) for every call of this proxy;
            # requests expire on the broker at the deadline
            self._publisher = PooledPublisher(
                self.container.config[AMQP_URI_CONFIG_KEY],
                ssl=self.container.config.get(AMQP_SSL_CONFIG_KEY),
                login_method=self.container.config.get(LOGIN_METHOD_CONFIG_KEY),
                serializer=self.container.config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
                expiration=settings.rpc_timeout,
                # a request outlives no broker restart: it expires at its deadline anyway,
                # and the caller is answered 503. Confirmed and mandatory still, so a
                # service with no queue is told at once (`UnknownService`).
                delivery_mode=TRANSIENT,
            )

    def get_dependency(self, worker_ctx) -> TimedServiceProxy:
        settings = self.container.config["PAVILION"]
        return TimedServiceProxy(
            worker_ctx,
            self.service,
            self.rpc_reply_listener,
            settings.rpc_timeout,
            settings.embedded,
            self._publisher,
            in_process=bool(self.container.config.get(IN_PROCESS_RPC_KEY)),
        )


class ResilientRpcConsumer(RpcConsumer):
    """nameko's RPC consumer, except that a reply which cannot be published (the broker went
    away mid-call) no longer kills the whole service container. The request stays unacked
    (or is requeued while the channel lives), so the broker delivers it again and the caller,
    which sent an idempotency key, gets the first result."""

    _publisher = None

    def _reply_publisher(self) -> Publisher | None:
        """One reply publisher per service (nameko builds one per reply); None in embedded
        mode, where nameko's own path serves the in-memory transport."""
        if self._publisher is None:
            config = self.container.config
            if config["PAVILION"].embedded:
                return None
            # replies are transient and unconfirmed: a reply lost with a broken connection
            # costs the caller its deadline and a 503 (the state is committed, and a retry
            # with the same idempotency key gets the first result), where a confirm would
            # cost every call a round trip to the broker
            self._publisher = PooledPublisher(
                config[AMQP_URI_CONFIG_KEY],
                ssl=config.get(AMQP_SSL_CONFIG_KEY),
                login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
                use_confirms=False,
                delivery_mode=TRANSIENT,
            )
        return self._publisher

    def _send_reply(self, message, result, exc_info):
        publisher = self._reply_publisher()
        if publisher is None:
            return super().handle_result(message, result, exc_info)
        config = self.container.config
        responder = Responder(
            config[AMQP_URI_CONFIG_KEY],
            get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
            message,
        )
        responder.publisher_cls = lambda *_args, **_kwargs: publisher
        result, exc_info = responder.send_response(result, exc_info)
        self.queue_consumer.ack_message(message)
        return result, exc_info

    def handle_result(self, message, result, exc_info):
        try:
            return self._send_reply(message, result, exc_info)
        except Exception as exc:
            log.warning("rpc.reply_failed", error=str(exc))
            self.queue_consumer.requeue_message(message)
            return result, exc_info


class Rpc(NamekoRpc):
    rpc_consumer = ResilientRpcConsumer()

    def handle_result(self, message, worker_ctx, result, exc_info):
        return super().handle_result(message, worker_ctx, result, _answerable(exc_info))

    def start(self) -> None:
        super().start()
        if self.container.config.get(IN_PROCESS_RPC_KEY):
            consumers = _in_process.setdefault(self.container.service_name, [])
            if self.rpc_consumer not in consumers:
                consumers.append(self.rpc_consumer)

    def _withdraw(self) -> None:
        consumers = _in_process.get(self.container.service_name, [])
        if self.rpc_consumer in consumers:
            consumers.remove(self.rpc_consumer)

    def stop(self) -> None:
        # before the container waits for its workers: no in-process call starts one after
        self._withdraw()
        super().stop()

    def kill(self) -> None:
        self._withdraw()
        super().kill()


# every Pavilion service uses this `rpc`: nameko's own would start a second consumer on the
# same queue
rpc = Rpc.decorator
