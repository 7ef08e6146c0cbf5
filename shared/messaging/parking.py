"""Parked events: retries with exponential backoff, then dead letters that ops can list,
inspect, replay or discard.

A handler failure never loses the event and never blocks its queue: the message is written
here (committed) before it is acknowledged, and the redeliverer puts it back on its queue
when the next attempt is due. After `retry_max_attempts` it stays as a dead letter.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import timedelta
from typing import Any

import eventlet
from sqlalchemy import Engine, delete, func, insert, select, update

from shared.config import Settings
from shared.db.kit_tables import parked_events
from shared.db.unit_of_work import utcnow
from shared.errors import Conflict, NotFound
from shared.logging import get_logger

from .publisher import ConfirmedPublisher
from .topology import RETRY_HEADER

log = get_logger(__name__)

RETRYING = "retrying"
DEAD = "dead"


def backoff_delay(attempt: int, settings: Settings, *, jitter: float = 0.1) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): base·2^(n-1), capped."""
    delay = min(settings.retry_base_delay * (2 ** (attempt - 1)), settings.retry_max_delay)
    return delay * (1 + random.uniform(-jitter, jitter))


def decide(attempt: int, settings: Settings) -> tuple[str, float | None]:
    """After failed attempt `attempt`: retry after a delay, or give up (dead letter)."""
    if attempt >= settings.retry_max_attempts:
        return DEAD, None
    return RETRYING, backoff_delay(attempt, settings)


def park(
    engine: Engine,
    settings: Settings,
    *,
    queue: str,
    consumer: str,
    body: str,
    headers: dict[str, Any],
    attempt: int,
    error: str,
    event_id: str | None,
    event_type: str | None,
    dead_now: bool = False,
) -> str:
    """Keep a failed message; returns its status (retrying or dead)."""
    status, delay = (DEAD, None) if dead_now else decide(attempt, settings)
    now = utcnow()
    parked_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(
            insert(parked_events).values(
                id=parked_id,
                queue=queue,
                consumer=consumer,
                event_id=event_id,
                event_type=event_type,
                body=body,
                headers=_plain_headers(headers),
                status=status,
                attempts=attempt,
                last_error=error[-4000:],
                next_attempt_at=now + timedelta(seconds=delay) if delay is not None else None,
                created_at=now,
                updated_at=now,
            )
        )
    log_method = log.error if status == DEAD else log.warning
    log_method(
        "event.dead_lettered" if status == DEAD else "event.retry_scheduled",
        consumer=consumer,
        event_id=event_id,
        attempt=attempt,
        delay=delay,
        error=error.splitlines()[-1] if error else "",
    )
    return status


def _plain_headers(headers: dict[str, Any]) -> dict[str, Any]:
    return {str(k): v for k, v in (headers or {}).items() if isinstance(v, str | int | float)}


class Redeliverer:
    """Puts due retries back on their queues. Safe with replicas (rows are locked on
    PostgreSQL); a crash between publish and delete only causes a duplicate, which the
    consumer's inbox absorbs."""

    def __init__(self, engine: Engine, publisher: ConfirmedPublisher, settings: Settings):
        self.engine = engine
        self.publisher = publisher
        self.settings = settings
        self._thread = None
        self._running = False

    def start(self) -> None:
        self._running = True
        self._thread = eventlet.spawn(self._loop)

    def stop(self) -> None:
        self._running = False
        if self._thread is not None:
            self._thread.kill()
            self._thread = None

    def _loop(self) -> None:
        while self._running:
            eventlet.sleep(self.settings.retry_poll_interval)
            try:
                self.redeliver_due()
            except Exception as exc:
                log.warning("parking.redeliver_failed", error=str(exc))

    def redeliver_due(self) -> int:
        count = 0
        with self.engine.begin() as connection:
            query = (
                select(parked_events)
                .where(
                    parked_events.c.status == RETRYING, parked_events.c.next_attempt_at <= utcnow()
                )
                .order_by(parked_events.c.next_attempt_at)
                .limit(100)
            )
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            for row in connection.execute(query).all():
                headers = dict(row.headers or {})
                headers[RETRY_HEADER] = row.attempts + 1
                try:
                    self.publisher.publish_to_queue(row.queue, json.loads(row.body), headers)
                except Exception as exc:
                    log.warning("parking.redeliver_deferred", parked_id=row.id, error=str(exc))
                    break
                connection.execute(delete(parked_events).where(parked_events.c.id == row.id))
                count += 1
        return count


# -- ops: dead letters ------------------------------------------------------------------------


def _summary(row) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "queue": row.queue,
        "consumer": row.consumer,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "attempts": row.attempts,
        "last_error": (row.last_error.splitlines() or [""])[-1],
        "next_attempt_at": row.next_attempt_at.isoformat() if row.next_attempt_at else None,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def list_parked(engine: Engine, status: str | None = DEAD, limit: int = 100) -> dict[str, Any]:
    with engine.connect() as connection:
        query = select(parked_events).order_by(parked_events.c.created_at).limit(limit)
        count_query = select(func.count()).select_from(parked_events)
        if status:
            query = query.where(parked_events.c.status == status)
            count_query = count_query.where(parked_events.c.status == status)
        rows = connection.execute(query).all()
        total = connection.execute(count_query).scalar_one()
    return {"total": total, "items": [_summary(row) for row in rows]}


def show_parked(engine: Engine, parked_id: str) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(
            select(parked_events).where(parked_events.c.id == parked_id)
        ).first()
    if row is None:
        raise NotFound("dead-letter-not-found", f"No parked event {parked_id}.")
    details = _summary(row)
    details["error"] = row.last_error
    details["headers"] = row.headers
    details["body"] = row.body
    return details


def replay_parked(engine: Engine, parked_id: str) -> dict[str, Any]:
    """Schedule a dead letter for a fresh round of attempts, starting now."""
    with engine.begin() as connection:
        row = connection.execute(
            select(parked_events).where(parked_events.c.id == parked_id)
        ).first()
        if row is None:
            raise NotFound("dead-letter-not-found", f"No parked event {parked_id}.")
        if row.status != DEAD:
            raise Conflict("not-a-dead-letter", "This event is still being retried.")
        try:
            json.loads(row.body)
        except ValueError:
            raise Conflict(
                "undecodable-dead-letter",
                "This message could not be decoded; it can be inspected and discarded, "
                "not replayed.",
            ) from None
        connection.execute(
            update(parked_events)
            .where(parked_events.c.id == parked_id)
            .values(status=RETRYING, attempts=0, next_attempt_at=utcnow(), updated_at=utcnow())
        )
    return {"id": parked_id, "status": "replaying"}


def discard_parked(engine: Engine, parked_id: str) -> dict[str, Any]:
    with engine.begin() as connection:
        result = connection.execute(
            delete(parked_events).where(
                parked_events.c.id == parked_id, parked_events.c.status == DEAD
            )
        )
    if result.rowcount != 1:
        raise NotFound("dead-letter-not-found", f"No dead letter {parked_id}.")
    log.info("event.dead_letter_discarded", parked_id=parked_id)
    return {"id": parked_id, "status": "discarded"}
