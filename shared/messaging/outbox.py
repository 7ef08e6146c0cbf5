"""The outbox relay: publishes what the unit of work recorded, once the broker confirms.

Two paths lead to the broker:
- the fast path: right after a commit the unit of work hands its events to `enqueue`; one
  green thread publishes them in order and waits once for the broker's confirms of the whole
  batch; another marks what was confirmed (with the time of its confirm) at most every
  `MARK_EVERY` seconds (a fifth of the grace period if that is shorter), in one transaction
  for all batches confirmed meanwhile (one UPDATE on PostgreSQL), so that marking costs
  neither a commit per batch nor publishing time;
- the sweep: every `outbox_sweep_interval` seconds, rows still unpublished after
  `outbox_grace` seconds (a crash between commit and publish, a broker outage) are locked with
  `FOR UPDATE SKIP LOCKED` (on PostgreSQL, so replicas share the work), published and marked.

An event may be published twice (crash after the confirm, before the mark): consumers are
idempotent through the inbox, so the effect happens once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import eventlet
from eventlet.queue import Empty, LightQueue
from sqlalchemy import DateTime, Engine, String, column, delete, select, update, values

from shared.config import Settings
from shared.db.kit_tables import idempotency_keys, inbox, outbox
from shared.db.unit_of_work import utcnow
from shared.events import Envelope
from shared.logging import get_logger
from shared.metrics import EVENTS_PUBLISHED

from .publisher import ConfirmedPublisher

log = get_logger(__name__)
BATCH = 200
HOUSEKEEPING_EVERY = 60  # sweeps
# confirmed events are marked published together, at most this often (and at most a fifth of
# the sweep's grace period, so the sweep does not take them for lost)
MARK_EVERY = 0.2


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        publisher: ConfirmedPublisher,
        settings: Settings,
        service: str = "",
    ):
        self.service = service
        self.engine = engine
        self.publisher = publisher
        self.settings = settings
        # events committed, waiting for the fast path: one publisher, so they go out in the
        # order committed (each batch waits for its broker confirms once, which keeps up with
        # far more than a service commits)
        self._pending: LightQueue = LightQueue()
        self._confirmed: LightQueue = LightQueue()  # (ids, confirmed at) waiting to be marked
        self._threads: list = []
        self._running = False
        self.published = 0

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        self._running = True
        self._threads = [eventlet.spawn(self._fast_path)]
        self._threads.append(eventlet.spawn(self._mark_loop))
        self._threads.append(eventlet.spawn(self._sweep_loop))
        # whatever an earlier run (or a command-line tool) left unpublished goes out now;
        # what is committed from here on is the fast path's until the grace period passes
        eventlet.spawn_n(self._sweep_safely, 0.0, utcnow())

    def stop(self) -> None:
        self._running = False
        for thread in self._threads:
            thread.kill()
        self._threads = []
        self._mark_published(self._take_confirmed())  # what was confirmed is not sent again
        self.publisher.close()

    # -- fast path ----------------------------------------------------------------------------
    def enqueue(self, events: list[Envelope]) -> None:
        """Events just committed, for the fast path (published in this order)."""
        for envelope in events:
            self._pending.put(envelope)

    def _fast_path(self) -> None:
        while self._running:
            batch = [self._pending.get()]
            while len(batch) < BATCH:
                try:
                    batch.append(self._pending.get_nowait())
                except Empty:
                    break
            try:
                sent = self.publisher.publish_events([e.to_message() for e in batch])
            except Exception as exc:  # broker down: the batch waits for the sweep
                log.warning(
                    "outbox.publish_deferred",
                    event_id=batch[0].id,
                    deferred=len(batch),
                    error=str(exc),
                )
                continue
            if sent:
                self._confirmed.put((sent, utcnow()))

    def _take_confirmed(self) -> list[tuple[list[str], datetime]]:
        taken = []
        while True:
            try:
                taken.append(self._confirmed.get_nowait())
            except Empty:
                return taken

    def _mark_loop(self) -> None:
        while self._running:
            first = self._confirmed.get()
            # let the batches confirmed meanwhile join
            eventlet.sleep(min(MARK_EVERY, self.settings.outbox_grace / 5))
            self._mark_published([first, *self._take_confirmed()])

    def _mark_published(self, confirmed: list[tuple[list[str], datetime]]) -> None:
        """Mark events published, each with the time its batch was confirmed, in one
        transaction."""
        pairs = [(event_id, at) for ids, at in confirmed for event_id in ids]
        if not pairs:
            return
        try:
            with self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    marks = values(
                        column("id", String), column("at", DateTime(timezone=True)), name="marks"
                    ).data(pairs)
                    connection.execute(
                        update(outbox)
                        .where(outbox.c.id == marks.c.id, outbox.c.published_at.is_(None))
                        .values(published_at=marks.c.at, attempts=outbox.c.attempts + 1)
                    )
                else:
                    for ids, at in confirmed:
                        connection.execute(
                            update(outbox)
                            .where(outbox.c.id.in_(ids), outbox.c.published_at.is_(None))
                            .values(published_at=at, attempts=outbox.c.attempts + 1)
                        )
            self.published += len(pairs)
            EVENTS_PUBLISHED.labels(self.service).inc(len(pairs))
        except Exception as exc:  # unmarked rows are published again by the sweep: harmless
            log.warning("outbox.mark_failed", count=len(pairs), error=str(exc))

    # -- sweep --------------------------------------------------------------------------------
    def _sweep_loop(self) -> None:
        sweeps = 0
        while self._running:
            eventlet.sleep(self.settings.outbox_sweep_interval)
            self._sweep_safely(self.settings.outbox_grace)
            sweeps += 1
            if sweeps % HOUSEKEEPING_EVERY == 0:
                try:
                    self.housekeep()
                except Exception as exc:
                    log.warning("outbox.housekeeping_failed", error=str(exc))

    def housekeep(self) -> dict[str, int]:
        """Forget what is no longer needed: published events past their retention, idempotency
        keys past theirs (a retry after that creates anew), inbox rows past theirs (far longer
        than any redelivery can take)."""
        now = utcnow()
        hours = self.settings
        with self.engine.begin() as connection:
            removed = {
                "outbox": connection.execute(
                    delete(outbox).where(
                        outbox.c.published_at.is_not(None),
                        outbox.c.published_at < now - timedelta(hours=hours.outbox_retention_hours),
                    )
                ).rowcount,
                "idempotency_keys": connection.execute(
                    delete(idempotency_keys).where(
                        idempotency_keys.c.created_at
                        < now - timedelta(hours=hours.idempotency_retention_hours)
                    )
                ).rowcount,
                "inbox": connection.execute(
                    delete(inbox).where(
                        inbox.c.handled_at < now - timedelta(hours=hours.inbox_retention_hours)
                    )
                ).rowcount,
            }
        if any(removed.values()):
            log.info("outbox.housekeeping", **removed)
        return removed

    def _sweep_safely(self, grace: float, before: datetime | None = None) -> None:
        try:
            self.sweep_once(grace, before)
        except Exception as exc:
            log.warning("outbox.sweep_failed", error=str(exc))

    def sweep_once(self, grace: float | None = None, before: datetime | None = None) -> int:
        """Publish events left unpublished past the grace period; returns how many."""
        grace = self.settings.outbox_grace if grace is None else grace
        cutoff = utcnow() - timedelta(seconds=grace)
        if before is not None:
            cutoff = min(cutoff, before)
        published = 0
        with self.engine.begin() as connection:
            query = (
                select(outbox.c.id, outbox.c.message)
                .where(outbox.c.published_at.is_(None), outbox.c.created_at < cutoff)
                .order_by(outbox.c.created_at)
                .limit(BATCH)
            )
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows = connection.execute(query).all()
            sent = []
            if rows:
                try:
                    sent = self.publisher.publish_events([row.message for row in rows])
                except Exception as exc:  # try again next sweep
                    log.warning("outbox.sweep_publish_failed", event_id=rows[0].id, error=str(exc))
            if sent:
                connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(sent))
                    .values(published_at=utcnow(), attempts=outbox.c.attempts + 1)
                )
                published = len(sent)
                log.info("outbox.swept", count=published)
        self.published += published
        EVENTS_PUBLISHED.labels(self.service).inc(published)
        return published
