"""One database transaction of a use case: its state changes, the events they cause (outbox),
the events it consumed (inbox) and the idempotency key it answers, all committed together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shared.errors import Conflict, PavilionError
from shared.events import CATALOGUE, Envelope

from .kit_tables import idempotency_keys, inbox, outbox

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
        # rows recorded with `insert_later` (outbox rows among them), not yet inserted
        self._later: dict[Table, list[dict[str, Any]]] = {}
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

    def commit(self) -> None:
        assert self.session is not None
        self.session.commit()
        events, self._events = self._events, []
        if events and self._after_commit is not None:
            self._after_commit(events)

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

        Its outbox row is written with the transaction's last statement (the idempotency key's
        `INSERT`, see `remember_result`) or just before the commit, together with the other
        events of the transaction (`insert_later`). A rollback drops it.
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
    def insert_later(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` into `table` in this transaction, but not now: with its last statement
        (the idempotency key's, on PostgreSQL) or just before the commit, one multi-row
        `INSERT` per table. For rows nothing in the transaction reads back (history, alarms,
        outbox); every row of one table must have the same columns. A rollback drops them."""
        self._later.setdefault(table, []).extend(rows)

    def _take_later(self) -> dict[Table, list[dict[str, Any]]]:
        later, self._later = self._later, {}
        return later

    def write_later(self) -> None:
        """Insert the rows recorded with `insert_later` so far (one executemany per table)."""
        for table, rows in self._take_later().items():
            if rows:
                self.session.execute(insert(table), rows)

    def _rolled_back(self) -> None:
        self._later = {}

    # -- inbox --------------------------------------------------------------------------------
    def first_time_handling(self, consumer: str, event_id: str) -> bool:
        """Claim `event_id` for `consumer`; False when it was handled before (skip it).

        On PostgreSQL a concurrent duplicate waits on the row lock and then sees the conflict,
        so two replicas never both apply the same event.
        """
        assert self.session is not None
        values = {"consumer": consumer, "event_id": event_id, "handled_at": utcnow()}
        dialect = self.engine.dialect.name
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(inbox).values(
            **values
        )
        result = self.session.execute(statement.on_conflict_do_nothing())
        return result.rowcount == 1

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

    def remember_result(self, scope: str, key: str | None, request: Any, result: Any) -> bool:
        """Store the result for this key; False when the key is already stored (the caller
        must then roll back and answer with the stored result).

        One `INSERT ... ON CONFLICT DO NOTHING`: on PostgreSQL a concurrent first request with
        the same key makes this wait until that one commits (then False) or rolls back."""
        if not key:
            return True
        assert self.session is not None
        values = {
            "scope": scope,
            "key": key,
            "request_hash": request_hash(request),
            "result": result,
            "created_at": utcnow(),
        }
        dialect = self.engine.dialect.name
        statement = (
            (pg_insert if dialect == "postgresql" else sqlite_insert)(idempotency_keys)
            .values(**values)
            .on_conflict_do_nothing()
        )
        if dialect == "postgresql":
            # the rows recorded with `insert_later` (outbox rows among them) go in the same
            # statement, as data-modifying CTEs: one round trip for all of them; if the key is
            # taken, the caller rolls them back with the rest
            # (one single-row INSERT per row: SQLAlchemy caches the compiled statement per
            # shape, while a multi-row VALUES would be compiled anew every time)
            number = 0
            for table, rows in self._take_later().items():
                for row in rows:
                    statement = statement.add_cte(insert(table).values(row).cte(f"later_{number}"))
                    number += 1
        else:
            self.write_later()
        return self.session.execute(statement).rowcount == 1


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
        if uow.remember_result(scope, key, request, result):
            uow.commit()
            return result, False
        # the key is taken: leaving the block rolls the action back
        prior = uow.remembered_result(scope, key, request)
        if prior is not None:
            return prior, True
    raise Conflict("idempotency-key-in-use", "A request with this Idempotency-Key is in progress.")
