"""Two plain nameko services: `bare_intake` takes a report over HTTP, inserts it into its own
PostgreSQL database and dispatches an event; `bare_inbox` handles the event and inserts an
inbox row (with the time it landed) into its own database.

No Pavilion code: nameko's @http, EventDispatcher and @event_handler, SQLAlchemy Core on
psycopg2 (greened by the runner)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from sqlalchemy import (
    Column,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
)

metadata = MetaData()
reports = Table(
    "reports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("category", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("grid", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
inbox = Table(
    "inbox",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("subject", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def create_tables(url: str, table: Table) -> None:
    engine = create_engine(_driver_url(url))
    with engine.begin() as connection:
        table.create(connection, checkfirst=True)
    engine.dispose()


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


class Database(DependencyProvider):
    """A SQLAlchemy engine for the URL in config[key]. Its pool holds as many connections as
    the service has workers (opened lazily), so a busy service never opens and closes
    overflow connections; BARE_POOL_SIZE / BARE_MAX_OVERFLOW override that."""

    def __init__(self, key: str):
        self.key = key

    def setup(self):
        config = self.container.config
        self.engine = create_engine(
            _driver_url(config[self.key]),
            pool_size=int(config.get("BARE_POOL_SIZE") or config.get("max_workers", 10)),
            max_overflow=int(config.get("BARE_MAX_OVERFLOW") or 0),
        )

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self.engine


class IntakeService:
    name = "bare_intake"

    db = Database("INTAKE_DATABASE_URL")
    dispatch = EventDispatcher()

    @http("GET", "/healthz")
    def healthz(self, request):
        return 200, '{"status": "ok"}'

    @http("POST", "/reports")
    def report(self, request):
        body = json.loads(request.get_data())
        report_id = f"rep-{uuid.uuid4().hex[:16]}"
        with self.db.begin() as connection:
            connection.execute(
                insert(reports).values(
                    id=report_id,
                    category=body["category"],
                    title=body["title"],
                    grid=body.get("grid"),
                    created_at=datetime.now(UTC),
                )
            )
        self.dispatch("report_received", {"id": report_id, "title": body["title"]})
        return 201, json.dumps({"id": report_id, "title": body["title"]})


class InboxService:
    name = "bare_inbox"

    db = Database("INBOX_DATABASE_URL")

    @event_handler("bare_intake", "report_received")
    def on_report_received(self, payload):
        with self.db.begin() as connection:
            connection.execute(
                insert(inbox).values(
                    id=f"msg-{uuid.uuid4().hex[:16]}",
                    subject=payload["id"],
                    title=payload["title"],
                    created_at=datetime.now(UTC),
                )
            )
