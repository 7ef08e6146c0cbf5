"""Engines for SQLite (embedded mode) and PostgreSQL (distributed mode) under eventlet.

psycopg2 blocks the whole eventlet hub on every query unless it is given a wait callback that
yields (psycogreen's): `make_green()` installs it once per process, before any connection.
SQLite calls are short and cannot yield, so each SQLite engine keeps a single connection and
green threads queue for it instead of contending for the file lock inside C.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

_green = False


def make_green() -> None:
    """Let PostgreSQL queries yield to other green threads (call after monkey-patching)."""
    global _green
    if _green:
        return
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    _green = True


def driver_url(url: str) -> str:
    """`url` with the driver Pavilion uses: psycopg2 for a plain `postgresql://`."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def create_db_engine(url: str, *, pool_size: int = 10) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    url = driver_url(url)
    # one connection per concurrent worker (and ten more), of which up to ten stay open:
    # opening PostgreSQL connections under load (and a pre-ping per checkout) costs more than
    # the work itself, while a burst (a service catching up on directory events at start)
    # must not keep holding connections of the server's hundred. Most writes of the hot path
    # go through the small autocommit pool beside this one (`unit_of_work.autocommit_engine`).
    # A connection broken by a server restart is invalidated on its first error and replaced.
    kept = min(pool_size, KEPT_CONNECTIONS)
    return create_engine(url, pool_size=kept, max_overflow=pool_size - kept + 10, pool_recycle=1800)


KEPT_CONNECTIONS = 10
