"""A unit of work that claims something once — an idempotency key, an inbox entry — commits
its claim and the rows it recorded for later together (`UnitOfWork.commit_claiming`), on
PostgreSQL:

- when it sent nothing else (its reads came from caches): one statement, in autocommit;
- a taken claim writes nothing of the unit of work, on both paths;
- the report of an issue and the notification of an event take that path once the caches are
  warm, and a replay of either adds nothing.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select, text

from services.notifications.handlers.fanout import notify
from services.notifications.repository import (
    DirectoryCopy,
    Follow,
    InboxMessage,
    PeopleRepository,
    Person,
)
from shared.db import UnitOfWork, create_db_engine
from shared.db.kit_tables import idempotency_keys, inbox, outbox
from shared.db.unit_of_work import autocommit_engine
from shared.errors import Conflict
from shared.events import CATALOGUE
from tests.support.kit import DirectKit

COMMUNITY = "150105001001"


@contextmanager
def statements(engine):
    """The SQL statements `engine` sends meanwhile (BEGIN and COMMIT are not statements
    SQLAlchemy sends: in autocommit there are none; otherwise the driver sends them), with
    whether each ran in autocommit. A claiming statement is prepared once per connection:
    its `PREPARE` is not counted."""
    sent: list[tuple[str, bool]] = []

    def record(conn, _cursor, statement, _params, _context, _many):
        if not statement.startswith("PREPARE"):
            sent.append((statement, conn.connection.dbapi_connection.autocommit))

    engines = (engine, autocommit_engine(engine))
    for each in engines:
        event.listen(each, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for each in engines:
            event.remove(each, "before_cursor_execute", record)


def count(engine, table, where=None) -> int:
    query = select(func.count()).select_from(table)
    if where is not None:
        query = query.where(where)
    with engine.connect() as connection:
        return connection.scalar(query)


@pytest.fixture
def notifications_db(databases):
    engine = create_db_engine(databases["notifications"])
    with engine.begin() as connection:
        for table in ("inbox_messages", "deliveries", "follows", "inbox", "people"):
            connection.execute(text(f"DELETE FROM {table}"))
    yield engine
    engine.dispose()


def test_an_untouched_unit_of_work_commits_its_claim_and_rows_in_one_autocommit_statement(
    notifications_db,
):
    engine = notifications_db
    row = {
        "id": "msg-one-statement",
        "recipient_id": "acc-1",
        "kind": "issue_reported",
        "params": {"title": "暖气不热"},
        "event_id": "evt-1",
        "subject": "iss-1",
        "community": COMMUNITY,
        "created_at": datetime.now(UTC),
        "read_at": None,
    }
    with statements(engine) as sent, UnitOfWork(engine) as uow:
        uow.insert_later(InboxMessage.__table__, [row])
        uow.insert_later(
            Follow.__table__, [{"subject": "iss-1", "account_id": "acc-1"}], skip_taken=True
        )
        assert uow.commit_first_time("notifications.test", "evt-1")
    assert len(sent) == 1 and sent[0][0].startswith("EXECUTE pavilion_claim_")
    assert sent[0][1] is True  # autocommit: no BEGIN, no COMMIT
    assert count(engine, InboxMessage, InboxMessage.id == "msg-one-statement") == 1
    assert count(engine, Follow) == 1
    assert count(engine, inbox) == 1

    # the same claim again: nothing of the unit of work is written
    with UnitOfWork(engine) as uow:
        uow.insert_later(InboxMessage.__table__, [{**row, "id": "msg-again"}])
        uow.insert_later(
            Follow.__table__, [{"subject": "iss-2", "account_id": "acc-1"}], skip_taken=True
        )
        assert not uow.commit_first_time("notifications.test", "evt-1")
    assert count(engine, InboxMessage, InboxMessage.id == "msg-again") == 0
    assert count(engine, Follow) == 1
    assert count(engine, inbox) == 1


def test_a_taken_claim_after_other_statements_rolls_the_transaction_back(notifications_db):
    engine = notifications_db
    with UnitOfWork(engine) as uow:
        uow.session.execute(text("INSERT INTO follows VALUES ('iss-9', 'acc-9')"))
        assert uow.commit_first_time("notifications.test", "evt-9")
    with statements(engine) as sent, UnitOfWork(engine) as uow:
        uow.session.execute(text("INSERT INTO follows VALUES ('iss-10', 'acc-10')"))
        uow.publish(
            "issues.issue_reported",
            CATALOGUE.latest("issues.issue_reported").example_data(),
            community=COMMUNITY,
        )
        assert not uow.commit_first_time("notifications.test", "evt-9")
    assert [autocommit for _, autocommit in sent] == [False, False]  # in a transaction
    assert count(engine, Follow, Follow.subject == "iss-10") == 0
    assert count(engine, outbox) == 0


def test_a_follow_recorded_for_later_is_seen_by_the_same_unit_of_work(notifications_db):
    engine = notifications_db
    with UnitOfWork(engine) as uow:
        directory = DirectoryCopy(uow.session)
        directory.follow("iss-3", "acc-3")
        directory.follow("iss-3", "acc-3")
        assert directory.followers("iss-3") == {"acc-3"}
        directory.unfollow("iss-3", "acc-3")
        directory.follow("iss-3", "acc-4")
        assert uow.commit_first_time("notifications.test", "evt-3")
    with engine.connect() as connection:
        rows = connection.execute(select(Follow.subject, Follow.account_id)).all()
    assert rows == [("iss-3", "acc-4")]


def issue_reported(assignee: str):
    data = {
        **CATALOGUE.latest("issues.issue_reported").example_data(),
        "assignee_id": assignee,
        "community": COMMUNITY,
    }
    sent = CATALOGUE.envelope("issues.issue_reported", data, community=COMMUNITY)
    return CATALOGUE.load(json.loads(json.dumps(sent.to_message())))


def test_an_event_notified_on_warm_caches_is_one_statement_and_a_redelivery_adds_nothing(
    notifications_db,
):
    engine = notifications_db
    kit = DirectKit(engine, consumer="notifications.on_issue_reported")
    assert notify(kit, issue_reported("acc-grid-1")) >= 1  # warms the caches
    reported = issue_reported("acc-grid-1")
    with statements(engine) as sent:
        assert notify(kit, reported) >= 1
    assert len(sent) == 1 and sent[0][1] is True
    messages = InboxMessage.event_id == reported.id
    assert count(engine, InboxMessage, messages) >= 1
    first = count(engine, InboxMessage, messages)

    assert notify(kit, reported) == 0  # redelivered: handled before
    assert count(engine, InboxMessage, messages) == first


def test_a_report_on_warm_caches_is_one_statement_and_a_replay_adds_nothing(databases):
    from services.issues import handlers as issue_handlers
    from services.issues.figures_repository import FigureDelta
    from services.issues.repository import Issue, IssueHistory, SlaAlarm

    engine = create_db_engine(databases["issues"])
    payload = {
        "community": COMMUNITY,
        "category": "heating",
        "title": "暖气不热",
        "reporter_id": "acc-resident-one-statement",
    }
    kit = DirectKit(engine)
    try:
        issue_handlers.report_issue(kit, payload, "key-warm-up")  # warms the caches
        deltas = count(engine, FigureDelta)
        with statements(engine) as sent:
            first = issue_handlers.report_issue(kit, payload, "key-one-statement")
        assert len(sent) == 1 and sent[0][1] is True
        issue_id = first["id"]
        assert count(engine, Issue, Issue.id == issue_id) == 1
        assert count(engine, IssueHistory, IssueHistory.issue_id == issue_id) == 1
        assert count(engine, SlaAlarm, SlaAlarm.issue_id == issue_id) == 4
        assert count(engine, outbox, outbox.c.message["subject"].as_string() == issue_id) == 1
        assert count(engine, FigureDelta) == deltas + 1
        with engine.connect() as connection:
            stored = connection.execute(
                select(Issue.status, Issue.description, Issue.supporters, Issue.figure_mark).where(
                    Issue.id == issue_id
                )
            ).one()
        assert stored.status == "reported" and stored.description == ""
        assert stored.supporters == 0 and stored.figure_mark  # defaults and the figures mark

        replay = issue_handlers.report_issue(kit, payload, "key-one-statement")
        assert replay == first
        assert count(engine, Issue, Issue.reporter_id == payload["reporter_id"]) == 2
        assert count(engine, FigureDelta) == deltas + 1
        with pytest.raises(Conflict):
            issue_handlers.report_issue(kit, {**payload, "title": "别的"}, "key-one-statement")
        assert count(engine, idempotency_keys, idempotency_keys.c.key == "key-one-statement") == 1
    finally:
        engine.dispose()


def test_a_cached_table_written_by_a_prepared_claiming_statement_is_read_afresh(
    notifications_db,
):
    engine = notifications_db
    with UnitOfWork(engine) as uow:
        # cached: acc-new has no contact details yet
        assert PeopleRepository(uow.session).recipients(["acc-new"])["acc-new"].contact is None
    with UnitOfWork(engine) as uow:
        uow.insert_later(
            Person.__table__,
            [
                {
                    "account_id": "acc-new",
                    "name": "新居民",
                    "locale": "zh-CN",
                    "timezone": "Asia/Shanghai",
                    "phone": "13800000000",
                    "email": None,
                    "bot_url": None,
                    "quiet_start": None,
                    "quiet_end": None,
                    "digest": "off",
                    "updated_at": datetime.now(UTC),
                }
            ],
        )
        assert uow.commit_first_time("notifications.test", "evt-person")
    with UnitOfWork(engine) as uow:
        contact = PeopleRepository(uow.session).recipients(["acc-new"])["acc-new"].contact
    assert contact is not None and contact.phone == "13800000000"


def test_a_column_left_out_of_a_recorded_row_takes_its_default(notifications_db):
    engine = notifications_db
    for attempt in range(2):  # the second time the statement's shape is known
        account = f"acc-defaults-{attempt}"
        with UnitOfWork(engine) as uow:
            uow.insert_later(
                Person.__table__, [{"account_id": account, "updated_at": datetime.now(UTC)}]
            )
            assert uow.commit_first_time("notifications.test", f"evt-defaults-{attempt}")
        with engine.connect() as connection:
            row = connection.execute(
                select(Person.locale, Person.timezone, Person.digest, Person.name).where(
                    Person.account_id == account
                )
            ).one()
        assert tuple(row) == ("zh-CN", "Asia/Shanghai", "off", "")
