"""`ServiceKit`: the one dependency a Pavilion service declares to get its database, the
transactional outbox, the inbox, parked-event retries and the dead-letter operations.

    class IssuesService(DeadLetterOps):
        name = "issues"
        kit = ServiceKit()

        @rpc
        def report_issue(self, ...):
            return handlers.report_issue(self.kit, ...)
"""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from shared import metrics
from shared.config import Settings
from shared.db import UnitOfWork, create_db_engine
from shared.logging import CONTEXT_KEY, get_logger
from shared.messaging import parking
from shared.messaging.outbox import OutboxRelay
from shared.messaging.publisher import ConfirmedPublisher
from shared.messaging.rpc import rpc

log = get_logger(__name__)


class KitHandle:
    """What a worker sees: units of work bound to its correlation id and the relay."""

    def __init__(self, kit: ServiceKit, worker_ctx) -> None:
        self._kit = kit
        self.engine = kit.engine
        self.settings = kit.settings
        self.correlation_id = worker_ctx.context_data.get(CONTEXT_KEY)
        self.consumer = f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}"

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.engine, correlation_id=self.correlation_id, after_commit=self._kit.relay.enqueue
        )


class ServiceKit(DependencyProvider):
    def setup(self) -> None:
        self.settings: Settings = self.container.config["PAVILION"]
        service = self.container.service_name
        self.engine = create_db_engine(
            self.settings.database_url(service), pool_size=self.container.config["max_workers"]
        )
        self.publisher = ConfirmedPublisher(self.settings)
        self.relay = OutboxRelay(self.engine, self.publisher, self.settings, service)
        self.redeliverer = parking.Redeliverer(self.engine, self.publisher, self.settings)

    def start(self) -> None:
        self.publisher.declare_topology()
        self.relay.start()
        self.redeliverer.start()
        metrics.watch_backlog(self.container.service_name, self.engine)
        metrics.serve(self.settings.metrics_port)

    def stop(self) -> None:
        self.relay.stop()
        self.redeliverer.stop()
        metrics.forget(self.container.service_name)
        self.engine.dispose()

    def kill(self) -> None:
        self.stop()

    def get_dependency(self, worker_ctx) -> KitHandle:
        return KitHandle(self, worker_ctx)


class DeadLetterOps:
    """RPC methods every service offers ops (through the gateway and `pavilion dead-letters`)."""

    kit: KitHandle

    @rpc
    def dead_letters_list(self, status: str | None = "dead", limit: int = 100):
        return parking.list_parked(self.kit.engine, status, limit)

    @rpc(expected_exceptions=parking.NotFound)
    def dead_letters_show(self, parked_id: str):
        return parking.show_parked(self.kit.engine, parked_id)

    @rpc(expected_exceptions=(parking.NotFound, parking.Conflict))
    def dead_letters_replay(self, parked_id: str):
        return parking.replay_parked(self.kit.engine, parked_id)

    @rpc(expected_exceptions=parking.NotFound)
    def dead_letters_discard(self, parked_id: str):
        return parking.discard_parked(self.kit.engine, parked_id)

    @rpc
    def ping(self):
        """Readiness: the service answers RPC and reaches its database."""
        from sqlalchemy import text

        with self.kit.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"service": self.kit.consumer.split(".")[0], "ok": True}
