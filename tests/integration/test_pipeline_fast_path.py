"""The report pipeline's cheaper paths (issue #2) keep their behaviour:

- the notifications service's per-process caches of recipients (contact details, opt-outs),
  webhook subscriptions and directory nodes: a write through this process — ORM, Core or
  raw SQL, on any engine of the same database — is seen by the next event; a transaction
  sees its own uncommitted writes; nothing uncommitted is ever served to others;
- a follow recorded twice is one row;
- RPC requests and replies through the reused publishers: answers, many concurrent calls,
  a call to a service that does not exist still refused, remote errors still raised.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select, text

from services.notifications.handlers.fanout import apply_rules
from services.notifications.repository import (
    NODES,
    RECIPIENTS,
    WEBHOOKS,
    Delivery,
    DirectoryCopy,
    Follow,
    InboxMessage,
    PeopleRepository,
    WebhookRepository,
    WebhookSubscription,
)
from shared.db import UnitOfWork, create_db_engine
from shared.errors import ServiceUnavailable
from shared.events import CATALOGUE
from shared.messaging.rpc import PooledPublisher, TimedRpc, rpc

COMMUNITY = "150105001001"
TABLES = (
    "inbox_messages",
    "deliveries",
    "people",
    "preferences",
    "follows",
    "role_holdings",
    "directory_nodes",
    "webhook_subscriptions",
    "inbox",
    "outbox",
)


@pytest.fixture
def db(databases):
    engine = create_db_engine(databases["notifications"])
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
    yield engine
    engine.dispose()


def shift_assigned(engine, volunteer="acc-vol"):
    starts_at = datetime.now(UTC) + timedelta(days=3)
    data = {
        **CATALOGUE.latest("volunteers.shift_assigned").example_data(),
        "volunteer_id": volunteer,
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
    }
    sent = CATALOGUE.envelope("volunteers.shift_assigned", data, community=COMMUNITY)
    envelope = CATALOGUE.load(json.loads(json.dumps(sent.to_message())))
    with UnitOfWork(engine) as uow:
        apply_rules(uow.session, envelope, datetime.now(UTC))
        uow.commit()
    return envelope


def deliveries_of(engine, event_id, channel):
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(Delivery.recipient_id, Delivery.address).where(
                    Delivery.event_id == event_id, Delivery.channel == channel
                )
            )
        )


def a_person(engine, phone=None, account_id="acc-vol"):
    with UnitOfWork(engine) as uow:
        person = PeopleRepository(uow.session).ensure(account_id, "李志愿", datetime.now(UTC))
        person.phone = phone
        uow.commit()


def test_a_changed_phone_is_used_by_the_very_next_event(db):
    a_person(db, phone="13800000001")
    first = shift_assigned(db)  # fills the cache
    assert deliveries_of(db, first.id, "sms") == [("acc-vol", "13800000001")]

    with db.begin() as connection:  # a Core write, not the ORM
        connection.execute(text("UPDATE people SET phone = '13900000002'"))
    second = shift_assigned(db)
    assert deliveries_of(db, second.id, "sms") == [("acc-vol", "13900000002")]


def test_an_opt_out_applies_at_once_and_its_removal_too(db):
    a_person(db, phone="13800000001")
    assert deliveries_of(db, shift_assigned(db).id, "sms")

    with UnitOfWork(db) as uow:
        PeopleRepository(uow.session).set_preference("acc-vol", "volunteering", "sms", False)
        uow.commit()
    assert deliveries_of(db, shift_assigned(db).id, "sms") == []

    other_engine = create_db_engine(str(db.url.render_as_string(hide_password=False)))
    try:  # another engine of the same database (a test, a command-line tool)
        with other_engine.begin() as connection:
            connection.execute(text("DELETE FROM preferences"))
    finally:
        other_engine.dispose()
    assert deliveries_of(db, shift_assigned(db).id, "sms")


def test_webhooks_added_and_removed_are_seen_by_the_next_event(db):
    assert deliveries_of(db, shift_assigned(db).id, "webhook") == []  # caches "none"

    with UnitOfWork(db) as uow:
        DirectoryCopy(uow.session).upsert_node(COMMUNITY, "community", None, [], "Asia/Shanghai")
        WebhookRepository(uow.session).add(
            WebhookSubscription(
                id="whk-1",
                owner_id="acc-partner",
                scope=COMMUNITY,
                url="http://127.0.0.1:9/hook",
                secret="s",
                event_types=["volunteers.shift_assigned"],
                created_at=datetime.now(UTC),
            )
        )
        uow.commit()
    assert deliveries_of(db, shift_assigned(db).id, "webhook") == [
        ("whk-1", "http://127.0.0.1:9/hook")
    ]

    with db.begin() as connection:
        connection.execute(text("DELETE FROM webhook_subscriptions"))
    assert deliveries_of(db, shift_assigned(db).id, "webhook") == []


def test_a_transaction_reads_its_own_writes_and_nobody_else_sees_them_uncommitted(db):
    a_person(db, phone="13800000001")
    with UnitOfWork(db) as reader:  # fills the cache
        people = PeopleRepository(reader.session)
        assert people.recipients(["acc-vol"])["acc-vol"].contact.phone == "13800000001"

    with UnitOfWork(db) as writer:
        writer.session.execute(text("UPDATE people SET phone = '13700000003'"))
        # this transaction sees its own write
        mine = PeopleRepository(writer.session).recipients(["acc-vol"])
        assert mine["acc-vol"].contact.phone == "13700000003"
        # another transaction meanwhile sees the committed value, and does not keep it
        with UnitOfWork(db) as other:
            theirs = PeopleRepository(other.session).recipients(["acc-vol"])
            assert theirs["acc-vol"].contact.phone == "13800000001"
        writer.commit()

    with UnitOfWork(db) as after:
        now = PeopleRepository(after.session).recipients(["acc-vol"])
        assert now["acc-vol"].contact.phone == "13700000003"


def test_a_rolled_back_write_leaves_the_committed_value(db):
    a_person(db, phone="13800000001")
    with UnitOfWork(db) as writer:
        writer.session.execute(text("UPDATE people SET phone = '13700000003'"))
        PeopleRepository(writer.session).recipients(["acc-vol"])
        # left without commit: rolled back
    with UnitOfWork(db) as after:
        now = PeopleRepository(after.session).recipients(["acc-vol"])
        assert now["acc-vol"].contact.phone == "13800000001"


def test_an_unknown_recipient_gets_in_app_only_and_is_cached_as_unknown(db):
    event = shift_assigned(db, volunteer="acc-nobody")
    assert deliveries_of(db, event.id, "sms") == []
    with db.connect() as connection:
        count = connection.scalar(
            select(func.count()).select_from(InboxMessage).where(InboxMessage.event_id == event.id)
        )
    assert count == 1
    a_person(db, phone="13800000009", account_id="acc-nobody")  # learned later: seen at once
    assert deliveries_of(db, shift_assigned(db, volunteer="acc-nobody").id, "sms")


def test_following_twice_is_one_row(db):
    with UnitOfWork(db) as uow:
        DirectoryCopy(uow.session).follow("iss-1", "acc-1")
        DirectoryCopy(uow.session).follow("iss-1", "acc-1")
        uow.commit()
    with UnitOfWork(db) as uow:
        DirectoryCopy(uow.session).follow("iss-1", "acc-1")
        assert DirectoryCopy(uow.session).followers("iss-1") == {"acc-1"}
        uow.commit()
    with db.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Follow)) == 1


def test_caches_are_per_database(db, databases):
    for cache in (RECIPIENTS, WEBHOOKS, NODES):
        cache.clear()
    a_person(db, phone="13800000001")
    issues_engine = create_db_engine(databases["issues"])
    try:
        with UnitOfWork(db) as uow:
            assert PeopleRepository(uow.session).recipients(["acc-vol"])["acc-vol"].contact
        with UnitOfWork(issues_engine) as uow:
            # the same key on another database is not served from the first one's cache
            assert RECIPIENTS.get(uow.session, "acc-vol", lambda: "other") == "other"
    finally:
        issues_engine.dispose()


# -- RPC through the reused publishers -------------------------------------------------------


class Callee:
    name = "issues"

    @rpc
    def echo(self, value):
        eventlet.sleep(0.01)
        return value

    @rpc
    def fail(self):
        raise ValueError("no")


class Caller:
    name = "gateway"
    issues = TimedRpc("issues")
    nobody = TimedRpc("nobody")

    @rpc
    def many(self, count):
        pool = eventlet.GreenPool(count)
        return list(pool.imap(self.issues.echo, range(count)))

    @rpc
    def echo(self, value):
        return self.issues.echo(value)

    @rpc
    def fail(self):
        return self.issues.fail()

    @rpc
    def unknown(self):
        return self.nobody.anything()


def test_rpc_through_reused_publishers_answers_refuses_and_raises(settings):
    callee = ServiceContainer(Callee, settings.nameko_config("issues"))
    caller = ServiceContainer(Caller, settings.nameko_config("gateway"))
    callee.start()
    caller.start()
    try:
        timed = next(dep for dep in caller.dependencies if isinstance(dep, TimedRpc))
        assert isinstance(timed._publisher, PooledPublisher)
        with entrypoint_hook(caller, "echo") as echo:
            assert [echo(i) for i in range(5)] == list(range(5))
        with entrypoint_hook(caller, "many") as many:
            assert many(40) == list(range(40))
        with entrypoint_hook(caller, "fail") as fail, pytest.raises(Exception) as failed:
            fail()
        assert "ValueError" in repr(failed.value) or "no" in str(failed.value)
        with entrypoint_hook(caller, "unknown") as unknown:
            with pytest.raises(ServiceUnavailable) as refused:
                unknown()
        assert refused.value.code == "service-unavailable"
        with entrypoint_hook(caller, "echo") as echo:
            assert echo("after") == "after"  # the shared producers survived the refusal
    finally:
        caller.stop()
        callee.stop()


# -- the relay marks confirmed events together -----------------------------------------------


def test_the_relay_marks_every_confirmed_event_once_with_its_confirm_time(settings, db):
    from shared.db.kit_tables import outbox
    from shared.messaging.outbox import OutboxRelay
    from shared.messaging.publisher import ConfirmedPublisher

    publisher = ConfirmedPublisher(settings)
    publisher.declare_topology()
    with db.begin() as connection:
        connection.execute(text("DELETE FROM outbox"))
    relay = OutboxRelay(db, publisher, settings)
    relay.start()
    try:
        for _ in range(30):
            with UnitOfWork(db, after_commit=relay.enqueue) as uow:
                uow.publish(
                    "issues.issue_reported",
                    CATALOGUE.latest("issues.issue_reported").example_data(),
                    community=COMMUNITY,
                )
                uow.commit()
        for _ in range(100):  # until marked (no timing asserted)
            with db.connect() as connection:
                rows = connection.execute(
                    select(outbox.c.created_at, outbox.c.published_at, outbox.c.attempts)
                ).all()
            if rows and all(row.published_at is not None for row in rows):
                break
            eventlet.sleep(0.05)
    finally:
        relay.stop()
    assert len(rows) == 30
    assert all(row.attempts == 1 for row in rows)  # each marked exactly once
    assert all(row.created_at <= row.published_at for row in rows)


# -- a report's rows written with its last statement ----------------------------------------


def test_a_report_writes_its_history_alarms_and_event_with_its_key_and_a_replay_adds_none(
    databases,
):
    from services.issues import handlers as issue_handlers
    from services.issues.repository import IssueHistory, SlaAlarm
    from shared.db.kit_tables import idempotency_keys, outbox
    from tests.support.kit import DirectKit

    engine = create_db_engine(databases["issues"])

    def counts(issue_id):
        with engine.connect() as connection:
            return tuple(
                connection.scalar(select(func.count()).select_from(table).where(where))
                for table, where in (
                    (IssueHistory, IssueHistory.issue_id == issue_id),
                    (SlaAlarm, SlaAlarm.issue_id == issue_id),
                    (outbox, outbox.c.message["subject"].as_string() == issue_id),
                )
            )

    payload = {
        "community": COMMUNITY,
        "category": "heating",
        "title": "暖气不热",
        "reporter_id": "acc-resident-fast-path",
    }
    kit = DirectKit(engine)
    try:
        first = issue_handlers.report_issue(kit, payload, "key-fast-path-1")
        assert counts(first["id"]) == (1, 4, 1)
        with engine.connect() as connection:
            history = connection.execute(
                select(IssueHistory.action, IssueHistory.to_status).where(
                    IssueHistory.issue_id == first["id"]
                )
            ).all()
            kinds = set(
                connection.scalars(select(SlaAlarm.kind).where(SlaAlarm.issue_id == first["id"]))
            )
            stored = connection.scalar(
                select(func.count())
                .select_from(idempotency_keys)
                .where(idempotency_keys.c.key == "key-fast-path-1")
            )
        assert history == [("report", "reported")]
        assert kinds == {
            "response_warning",
            "response_breach",
            "resolution_warning",
            "resolution_breach",
        }
        assert stored == 1

        again = issue_handlers.report_issue(kit, payload, "key-fast-path-1")  # a redelivery
        assert again["id"] == first["id"]
        assert counts(first["id"]) == (1, 4, 1)

        unkeyed = issue_handlers.report_issue(kit, payload)  # no key: written before commit
        assert unkeyed["id"] != first["id"]
        assert counts(unkeyed["id"]) == (1, 4, 1)
    finally:
        engine.dispose()


def test_rows_recorded_for_later_are_dropped_by_a_rollback(db):
    with UnitOfWork(db) as uow:
        uow.publish(
            "issues.issue_reported",
            CATALOGUE.latest("issues.issue_reported").example_data(),
            community=COMMUNITY,
        )
        uow.session.execute(text("SELECT 1"))
        uow.session.rollback()
        uow.session.execute(text("SELECT 1"))
        uow.commit()  # nothing recorded before the rollback is written
    with db.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM outbox")) == 0
