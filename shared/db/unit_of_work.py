"""One database transaction of a use case: its state changes, the events they cause (outbox),
the events it consumed (inbox) and the idempotency key it answers, all committed together.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shared.errors import Conflict, PavilionError
from shared.events import CATALOGUE, Envelope

from .engine import POOL_TIMEOUT
from .kit_tables import idempotency_keys, inbox, outbox
from .read_cache import note_statement

AfterCommit = Callable[[list[Envelope]], None]
_UOW = "pavilion.unit_of_work"  # Session.info: the unit of work the session belongs to


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """A stored datetime with its UTC offset: SQLite gives them back naive, in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class UnitOfWork:
    """Use as `with uow: ...; uow.commit()`; leaving the block without commit rolls back."""

    def __init__(
        self,
        engine: Engine,
        *,
        correlation_id: str | None = None,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self.engine = engine
        self.correlation_id = correlation_id
        self._after_commit = after_commit
        self._events: list[Envelope] = []
        # rows recorded with `insert_later` (outbox rows among them), not yet inserted, by
        # (table, whether a row whose key is taken is skipped)
        self._later: dict[tuple[Table, bool], list[dict[str, Any]]] = {}
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
        self.session.info[_UOW] = self
        self._events = []
        self._later = {}
        return self

    def __exit__(self, *exc_info) -> None:
        assert self.session is not None
        # close() rolls back anything uncommitted but, unlike rollback(), leaves loaded
        # objects readable (detached) for the caller to turn into a response
        self.session.close()
        self.session = None

    @staticmethod
    def of(session: Session) -> UnitOfWork | None:
        """The unit of work `session` belongs to, if any."""
        return session.info.get(_UOW)

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()
        self._committed()

    def _committed(self) -> None:
        events, self._events = self._events, []
        if events and self._after_commit is not None:
            self._after_commit(events)

    def commit_claiming(self, table: Table, claim: dict[str, Any]) -> bool:
        """Commit this unit of work together with `claim`, a row of `table` (an inbox or
        idempotency-key row) that may be written once only. False when its key is already
        taken: then nothing of the unit of work is written.

        On PostgreSQL the claim and every row recorded with `insert_later` are one statement:
        the claim is `INSERT ... ON CONFLICT DO NOTHING RETURNING`, and each deferred row is
        inserted `SELECT ... FROM` it, so a taken claim inserts nothing. When the unit of work
        has sent nothing else to the database (its reads came from caches), that statement
        runs on its own, in autocommit: one round trip instead of `BEGIN`, the statement and
        `COMMIT`. Otherwise it is the transaction's last statement, and a taken claim rolls the
        transaction back. A concurrent twin with the same key waits on its row lock, then
        finds the key taken."""
        assert self.session is not None
        session = self.session
        if self.engine.dialect.name != "postgresql":
            claimed = session.execute(_insert(self.engine, table, skip_taken=True).values(**claim))
            if claimed.rowcount != 1:
                session.rollback()
                return False
            self.commit()
            return True
        claiming, params = _claiming_statement(
            self.engine.dialect, table, claim, self._take_later()
        )
        untouched = not session.in_transaction() and not (
            session.new or session.dirty or session.deleted
        )
        if untouched:
            claimed = claiming.execute_alone(autocommit_engine(self.engine), params)
            if claimed:
                self._committed()
            else:
                self._rolled_back()
            return bool(claimed)
        if not session.execute(claiming.statement, params).scalar_one():
            session.rollback()
            return False
        self.commit()
        return True

    def commit_first_time(self, consumer: str, event_id: str) -> bool:
        """Commit this unit of work as `consumer`'s handling of `event_id`; False (nothing
        written) when it was handled before. See `commit_claiming`."""
        return self.commit_claiming(
            inbox, {"consumer": consumer, "event_id": event_id, "handled_at": utcnow()}
        )

    # -- outbox -------------------------------------------------------------------------------
    def publish(
        self,
        event_type: str,
        data: dict[str, Any],
        *,
        community: str | None,
        subject: str | None = None,
    ) -> Envelope:
        """Record an event to be published once this transaction commits.

        Its outbox row is written with the transaction's last statement (the claim's, see
        `commit_claiming`) or just before the commit, together with the other events of the
        transaction (`insert_later`). A rollback drops it.
        """
        assert self.session is not None
        envelope = CATALOGUE.envelope(
            event_type,
            data,
            community=community,
            subject=subject,
            correlation_id=self.correlation_id,
        )
        self.insert_later(
            outbox,
            [
                {
                    "id": envelope.id,
                    "type": envelope.type,
                    "message": envelope.to_message(),
                    "created_at": envelope.time,
                    "published_at": None,
                    "attempts": 0,
                }
            ],
        )
        self._events.append(envelope)
        return envelope

    # -- rows written with the transaction's last statement -----------------------------------
    def insert_later(
        self, table: Table, rows: list[dict[str, Any]], *, skip_taken: bool = False
    ) -> None:
        """Insert `rows` into `table` in this transaction, but not now: with its last statement
        (the claim's, see `commit_claiming`) or just before the commit. For rows nothing in the
        transaction reads back (history, alarms, outbox, messages); every row of one table
        must have the same columns. `skip_taken`: a row whose key exists is skipped
        (`ON CONFLICT DO NOTHING`). A rollback drops them; `write_later` writes them now."""
        self._later.setdefault((table, skip_taken), []).extend(rows)

    def has_later(self, table: Table) -> bool:
        return any(rows for (held, _), rows in self._later.items() if held is table)

    def _take_later(self) -> dict[tuple[Table, bool], list[dict[str, Any]]]:
        later, self._later = self._later, {}
        return later

    def write_later(self) -> None:
        """Insert the rows recorded with `insert_later` so far (one executemany per table)."""
        for (table, skip_taken), rows in self._take_later().items():
            if rows:
                self.session.execute(_insert(self.engine, table, skip_taken), rows)

    def _rolled_back(self) -> None:
        # the outbox rows are gone with the rest: so are the events to publish after commit
        self._later = {}
        self._events = []

    # -- inbox --------------------------------------------------------------------------------
    def first_time_handling(self, consumer: str, event_id: str) -> bool:
        """Claim `event_id` for `consumer`; False when it was handled before (skip it).

        On PostgreSQL a concurrent duplicate waits on the row lock and then sees the conflict,
        so two replicas never both apply the same event.
        """
        assert self.session is not None
        values = {"consumer": consumer, "event_id": event_id, "handled_at": utcnow()}
        return (
            self.session.execute(_insert(self.engine, inbox, True).values(**values)).rowcount == 1
        )

    # -- idempotency --------------------------------------------------------------------------
    def remembered_result(self, scope: str, key: str | None, request: Any) -> Any | None:
        """The result stored for this idempotency key, or None for a new key.

        The same key with a different request is refused: it is a client bug, and answering
        with the first result would hide it.
        """
        if not key:
            return None
        assert self.session is not None
        row = self.session.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.result).where(
                idempotency_keys.c.scope == scope, idempotency_keys.c.key == key
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != request_hash(request):
            raise Conflict(
                "idempotency-key-reused",
                "This Idempotency-Key was already used with a different request.",
            )
        return row.result


@event.listens_for(Session, "before_commit")
def _write_later_before_commit(session: Session) -> None:
    uow = session.info.get(_UOW)
    if uow is not None:
        uow.write_later()


@event.listens_for(Session, "after_rollback")
def _forget_later_on_rollback(session: Session) -> None:
    uow = session.info.get(_UOW)
    if uow is not None:
        uow._rolled_back()


def request_hash(request: Any) -> str:
    text = json.dumps(request, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def run_idempotent(
    make_uow: Callable[[], UnitOfWork],
    scope: str,
    key: str | None,
    request: Any,
    action: Callable[[UnitOfWork], Any],
) -> tuple[Any, bool]:
    """Run `action` in a unit of work once per idempotency key; returns (result, replayed).

    A retry with the same key gets the stored first result. The common case — a new key —
    costs one statement: the action runs, then its result is stored with
    `INSERT ... ON CONFLICT DO NOTHING` in the same transaction. When the key was already
    stored (a retry, or a concurrent first request that committed first), the action's work
    is rolled back and the stored result returned. A retry whose action now fails (the first
    request took the last place, the catalogue changed since) also gets the stored result.
    """
    if not key:
        with make_uow() as uow:
            result = action(uow)
            uow.commit()
            return result, False
    with make_uow() as uow:
        try:
            result = action(uow)
        except PavilionError:
            uow.session.rollback()
            prior = uow.remembered_result(scope, key, request)
            if prior is None:
                raise
            return prior, True
        stored = {
            "scope": scope,
            "key": key,
            "request_hash": request_hash(request),
            "result": result,
            "created_at": utcnow(),
        }
        if uow.commit_claiming(idempotency_keys, stored):
            return result, False
        # the key is taken: nothing of the action was written
        prior = uow.remembered_result(scope, key, request)
        if prior is not None:
            return prior, True
    raise Conflict("idempotency-key-in-use", "A request with this Idempotency-Key is in progress.")


def defer_insert(
    session: Session, table: Table, rows: list[dict[str, Any]], *, skip_taken: bool = False
) -> None:
    """Insert `rows` with the unit of work's last statement when `session` belongs to one
    (`UnitOfWork.insert_later`), else now."""
    if not rows:
        return
    uow = UnitOfWork.of(session)
    if uow is not None:
        uow.insert_later(table, rows, skip_taken=skip_taken)
    else:
        session.execute(_insert(session.get_bind(), table, skip_taken), rows)


def defer_add(session: Session, instance: Any) -> None:
    """Insert the new mapped `instance` like `defer_insert` instead of through the ORM's flush:
    for an object nothing in the unit of work reads back. Unset attributes take their
    column's default; ORM flush hooks do not see it."""
    mapper = sa_inspect(instance).mapper
    row = {}
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        value = getattr(instance, prop.key)
        if value is None and _has_default(column):
            value = _default_of(column)
        row[column.key] = value
    defer_insert(session, mapper.local_table, [row])


def _has_default(column) -> bool:
    default = column.default
    return default is not None and (default.is_scalar or default.is_callable)


def _default_of(column) -> Any:
    """A column's Python-side default value (SQLAlchemy wraps a callable to take a context)."""
    default = column.default
    return default.arg(None) if default.is_callable else default.arg


def _insert(engine: Engine, table: Table, skip_taken: bool):
    return insert_skipping_taken(engine, table) if skip_taken else insert(table)


def insert_skipping_taken(bind, table: Table):
    """An INSERT into `table` that skips rows whose key is taken (ON CONFLICT DO NOTHING), on
    PostgreSQL and SQLite alike; `bind` is an engine or a connection."""
    dialect = bind.dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table).on_conflict_do_nothing()


# engines whose connections stay in autocommit, by the engine they stand beside: switching a
# pooled psycopg2 connection to autocommit and back costs about as much as a round trip
_AUTOCOMMIT: dict[Engine, Engine] = {}
_AUTOCOMMIT_LOCK = threading.Lock()
AUTOCOMMIT_POOL = 8  # at most, kept open: opening one costs more than many statements


def autocommit_engine(engine: Engine) -> Engine:
    """An engine on the same database as `engine` whose connections run each statement in a
    transaction of its own (for `commit_claiming`'s single statements). Its pool is small — a
    statement holds a connection for a millisecond or two, and the workers waiting for one
    yield meanwhile — opens connections only as they are needed, and is disposed with
    `engine`."""
    found = _AUTOCOMMIT.get(engine)
    if found is not None:
        return found
    with _AUTOCOMMIT_LOCK:
        found = _AUTOCOMMIT.get(engine)
        if found is None:
            found = create_engine(
                engine.url,
                isolation_level="AUTOCOMMIT",
                pool_size=AUTOCOMMIT_POOL,
                max_overflow=0,
                pool_recycle=1800,
                pool_timeout=POOL_TIMEOUT,
            )
            _AUTOCOMMIT[engine] = found

            @event.listens_for(engine, "engine_disposed")
            def _dispose(_engine) -> None:
                gone = _AUTOCOMMIT.pop(engine, None)
                if gone is not None:
                    gone.dispose()

    return found


# statements of `commit_claiming`, by shape: the claim's table and columns, and for each table
# of deferred rows its columns, row count and conflict handling. Building a statement and its
# bind parameters costs more than executing it; its values are passed as parameters.
_CLAIMING: dict[tuple, _Claiming] = {}
_CLAIMING_LIMIT = 512


def _claiming_statement(
    dialect: Any,
    table: Table,
    claim: dict[str, Any],
    later: dict[tuple[Table, bool], list[dict[str, Any]]],
) -> tuple[_Claiming, dict[str, Any]]:
    claim_columns = tuple(claim)
    groups = []
    for (held, skip_taken), rows in later.items():
        if rows:
            given = tuple(rows[0])
            groups.append((held, skip_taken, given + _defaulted(held, given), rows))
    shape = (
        table.name,
        claim_columns,
        tuple((held.name, skip, columns, len(rows)) for held, skip, columns, rows in groups),
    )
    params = {f"c_{name}": claim[name] for name in claim_columns}
    for group, (held, _skip, columns, rows) in enumerate(groups):
        for number, row in enumerate(rows):
            for name in columns:
                params[f"l{group}_{number}_{name}"] = (
                    row[name] if name in row else _default_of(held.c[name])
                )
    claiming = _CLAIMING.get(shape)
    if claiming is None:
        if len(_CLAIMING) >= _CLAIMING_LIMIT:
            _CLAIMING.clear()
        claiming = _CLAIMING[shape] = _Claiming(
            _build_claiming(table, claim_columns, groups), dialect
        )
    return claiming, params


@functools.cache
def _defaulted(table: Table, given: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of `table` outside `given` that have a Python-side default: computed for
    the rows here, since SQLAlchemy leaves them unset inside a common table expression."""
    return tuple(
        column.key for column in table.columns if column.key not in given and _has_default(column)
    )


class _Claiming:
    """A claiming statement, and the same as a PostgreSQL prepared statement for the
    autocommit path: parsed and planned once per connection instead of on every call (for the
    intake's, about a third of PostgreSQL's work), and executed without SQLAlchemy's per-call
    compilation of its parameters."""

    _numbers = itertools.count()

    def __init__(self, statement: Any, dialect: Any) -> None:
        self.statement = statement
        compiled = statement.compile(dialect=dialect)
        self.names: list[str] = []

        def numbered(match: re.Match) -> str:
            name = match.group(1)
            if name not in self.names:
                self.names.append(name)
            return f"${self.names.index(name) + 1}"

        self.sql = re.sub(r"%\((\w+)\)s", numbered, compiled.string).replace("%%", "%")
        self.processors = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        ]
        self.name = f"pavilion_claim_{next(self._numbers)}"
        self._execute = f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.names))})"

    def _values(self, params: dict[str, Any]) -> tuple:
        return tuple(
            params[name] if process is None else process(params[name])
            for name, process in zip(self.names, self.processors, strict=True)
        )

    def execute_alone(self, engine: Engine, params: dict[str, Any]) -> int:
        """Run as a prepared statement on `engine` (autocommit); the number of claims made."""
        with engine.connect() as connection:
            known = connection.connection.info.setdefault(_PREPARED_ON_CONNECTION, set())
            if self.name not in known:
                connection.exec_driver_sql(f"PREPARE {self.name} AS {self.sql}")
                known.add(self.name)
            # the per-process read caches learn of the write from the statement's own text
            note_statement(connection, self.sql)
            return connection.exec_driver_sql(self._execute, self._values(params)).scalar_one()


_PREPARED_ON_CONNECTION = "pavilion.prepared"  # names prepared on a pooled connection


def _typed(table: Table, column: str, name: str):
    # a parameter in a SELECT list has no type of its own: cast it to its column's
    kind = table.c[column].type
    return cast(bindparam(name, type_=kind), kind)


def _build_claiming(table: Table, claim_columns: tuple[str, ...], groups: list) -> Any:
    claim = (
        pg_insert(table)
        .from_select(claim_columns, select(*(_typed(table, c, f"c_{c}") for c in claim_columns)))
        .on_conflict_do_nothing()
        .returning(literal_column("1").label("claimed"))
        .cte("claim")
    )
    statement = select(func.count()).select_from(claim)
    for group, (held, skip_taken, columns, rows) in enumerate(groups):
        for number in range(len(rows)):
            values = select(
                *(_typed(held, c, f"l{group}_{number}_{c}") for c in columns)
            ).select_from(claim)
            write = pg_insert(held).from_select(columns, values, include_defaults=False)
            if skip_taken:
                write = write.on_conflict_do_nothing()
            statement = statement.add_cte(write.cte(f"later_{group}_{number}"))
    return statement
