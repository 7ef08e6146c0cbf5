"""Each service's migration history builds, on PostgreSQL and on SQLite, exactly the schema
its code declares: a table, column or index added to a model without a migration (or the
other way round) fails here instead of in a deployment."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, date, datetime

import psycopg2
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, column, insert, table

from services.volunteers.handlers.rosters import _run_view
from services.volunteers.repository import RosterRun
from shared.config import SERVICES
from shared.db import UnitOfWork, create_db_engine, kit_metadata
from shared.db.migrations import ensure_database, service_metadata, upgrade
from tests.support.infra import PG_DSN, PG_URL, pg_databases


def differences(url: str, service: str) -> list:
    importlib.import_module(f"services.{service}.service")  # every table the service uses
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return compare_metadata(context, [service_metadata(service), kit_metadata])
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_postgresql_schema_is_the_declared_one(service):
    with pg_databases((service,)) as urls:
        upgrade(service, urls[service])
        assert differences(urls[service], service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_sqlite_schema_is_the_declared_one(service, tmp_path):
    url = f"sqlite:///{tmp_path / service}.db"
    upgrade(service, url)
    assert differences(url, service) == []


def test_roster_runs_saved_before_migration_0004_keep_their_assignments():
    """0004 moves a run's proposals out of its summary; the run reads as before."""
    assignments = [{"signup_id": "sig-1", "shift_id": "shf-1", "volunteer_id": "v-1"}]
    dropped = [{"shift_id": "shf-2", "volunteer_id": "v-2", "code": "full", "detail": "-"}]
    summary = {"filled": 1, "unfilled": 1}
    # roster_runs as migration 0003 made it
    runs = table(
        "roster_runs",
        *(column(name) for name in ("id", "node", "starts_on", "ends_on", "requested_by")),
        *(column(name) for name in ("time_limit_seconds", "status", "attempts", "created_at")),
        column("progress", JSON),
        column("result", JSON),
    )
    with pg_databases(("volunteers",)) as urls:
        url = urls["volunteers"]
        upgrade("volunteers", url, "0003")
        engine = create_db_engine(url)
        try:
            with engine.begin() as connection:
                for run_id, result in (
                    (
                        "run-done",
                        {**summary, "assignments": assignments, "dropped_assignments": dropped},
                    ),
                    ("run-failed", None),
                ):
                    connection.execute(
                        insert(runs).values(
                            id=run_id,
                            node="150105001001",
                            starts_on=date(2026, 12, 1),
                            ends_on=date(2026, 12, 7),
                            requested_by="acc-1",
                            time_limit_seconds=5.0,
                            status="done" if result else "failed",
                            attempts=1,
                            created_at=datetime(2026, 11, 28, tzinfo=UTC),
                            progress={"stage": "done"},
                            result=result,
                        )
                    )
            upgrade("volunteers", url)
            with UnitOfWork(engine) as uow:
                done = uow.session.get(RosterRun, "run-done")
                assert done.result == summary
                assert _run_view(done)["result"] == {
                    **summary,
                    "assignments": assignments,
                    "dropped_assignments": dropped,
                }
                assert _run_view(done, with_assignments=False)["result"] == summary
                assert uow.session.get(RosterRun, "run-failed").assignments is None
        finally:
            engine.dispose()


def test_a_first_migrate_creates_a_missing_postgresql_database():
    name = f"pavilion_test_created_{uuid.uuid4().hex[:8]}"
    url = f"{PG_URL}/{name}".replace("postgresql+psycopg2://", "postgresql://")
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False  # there now: left alone
        upgrade("gateway", url)
        assert differences(url, "gateway") == []
    finally:
        connection = psycopg2.connect(PG_DSN)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
