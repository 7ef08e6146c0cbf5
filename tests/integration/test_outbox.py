"""The transactional outbox on PostgreSQL and RabbitMQ: events commit with the state change,
and the relay publishes each exactly once — also after a broker outage and with replicas."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import eventlet
import pytest
from kombu import Connection
from sqlalchemy import func, insert, select, text

from services.notifications.repository import InboxMessage
from shared.db import UnitOfWork, create_db_engine, utcnow
from shared.db.kit_tables import outbox
from shared.events import CATALOGUE
from shared.messaging.outbox import OutboxRelay
from shared.messaging.publisher import ConfirmedPublisher

QUEUE = "evt-issues-issue_reported--notifications.on_issue_reported"


def queue_depth(settings) -> int:
    with Connection(settings.amqp_uri) as connection:
        return connection.default_channel.queue_declare(QUEUE, passive=True).message_count


def purge(settings) -> None:
    with Connection(settings.amqp_uri) as connection:
        connection.default_channel.queue_purge(QUEUE)


@pytest.fixture
def clean(settings, engine):
    ConfirmedPublisher(settings).declare_topology()
    purge(settings)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(text("DELETE FROM inbox_messages"))


def unpublished(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar_one()


def example() -> dict:
    return CATALOGUE.latest("issues.issue_reported").example_data()


def a_message(uow) -> InboxMessage:
    return InboxMessage(
        id=uuid.uuid4().hex[:20],
        recipient_id="r",
        kind="k",
        params={},
        event_id=uuid.uuid4().hex,
        subject=None,
        community=None,
        created_at=utcnow(),
        read_at=None,
    )


def test_events_commit_together_with_the_state_change(clean, engine):
    with UnitOfWork(engine) as uow:
        uow.session.add(a_message(uow))
        uow.publish("issues.issue_reported", example(), community="c")
        uow.commit()
    with UnitOfWork(engine) as uow:
        uow.session.add(a_message(uow))
        uow.publish("issues.issue_reported", example(), community="c")
        # no commit: the block ends in a rollback
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(InboxMessage)).scalar_one() == 1
    assert unpublished(engine) == 1


def test_the_fast_path_publishes_right_after_commit(clean, settings, engine):
    relay = OutboxRelay(engine, ConfirmedPublisher(settings), settings)
    relay.start()
    try:
        with UnitOfWork(engine, after_commit=relay.enqueue) as uow:
            uow.publish("issues.issue_reported", example(), community="c")
            uow.commit()
        eventlet.sleep(0.3)  # well under the sweep's grace period
        assert unpublished(engine) == 0 and queue_depth(settings) == 1
    finally:
        relay.stop()


def test_events_left_behind_by_a_broker_outage_are_swept_out_once_it_is_back(
    clean, settings, engine
):
    down = replace(settings, amqp_uri="amqp://guest:guest@127.0.0.1:1//")
    dead_relay = OutboxRelay(engine, ConfirmedPublisher(down), down)
    for _ in range(5):
        with UnitOfWork(engine, after_commit=dead_relay.enqueue) as uow:
            uow.publish("issues.issue_reported", example(), community="c")
            uow.commit()
    assert dead_relay.sweep_once(grace=0) == 0  # broker unreachable: kept, no error
    assert unpublished(engine) == 5

    assert OutboxRelay(engine, ConfirmedPublisher(settings), settings).sweep_once(grace=0) == 5
    assert unpublished(engine) == 0 and queue_depth(settings) == 5


def test_replicas_sweeping_at_once_publish_each_event_exactly_once(clean, settings, engine):
    past = utcnow() - timedelta(minutes=1)
    with engine.begin() as connection:
        for _ in range(300):
            envelope = CATALOGUE.envelope("issues.issue_reported", example(), community="c")
            connection.execute(
                insert(outbox).values(
                    id=envelope.id,
                    type=envelope.type,
                    message=envelope.to_message(),
                    created_at=past,
                    published_at=None,
                    attempts=0,
                )
            )
    replicas = [create_db_engine(settings.database_url("notifications")) for _ in range(3)]
    relays = [OutboxRelay(e, ConfirmedPublisher(settings), settings) for e in replicas]

    def sweep_until_empty(relay) -> int:
        total = 0
        while (count := relay.sweep_once(grace=0)) > 0:
            total += count
        return total

    threads = [eventlet.spawn(sweep_until_empty, relay) for relay in relays]
    counts = [thread.wait() for thread in threads]
    for replica in replicas:
        replica.dispose()
    assert sum(counts) == 300
    assert unpublished(engine) == 0
    assert queue_depth(settings) == 300


def test_housekeeping_forgets_only_what_has_outlived_its_retention(clean, settings, engine):
    from shared.db.kit_tables import idempotency_keys, inbox

    old, recent = utcnow() - timedelta(days=400), utcnow()
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM inbox"))
        connection.execute(text("DELETE FROM idempotency_keys"))
        for when, name in ((old, "old"), (recent, "recent")):
            envelope = CATALOGUE.envelope("issues.issue_reported", example(), community="c")
            connection.execute(
                insert(outbox).values(
                    id=envelope.id,
                    type=envelope.type,
                    message=envelope.to_message(),
                    created_at=when,
                    published_at=when,
                    attempts=1,
                )
            )
            connection.execute(insert(inbox).values(consumer="c", event_id=name, handled_at=when))
            connection.execute(
                insert(idempotency_keys).values(
                    scope="s", key=name, request_hash="h", result={}, created_at=when
                )
            )
    removed = OutboxRelay(engine, ConfirmedPublisher(settings), settings).housekeep()
    assert removed == {"outbox": 1, "idempotency_keys": 1, "inbox": 1}
    with engine.connect() as connection:
        assert connection.execute(select(inbox.c.event_id)).scalars().all() == ["recent"]
        assert connection.execute(select(idempotency_keys.c.key)).scalars().all() == ["recent"]
        assert connection.execute(select(func.count()).select_from(outbox)).scalar_one() == 1
