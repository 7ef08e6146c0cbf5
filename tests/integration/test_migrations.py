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
from sqlalchemy import JSON, column, insert, table, text
from sqlalchemy.exc import OperationalError

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
        # refused for another reason (an unknown role): that error, nothing created
        stranger = url.replace("postgres@", "no_such_role@", 1).replace(name, name + "_x")
        with pytest.raises(OperationalError, match="no_such_role"):
            ensure_database(stranger)
        with psycopg2.connect(PG_DSN) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name + "_x",))
            assert cursor.fetchone()[0] == 0
    finally:
        connection = psycopg2.connect(PG_DSN)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()


def test_migration_0005_builds_the_rollup_from_the_issues_already_there():
    from services.issues.repository import Issue

    reported = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    issue = {
        "id": "iss-before-0005",
        "community": "150105001001",
        "category": "heating",
        "title": "暖气不热",
        "description": "",
        "channel": "app",
        "reporter_id": "acc-1",
        "status": "reported",
        "reported_at": reported,
        "updated_at": reported,
        "response_due_at": reported,
        "resolution_due_at": reported,
    }
    with pg_databases(("issues",)) as urls:
        url = urls["issues"]
        upgrade("issues", url, "0004")
        engine = create_db_engine(url)
        try:
            columns = [c for c in Issue.__table__.c if c.name != "figure_mark"]
            before_0005 = table("issues", *(column(c.name, c.type) for c in columns))
            with engine.begin() as connection:
                connection.execute(insert(before_0005).values(**issue))
            upgrade("issues", url)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT node, month, reported FROM issue_month_figures")
                ).all()
        finally:
            engine.dispose()
    assert rows == [("150105001001", "2026-03", 1)]
