"""One database transaction of a use case: its state changes, the events they cause (outbox),
the events it consumed (inbox) and the idempotency key it answers, all committed together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shared.errors import Conflict, PavilionError
from shared.events import CATALOGUE, Envelope

from .kit_tables import idempotency_keys, inbox, outbox

AfterCommit = Callable[[list[Envelope]], None]


def utcnow() -> datetime:
    return datetime.now(UTC)


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
        self.session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self.engine, expire_on_commit=False, autoflush=True)
        self._events = []
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
        """Record an event to be published once this transaction commits."""
        assert self.session is not None
        envelope = CATALOGUE.envelope(
            event_type,
            data,
            community=community,
            subject=subject,
            correlation_id=self.correlation_id,
        )
        self.session.execute(
            insert(outbox).values(
                id=envelope.id,
                type=envelope.type,
                message=envelope.to_message(),
                created_at=envelope.time,
                published_at=None,
                attempts=0,
            )
        )
        self._events.append(envelope)
        return envelope

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
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(
            idempotency_keys
        ).values(**values)
        return self.session.execute(statement.on_conflict_do_nothing()).rowcount == 1


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
