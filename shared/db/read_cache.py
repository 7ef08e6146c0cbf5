"""`TableCache`: values derived from tables that change rarely but are read on every event
(webhook subscriptions, recipients' contact details and opt-outs), kept per database for a
few seconds instead of being queried each time.

Invalidation is by table, at the level of SQL statements, so it sees every write this process
makes however it is made (ORM flush, Core, `text()`):
- a write statement (`INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`) naming one of the tables empties
  the cache of its database at once, and again when its connection goes back to the pool
  (after the commit or rollback), so a value read meanwhile from the committed state is not
  kept either;
- a session whose transaction wrote one of the tables reads around the cache (it must see its
  own uncommitted writes), and nothing it reads is cached;
- a value loaded while a write happened is not kept (generation check).

Writes by other processes (other replicas) are seen after at most `ttl` seconds.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

_WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE", "ALTER", "DROP")
_CTE_WRITE = re.compile(r"\b(insert|update|delete|merge)\b")
_DIRTY = "pavilion.table_cache.dirty"  # on the pooled connection: caches written through it
_caches: list[TableCache] = []
_listening = False
_lock = threading.Lock()


def _database_key(engine: Engine) -> str:
    url = engine.url
    return f"{url.get_backend_name()}://{url.host}:{url.port}/{url.database}"


def _after_cursor_execute(conn, _cursor, statement, _parameters, _context, _executemany):
    note_statement(conn, statement)


def note_statement(conn, statement: str) -> None:
    """Forget what `statement` (sent on `conn`) may change. Called for every statement sent
    through SQLAlchemy; code that runs a prepared statement calls it with the prepared text."""
    head = statement[:16].lstrip()[:8].upper()
    lowered = None
    if head.startswith("WITH"):
        # a write may hide in a common table expression
        lowered = statement.lower()
        if not _CTE_WRITE.search(lowered):
            return
    elif not head.startswith(_WRITES):
        return
    for cache in _caches:
        if lowered is None:
            lowered = statement.lower()
        if any(table in lowered for table in cache.tables):
            key = _database_key(conn.engine)
            cache.forget_database(key)
            conn.info.setdefault(_DIRTY, set()).add((cache, key))


def _checkin(_dbapi_connection, record):
    if record is None:
        return
    dirty = record.info.pop(_DIRTY, None)
    for cache, key in dirty or ():
        cache.forget_database(key)


def _listen() -> None:
    global _listening
    with _lock:
        if not _listening:
            event.listen(Engine, "after_cursor_execute", _after_cursor_execute)
            event.listen(Pool, "checkin", _checkin)
            _listening = True


class TableCache:
    def __init__(self, name: str, ttl: float, tables: Iterable[str]) -> None:
        self.name = name
        self.ttl = ttl
        self.tables = tuple(table.lower() for table in tables)
        self._state: dict[str, list] = {}  # database -> [generation, {key: (time, value)}]
        _caches.append(self)
        _listen()

    # -- reading ------------------------------------------------------------------------------
    def _bypass(self, session: Session) -> bool:
        """True when this session's transaction wrote one of the tables (read it directly)."""
        if not session.in_transaction():
            return False
        connection = session.connection()
        return any(cache is self for cache, _ in connection.info.get(_DIRTY, ()))

    def get(self, session: Session, key: Hashable, load: Callable[[], Any]) -> Any:
        """The value for `key`: cached, or `load()` (then cached). Shared: never change it."""
        return self.get_many(session, [key], lambda keys: {key: load()})[key]

    def get_many(
        self,
        session: Session,
        keys: Iterable[Hashable],
        load: Callable[[list], dict],
    ) -> dict:
        """Values for `keys`: the cached ones, and `load(missing keys)` -> {key: value} for
        the rest (a key `load` leaves out is cached as None)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        session.flush()  # pending ORM writes of this transaction become statements first
        if self._bypass(session):
            loaded = load(keys)
            return {key: loaded.get(key) for key in keys}
        database = _database_key(session.get_bind())
        state = self._state.get(database)
        if state is None:
            state = self._state.setdefault(database, [0, {}])
        generation, values = state
        now = time.monotonic()
        found, missing = {}, []
        for key in keys:
            hit = values.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                found[key] = hit[1]
            else:
                missing.append(key)
        if missing:
            loaded = load(missing)
            keep = state[0] == generation and not self._bypass(session)
            for key in missing:
                found[key] = loaded.get(key)
                if keep:
                    values[key] = (now, found[key])
        return found

    # -- invalidation -------------------------------------------------------------------------
    def forget_database(self, database: str) -> None:
        state = self._state.get(database)
        if state is not None:
            state[0] += 1
            state[1] = {}

    def clear(self) -> None:
        for database in list(self._state):
            self.forget_database(database)
