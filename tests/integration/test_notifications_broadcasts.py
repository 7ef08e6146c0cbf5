"""Broadcasts on real PostgreSQL: every resident of a community gets the announcement once,
in chunks; a street-wide one waits for a second admin."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from services.notifications.handlers import broadcasts
from services.notifications.repository import DirectoryCopy, InboxMessage
from shared.db import UnitOfWork, create_db_engine
from shared.db.migrations import upgrade
from shared.errors import Forbidden
from tests.support.infra import pg_databases

STREET, COMMUNITY, OTHER = "150105001", "150105001001", "150105001002"


class Kit:
    consumer = "notifications.test"

    def __init__(self, engine):
        self.engine = engine

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)


@pytest.fixture(scope="module")
def kit():
    with pg_databases(("notifications",)) as urls:
        upgrade("notifications", urls["notifications"])
        engine = create_db_engine(urls["notifications"])
        kit = Kit(engine)
        with kit.unit_of_work() as uow:
            directory = DirectoryCopy(uow.session)
            for code in (COMMUNITY, OTHER):
                directory.upsert_node(code, "community", STREET, ["150100", "150105", STREET], "")
                directory.upsert_node(f"{code}-G01", "grid", code, [STREET, code], "")
            for n in range(2500):
                directory.hold(f"acc-r{n:05d}", "resident", f"{COMMUNITY}-G01")
            for n in range(300):
                directory.hold(f"acc-o{n:05d}", "resident", OTHER)
            uow.commit()
        yield kit
        engine.dispose()


@pytest.fixture(autouse=True)
def empty_inboxes(kit):
    with kit.engine.begin() as connection:
        connection.execute(text("DELETE FROM inbox_messages"))
        connection.execute(text("DELETE FROM broadcasts"))


def inbox_count(kit, broadcast_id) -> int:
    with kit.engine.connect() as connection:
        return connection.execute(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.event_id == broadcast_id)
        ).scalar_one()


def test_a_community_announcement_reaches_every_resident_once_in_chunks(kit):
    created = broadcasts.create(kit, "acc-zl", COMMUNITY, "community", "停水通知", "明天停水")
    assert created["state"] == "sending"

    written = broadcasts.fan_out(kit, chunk=1000, max_chunks=2)
    assert written == 2000 and broadcasts.show(kit, created["id"])["state"] == "sending"
    broadcasts.fan_out(kit, chunk=1000)
    broadcasts.fan_out(kit, chunk=1000)  # nothing more to do

    assert inbox_count(kit, created["id"]) == 2500
    shown = broadcasts.show(kit, created["id"])
    assert shown["state"] == "done" and shown["delivered"] == 2500


def test_a_street_wide_announcement_waits_for_a_second_admin(kit):
    created = broadcasts.create(kit, "acc-admin1", STREET, "street", "防汛", "注意防汛")
    assert created["state"] == "awaiting_approval"
    broadcasts.fan_out(kit)
    assert inbox_count(kit, created["id"]) == 0

    with pytest.raises(Forbidden):
        broadcasts.approve(kit, created["id"], "acc-admin1")
    broadcasts.approve(kit, created["id"], "acc-admin2")
    broadcasts.fan_out(kit)

    assert inbox_count(kit, created["id"]) == 2800
