"""Engines for SQLite (embedded mode) and PostgreSQL (distributed mode) under eventlet.

psycopg2 blocks the whole eventlet hub on every query unless it is given a wait callback that
yields (psycogreen's): `make_green()` installs it once per process, before any connection.
SQLite calls are short and cannot yield, so each SQLite engine keeps a single connection and
green threads queue for it instead of contending for the file lock inside C.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import QueuePool

from shared.errors import ServiceUnavailable

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
    return create_engine(
        url,
        pool_size=kept,
        max_overflow=pool_size - kept + 10,
        pool_recycle=1800,
        pool_timeout=POOL_TIMEOUT,
    )


KEPT_CONNECTIONS = 10
# how long a worker waits for a pooled connection before it is answered 503: well within the
# RPC deadline (10 s by default), so the caller hears why
POOL_TIMEOUT = 5.0


_SQLITE_BUSY_LOCKED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


# PostgreSQL errors that pass when tried again (SQLSTATE): connection exceptions (class
# 08), too many connections, the server shutting down or restarting, a serialization failure
# or deadlock victim, a lock not available, a statement cancelled
_TRANSIENT_SQLSTATES = {"53300", "57P01", "57P02", "57P03", "40001", "40P01", "55P03", "57014"}


def as_unavailable(exc: BaseException) -> ServiceUnavailable | None:
    """The 503 answer for a database that is busy or out of reach, or None for any other
    error (a fault, which stays a 500). Busy or out of reach: no connection slot left or the
    server not accepting connections, a dropped connection, the server restarting, the pool
    exhausted, a deadlock or serialization victim, a lock not available. Each passes when
    tried again, and a retry with the same idempotency key is safe."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in time
        transient = True
    elif not isinstance(exc, sa_exc.DBAPIError):
        transient = False
    elif exc.connection_invalidated:  # the connection dropped mid-use
        transient = True
    elif isinstance(exc.orig, sqlite3.Error):
        # SQLite's operational errors are mostly faults ("no such table"); only a busy or
        # locked file passes on its own
        transient = (getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_BUSY_LOCKED
    elif isinstance(exc, sa_exc.OperationalError):
        code = getattr(exc.orig, "pgcode", None)
        # no SQLSTATE: refused while connecting (no slot left, server starting or stopping,
        # unreachable); otherwise only the codes above (not, say, a disk full or I/O error)
        transient = code is None or code.startswith("08") or code in _TRANSIENT_SQLSTATES
    else:
        transient = False
    if not transient:
        return None
    unavailable = ServiceUnavailable(
        "database-unavailable",
        "The service's database is busy or cannot be reached; try again shortly.",
    )
    unavailable.__cause__ = exc
    return unavailable
