"""A stand-in for a service's kit in integration tests: use cases run on the service's real
database; the running container's outbox relay publishes what they record."""

from __future__ import annotations

from shared.db import UnitOfWork


class DirectKit:
    def __init__(self, engine, consumer: str = "issues.test") -> None:
        self.engine = engine
        self.consumer = consumer

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)
