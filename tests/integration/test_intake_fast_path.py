"""What makes the report path cheap, on PostgreSQL and RabbitMQ: an idempotency key stored with
one statement (a retry, a concurrent twin and a retry that would now fail all get the first
result), batched publisher confirms, and the per-database read caches of the issues service
(catalogue, directory copy) that a write through this process invalidates at once."""

from __future__ import annotations

import uuid

import eventlet
import pytest
from kombu import Connection
from sqlalchemy import func, select, text

from services.issues.handlers import common
from services.issues.repository import IssueRepository
from shared.db import UnitOfWork, create_db_engine, utcnow
from shared.db.kit_tables import idempotency_keys, outbox
from shared.db.unit_of_work import run_idempotent
from shared.errors import Conflict, ValidationFailed
from shared.events import CATALOGUE
from shared.messaging.publisher import ConfirmedPublisher

QUEUE = "evt-issues-issue_reported--notifications.on_issue_reported"


@pytest.fixture
def engine(settings):
    engine = create_db_engine(settings.database_url("notifications"))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
        connection.execute(text("DELETE FROM idempotency_keys"))
    yield engine
    engine.dispose()


@pytest.fixture
def issues_engine(settings):
    engine = create_db_engine(settings.database_url("issues"))
    yield engine
    engine.dispose()


def outbox_rows(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(outbox)).scalar_one()


def stored_keys(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()


def example() -> dict:
    return CATALOGUE.latest("issues.issue_reported").example_data()


def creating(pause: float = 0.0):
    """An action that records one event and answers with a fresh id."""

    def action(uow) -> dict:
        uow.publish("issues.issue_reported", example(), community="c")
        eventlet.sleep(pause)
        return {"id": uuid.uuid4().hex}

    return action


def test_a_retried_key_gets_the_first_result_and_creates_nothing(engine):
    make = lambda: UnitOfWork(engine)  # noqa: E731
    first, replayed = run_idempotent(make, "s", "k1", {"a": 1}, creating())
    again, replayed_again = run_idempotent(make, "s", "k1", {"a": 1}, creating())
    assert (replayed, replayed_again) == (False, True)
    assert again == first
    assert outbox_rows(engine) == 1 and stored_keys(engine) == 1


def test_the_same_key_with_another_request_is_refused(engine):
    make = lambda: UnitOfWork(engine)  # noqa: E731
    run_idempotent(make, "s", "k2", {"a": 1}, creating())
    with pytest.raises(Conflict) as refused:
        run_idempotent(make, "s", "k2", {"a": 2}, creating())
    assert refused.value.code == "idempotency-key-reused"
    assert outbox_rows(engine) == 1


def test_a_retry_whose_action_would_now_fail_gets_the_first_result(engine):
    make = lambda: UnitOfWork(engine)  # noqa: E731
    first, _ = run_idempotent(make, "s", "k3", {"a": 1}, creating())

    def now_full(uow):
        raise ValidationFailed("shift-full", "No place left.")

    assert run_idempotent(make, "s", "k3", {"a": 1}, now_full) == (first, True)
    with pytest.raises(ValidationFailed):  # a new key still gets the error
        run_idempotent(make, "s", "k4", {"a": 1}, now_full)


def test_concurrent_first_requests_with_one_key_create_one_thing(engine):
    make = lambda: UnitOfWork(engine)  # noqa: E731
    threads = [
        eventlet.spawn(run_idempotent, make, "s", "k5", {"a": 1}, creating(pause=0.2))
        for _ in range(3)
    ]
    outcomes = [thread.wait() for thread in threads]
    assert len({result["id"] for result, _ in outcomes}) == 1
    assert sorted(replayed for _, replayed in outcomes) == [False, True, True]
    assert outbox_rows(engine) == 1 and stored_keys(engine) == 1


def test_without_a_key_every_call_runs_and_nothing_is_stored(engine):
    make = lambda: UnitOfWork(engine)  # noqa: E731
    run_idempotent(make, "s", None, {"a": 1}, creating())
    run_idempotent(make, "s", None, {"a": 1}, creating())
    assert outbox_rows(engine) == 2 and stored_keys(engine) == 0


def test_a_batch_is_confirmed_at_once_and_an_unroutable_event_is_not_taken_as_sent(settings):
    publisher = ConfirmedPublisher(settings)
    publisher.declare_topology()
    with Connection(settings.amqp_uri) as connection:
        connection.default_channel.queue_purge(QUEUE)
    messages = [
        CATALOGUE.envelope("issues.issue_reported", example(), community="c").to_message()
        for _ in range(40)
    ]
    stray = dict(messages[5], id="stray-" + uuid.uuid4().hex, type="issues.nobody_listens")
    try:
        sent = publisher.publish_events([*messages[:10], stray, *messages[10:]])
        assert sent == [m["id"] for m in messages]
        assert publisher.publish_events(messages[:3]) == [m["id"] for m in messages[:3]]
    finally:
        publisher.close()
    with Connection(settings.amqp_uri) as connection:
        depth = connection.default_channel.queue_declare(QUEUE, passive=True).message_count
    assert depth == 43


def test_a_batch_to_an_unreachable_broker_raises(settings):
    from dataclasses import replace

    down = replace(settings, amqp_uri="amqp://guest:guest@127.0.0.1:1//")
    with pytest.raises(Exception):  # noqa: B017 - the connection error of the transport
        ConfirmedPublisher(down).publish_events([example() | {"id": "x", "type": "issues.a"}])


def test_a_catalogue_change_through_this_process_is_seen_at_once(issues_engine):
    community = f"c-{uuid.uuid4().hex[:8]}"
    with UnitOfWork(issues_engine) as uow:
        codes = {
            c["code"] for c in common.community_catalogue(IssueRepository(uow.session), community)
        }
    assert "heating" in codes  # and now cached

    with UnitOfWork(issues_engine) as uow:
        issues = IssueRepository(uow.session)
        issues.put_override(community, "heating", "remove", {}, utcnow())
        inside = {c["code"] for c in common.community_catalogue(issues, community)}
        # no commit: rolled back, and what this transaction saw must not have been cached
    assert "heating" not in inside
    with UnitOfWork(issues_engine) as uow:
        codes = {
            c["code"] for c in common.community_catalogue(IssueRepository(uow.session), community)
        }
    assert "heating" in codes

    with UnitOfWork(issues_engine) as uow:
        IssueRepository(uow.session).put_override(community, "heating", "remove", {}, utcnow())
        uow.commit()
    with UnitOfWork(issues_engine) as uow:
        codes = {
            c["code"] for c in common.community_catalogue(IssueRepository(uow.session), community)
        }
    assert "heating" not in codes  # well within the cache's time to live


def test_a_role_recorded_through_this_process_routes_the_next_report(issues_engine):
    grid = f"g-{uuid.uuid4().hex[:8]}"
    with UnitOfWork(issues_engine) as uow:
        assert common.role_holders(IssueRepository(uow.session), "grid_worker", grid) == ()
    with UnitOfWork(issues_engine) as uow:
        IssueRepository(uow.session).assign_role("w-1", "grid_worker", grid, "王芳")
        uow.commit()
    with UnitOfWork(issues_engine) as uow:
        assert common.role_holders(IssueRepository(uow.session), "grid_worker", grid) == ("w-1",)
