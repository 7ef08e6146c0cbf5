"""Prometheus metrics every service exposes: events handled, retried and dead-lettered,
events published, outbox lag and dead letters waiting, HTTP and RPC latency.

The gateway serves them at `/metrics`; another service serves them on
`PAVILION_METRICS_PORT` when that is set (distributed mode). In embedded mode the gateway's
`/metrics` covers all four services, which share the process.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, func, select

EVENTS_HANDLED = Counter(
    "pavilion_events_handled_total", "Events a consumer handled", ["consumer", "event_type"]
)
EVENTS_FAILED = Counter(
    "pavilion_events_failed_total",
    "Handler failures (each is retried later or becomes a dead letter)",
    ["consumer", "outcome"],
)
EVENTS_PUBLISHED = Counter(
    "pavilion_events_published_total", "Events the outbox relay published", ["service"]
)
HTTP_SECONDS = Histogram(
    "pavilion_http_request_seconds", "HTTP requests served by the gateway", ["method", "status"]
)
RPC_SECONDS = Histogram(
    "pavilion_rpc_seconds", "RPC calls from the gateway", ["service", "method", "outcome"]
)


class BacklogCollector:
    """Outbox lag and parked events of each service in this process, read from its database
    at scrape time (one collector for all: a registry refuses duplicate metric names)."""

    def __init__(self) -> None:
        self.engines: dict[str, Engine] = {}

    def describe(self):
        return []

    def collect(self):
        from shared.db.kit_tables import outbox, parked_events

        lag = GaugeMetricFamily(
            "pavilion_outbox_unpublished",
            "Events committed but not yet published",
            labels=["service"],
        )
        parked = GaugeMetricFamily(
            "pavilion_parked_events",
            "Events waiting for a retry or dead",
            labels=["service", "status"],
        )
        for service, engine in sorted(self.engines.items()):
            try:
                with engine.connect() as connection:
                    unpublished = connection.execute(
                        select(func.count())
                        .select_from(outbox)
                        .where(outbox.c.published_at.is_(None))
                    ).scalar_one()
                    by_status = dict(
                        connection.execute(
                            select(parked_events.c.status, func.count()).group_by(
                                parked_events.c.status
                            )
                        ).all()
                    )
            except Exception:  # a scrape must not fail because one database is away
                continue
            lag.add_metric([service], unpublished)
            for status in ("retrying", "dead"):
                parked.add_metric([service, status], by_status.get(status, 0))
        yield lag
        yield parked


BACKLOG = BacklogCollector()
REGISTRY.register(BACKLOG)


def watch_backlog(service: str, engine: Engine) -> None:
    BACKLOG.engines[service] = engine


def forget(service: str) -> None:
    BACKLOG.engines.pop(service, None)


_served_on: int | None = None


def serve(port: int) -> None:
    """Serve /metrics on `port` (once per process) for services without HTTP of their own."""
    global _served_on
    if port and _served_on is None:
        start_http_server(port, addr="0.0.0.0")
        _served_on = port


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
