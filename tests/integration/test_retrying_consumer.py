"""The retrying event entrypoint on real RabbitMQ and PostgreSQL: failures are retried with
backoff, then kept as dead letters that replay; undecodable messages are kept too; a
redelivered event has its effect once."""

from __future__ import annotations

import time

import pytest
from kombu import Connection, Producer
from nameko.containers import ServiceContainer
from sqlalchemy import func, select, text

from services.notifications import handlers
from services.notifications.domain import messages
from services.notifications.repository import InboxMessage
from shared.events import CATALOGUE
from shared.kit import ServiceKit
from shared.messaging import parking
from shared.messaging.consumer import event_consumer
from shared.messaging.publisher import ConfirmedPublisher
from tests.support.processes import wait_until

QUEUE = "evt-issues-issue_reported--notifications.on_issue_reported"


class Fault:
    failures_left = 0
    calls: list[float] = []


def flaky_compose(data):
    Fault.calls.append(time.monotonic())
    if Fault.failures_left != 0:
        Fault.failures_left -= 1
        raise ConnectionError("SMS provider unreachable")
    return messages.issue_reported(data)


class NotificationsStandIn:
    """The notifications service's consumer, with a fault the test controls."""

    name = "notifications"
    kit = ServiceKit()

    @event_consumer("issues.issue_reported")
    def on_issue_reported(self, event):
        handlers.deliver_to_inboxes(self.kit, event, flaky_compose)


@pytest.fixture
def consumer(settings, engine):
    with engine.begin() as connection:
        for table in ("inbox_messages", "inbox", "parked_events"):
            connection.execute(text(f"DELETE FROM {table}"))
    Fault.failures_left, Fault.calls = 0, []
    container = ServiceContainer(NotificationsStandIn, settings.nameko_config("notifications"))
    container.start()
    yield container
    container.stop()


def publish_issue(settings) -> str:
    data = CATALOGUE.latest("issues.issue_reported").example_data()
    envelope = CATALOGUE.envelope("issues.issue_reported", data, community="150105001001")
    ConfirmedPublisher(settings).publish_event(envelope.to_message())
    return envelope.id, envelope


def delivered(engine, event_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.event_id == event_id)
        ).scalar_one()


def test_a_handler_that_fails_twice_then_succeeds_delivers_once_after_backoff(
    consumer, settings, engine
):
    Fault.failures_left = 2
    event_id, _ = publish_issue(settings)
    wait_until(lambda: delivered(engine, event_id) == 1, 15, message="delivery")
    time.sleep(0.5)
    assert delivered(engine, event_id) == 1
    assert len(Fault.calls) == 3
    first_wait, second_wait = Fault.calls[1] - Fault.calls[0], Fault.calls[2] - Fault.calls[1]
    assert first_wait >= 0.2 * 0.9  # base delay, less jitter
    assert second_wait >= 0.4 * 0.9  # doubled
    assert parking.list_parked(engine, None)["total"] == 0


def test_a_handler_that_always_fails_ends_as_a_dead_letter_that_replays(consumer, settings, engine):
    Fault.failures_left = -1  # never recovers
    event_id, _ = publish_issue(settings)
    listing = wait_until(
        lambda: parking.list_parked(engine, parking.DEAD)["items"], 15, message="a dead letter"
    )
    [dead] = listing
    assert dead["event_id"] == event_id and dead["attempts"] == 3
    assert "SMS provider unreachable" in parking.show_parked(engine, dead["id"])["error"]
    assert len(Fault.calls) == 3 and delivered(engine, event_id) == 0

    Fault.failures_left = 0  # the fault is fixed
    parking.replay_parked(engine, dead["id"])
    wait_until(lambda: delivered(engine, event_id) == 1, 15, message="replayed delivery")
    assert parking.list_parked(engine, None)["total"] == 0


def test_an_undecodable_message_is_kept_as_a_dead_letter(consumer, settings, engine):
    with Connection(settings.amqp_uri) as connection:
        Producer(connection).publish(
            b"{not json",
            exchange="",
            routing_key=QUEUE,
            content_type="application/json",
            content_encoding="utf-8",
        )
    [dead] = wait_until(
        lambda: parking.list_parked(engine, parking.DEAD)["items"], 15, message="a dead letter"
    )
    shown = parking.show_parked(engine, dead["id"])
    assert shown["body"] == "{not json" and "undecodable" in shown["error"]
    assert Fault.calls == []
    with pytest.raises(parking.Conflict):
        parking.replay_parked(engine, dead["id"])
    parking.discard_parked(engine, dead["id"])
    assert parking.list_parked(engine, None)["total"] == 0


def test_a_message_that_is_no_event_of_the_catalogue_is_kept_as_a_dead_letter(
    consumer, settings, engine
):
    ConfirmedPublisher(settings).publish_to_queue(QUEUE, {"hello": "world"}, {})
    [dead] = wait_until(
        lambda: parking.list_parked(engine, parking.DEAD)["items"], 15, message="a dead letter"
    )
    assert '"hello"' in parking.show_parked(engine, dead["id"])["body"]


def test_a_redelivered_event_has_its_effect_once(consumer, settings, engine):
    event_id, envelope = publish_issue(settings)
    ConfirmedPublisher(settings).publish_event(envelope.to_message())
    wait_until(
        lambda: len(Fault.calls) >= 1 and delivered(engine, event_id) == 1, 15, message="delivery"
    )
    time.sleep(0.5)
    assert delivered(engine, event_id) == 1
