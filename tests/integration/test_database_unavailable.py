"""A database that refuses connections (no slot left, restarting) is a 503 for the caller, with
Retry-After, not a 500: the request can be tried again, and the same idempotency key keeps a
retry safe. Real PostgreSQL: a database that does not accept connections."""

from __future__ import annotations

import json

import psycopg2
import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.gateway.api import response_for_exception
from services.gateway.routes.open311 import open311_errors
from shared.db import create_db_engine
from shared.db.engine import as_unavailable, driver_url
from shared.errors import ServiceUnavailable
from shared.messaging.rpc import IN_PROCESS_RPC_KEY, TimedRpc, rpc
from tests.support.infra import PG_DSN, pg_databases
from tests.support.rpc_spy import spy_on_requests


@pytest.fixture(scope="module")
def closed_database():
    """The URL of a database that exists but accepts no connections (as when PostgreSQL has
    no connection slot left for it)."""
    with pg_databases(("closed",)) as urls:
        name = urls["closed"].rsplit("/", 1)[1]
        admin = psycopg2.connect(PG_DSN)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.close()
        yield urls["closed"]


class Store:
    name = "issues"
    url = ""

    @rpc
    def touch(self):
        engine = create_db_engine(Store.url)
        try:
            with engine.connect() as connection:
                return connection.execute(text("SELECT 1")).scalar()
        finally:
            engine.dispose()


class Caller:
    name = "gateway"
    issues = TimedRpc("issues")

    @rpc
    def touch(self):
        return self.issues.touch()


@pytest.mark.parametrize("in_process", [False, True], ids=["through-broker", "in-process"])
def test_a_database_refusing_connections_is_a_503_for_the_caller(
    settings, closed_database, in_process
):
    Store.url = closed_database
    extra = {IN_PROCESS_RPC_KEY: True} if in_process else {}
    store = ServiceContainer(Store, {**settings.nameko_config("issues"), **extra})
    caller = ServiceContainer(Caller, {**settings.nameko_config("gateway"), **extra})
    store.start()
    try:
        caller.start()
        try:
            with spy_on_requests(settings) as through_broker:
                with entrypoint_hook(caller, "touch") as touch:
                    with pytest.raises(ServiceUnavailable) as refused:
                        touch()
                assert through_broker() == (0 if in_process else 1)
            assert refused.value.code == "database-unavailable"
        finally:
            caller.stop()
    finally:
        store.stop()


def _raised(call) -> BaseException:
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("no error raised")


def test_busy_postgresql_is_unavailable_but_its_faults_stay_faults(databases):
    """Real PostgreSQL errors: a lock not available (55P03), a dropped connection and an
    exhausted pool are worth trying again; currval before nextval (55000, an
    OperationalError too) is a fault and stays a 500."""
    url = databases["issues"]
    engine = create_engine(driver_url(url), pool_size=1, max_overflow=0, pool_timeout=0.2)
    admin = create_engine(driver_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS busy (id int PRIMARY KEY)"))
            connection.execute(text("INSERT INTO busy VALUES (1) ON CONFLICT DO NOTHING"))
            connection.execute(text("CREATE SEQUENCE IF NOT EXISTS never_used"))
        with engine.connect() as holder:
            holder.execute(text("SELECT * FROM busy WHERE id = 1 FOR UPDATE"))
            with admin.connect() as other:
                lock = _raised(
                    lambda: other.execute(text("SELECT * FROM busy WHERE id = 1 FOR UPDATE NOWAIT"))
                )
            pool = _raised(engine.connect)  # the pool's one connection is held
            holder.rollback()
        with admin.connect() as other:
            fault = _raised(lambda: other.execute(text("SELECT currval('never_used')")))
        with engine.connect() as victim:
            pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
            with admin.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            dropped = _raised(lambda: victim.execute(text("SELECT 1")))
    finally:
        engine.dispose()
        admin.dispose()
    assert getattr(lock.orig, "pgcode", None) == "55P03"
    assert as_unavailable(lock).code == "database-unavailable"
    assert as_unavailable(pool).code == "database-unavailable"
    assert dropped.connection_invalidated
    assert as_unavailable(dropped).code == "database-unavailable"
    assert getattr(fault.orig, "pgcode", None) == "55000"
    assert as_unavailable(fault) is None


def test_the_gateways_own_database_refusing_connections_is_a_503_problem(closed_database):
    engine = create_db_engine(closed_database)
    try:
        with pytest.raises(Exception) as refused:
            engine.connect()
    finally:
        engine.dispose()
    request = Request(EnvironBuilder(path="/v1/directory/nodes").get_environ())
    response = response_for_exception(request, refused.value)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    body = json.loads(response.get_data())
    assert body["code"] == "database-unavailable" and body["status"] == 503

    class Open311Route:
        @open311_errors
        def handle(self, request):
            engine = create_db_engine(closed_database)
            try:
                engine.connect()
            finally:
                engine.dispose()

    answer = Open311Route().handle(request)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert json.loads(answer.get_data())[0]["pavilion_code"] == "database-unavailable"


def test_on_sqlite_only_a_locked_database_is_unavailable_not_a_fault(tmp_path):
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    holder = create_engine(url)
    waiter = create_engine(url, connect_args={"timeout": 0})
    try:
        with holder.connect() as held:
            held.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            held.commit()
            held.exec_driver_sql("BEGIN EXCLUSIVE")
            with waiter.connect() as blocked, pytest.raises(Exception) as locked:
                blocked.exec_driver_sql("INSERT INTO t VALUES (1)")
            held.rollback()
        with waiter.connect() as connection, pytest.raises(Exception) as missing:
            connection.exec_driver_sql("SELECT * FROM no_such_table")
    finally:
        holder.dispose()
        waiter.dispose()
    assert "locked" in str(locked.value)
    assert as_unavailable(locked.value).code == "database-unavailable"
    assert "no such table" in str(missing.value)
    assert as_unavailable(missing.value) is None  # a fault, not a busy database
