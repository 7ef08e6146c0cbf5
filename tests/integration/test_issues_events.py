"""The issues service on RabbitMQ and PostgreSQL: every event it publishes reaches the broker
as a valid catalogued envelope, the directory events it consumes are applied once, and an SLA
breach escalates exactly once, also across a service restart."""

from __future__ import annotations

import os
from datetime import timedelta

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from sqlalchemy import func, select, text, update

from services.issues import handlers
from services.issues.repository import IssueHistory, SlaAlarm
from services.issues.service import IssuesService
from shared.db import create_db_engine, utcnow
from shared.events import CATALOGUE
from shared.messaging.publisher import ConfirmedPublisher
from tests.support.kit import DirectKit
from tests.support.processes import wait_until

COMMUNITY, GRID = "C-it", "C-it-G1"
WORKER = {"id": "w-it", "role": "grid_worker"}
REPORTER = {"id": "r-it", "role": "resident"}


@pytest.fixture(scope="module")
def engine(settings):
    engine = create_db_engine(settings.database_url("issues"))
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def kit(engine):
    return DirectKit(engine)


@pytest.fixture(scope="module")
def taps(broker):
    """A queue bound to every issues event, to read what reached the broker."""
    with Connection(broker[1]) as connection:
        queue = Queue(
            "test-tap-issues",
            Exchange("issues.events", type="topic", durable=True),
            routing_key="issues.#",
            auto_delete=False,
        )
        queue(connection.channel()).declare()
        yield connection, queue


def drain(taps) -> list:
    connection, queue = taps
    bound = queue(connection.channel())
    found = []
    while (message := bound.get(no_ack=True)) is not None:
        found.append(CATALOGUE.load(message.payload))
    return found


class Seen:
    def __init__(self, taps) -> None:
        self.taps, self.events = taps, []

    def types_of(self, issue_id: str) -> list[str]:
        self.events += drain(self.taps)
        return [e.type for e in self.events if e.subject == issue_id]


@pytest.fixture(scope="module")
def directory(engine, settings, running):
    """The directory events the service consumes, published as the gateway does."""
    publisher = ConfirmedPublisher(settings)
    messages = [
        (
            "directory.node_upserted",
            {
                "code": COMMUNITY,
                "name": "测试社区",
                "kind": "community",
                "parent": "S-it",
                "ancestors": ["D-it", "S-it"],
            },
        ),
        (
            "directory.node_upserted",
            {
                "code": GRID,
                "name": "测试网格",
                "kind": "grid",
                "parent": COMMUNITY,
                "ancestors": ["D-it", "S-it", COMMUNITY],
            },
        ),
        (
            "directory.role_assigned",
            {"account_id": "w-it", "name": "王", "role": "grid_worker", "node": GRID},
        ),
        (
            "directory.role_assigned",
            {"account_id": "s-it", "name": "张", "role": "social_worker", "node": COMMUNITY},
        ),
    ]
    envelopes = [CATALOGUE.envelope(t, d, community=COMMUNITY) for t, d in messages]
    for envelope in envelopes:
        publisher.publish_event(envelope.to_message())

    def applied() -> bool:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM role_assignments")).scalar() == 2

    wait_until(applied, 15, message="directory copy")
    return publisher, envelopes


class Runner:
    """The issues service in this process; a stopped container is replaced by a new one, as
    a restarted process would be."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.container = None

    def start(self) -> None:
        self.container = ServiceContainer(IssuesService, self.settings.nameko_config("issues"))
        self.container.start()

    def stop(self) -> None:
        if self.container is not None:
            try:
                with eventlet.Timeout(10):
                    self.container.stop()
            except eventlet.Timeout:  # a worker still holding on: end it as a crash would
                self.container.kill()
            self.container = None


@pytest.fixture(scope="module")
def running(settings):
    os.environ["ISSUES_SLA_TICK_SECONDS"] = "0.2"
    runner = Runner(settings)
    runner.start()
    yield runner
    runner.stop()


@pytest.fixture(scope="module")
def service(running, directory):
    return running


def fire_now(engine, issue_id: str, *kinds: str) -> None:
    """Move alarms of an issue into the past (as if the clock had run out)."""
    with engine.begin() as connection:
        connection.execute(
            update(SlaAlarm)
            .where(SlaAlarm.issue_id == issue_id, SlaAlarm.kind.in_(kinds))
            .values(due_at=utcnow() - timedelta(minutes=1))
        )


def escalations(engine, issue_id: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count())
            .select_from(IssueHistory)
            .where(IssueHistory.issue_id == issue_id, IssueHistory.action == "escalate")
        ).scalar_one()


def new_issue(kit, title="暖气不热", **extra) -> dict:
    payload = {
        "community": COMMUNITY,
        "category": "heating",
        "title": title,
        "grid": GRID,
        "reporter_id": REPORTER["id"],
        **extra,
    }
    return handlers.report_issue(kit, payload)


def test_directory_events_build_the_copy_routing_uses_and_a_redelivery_applies_once(
    service, directory, engine, kit
):
    publisher, envelopes = directory
    publisher.publish_event(envelopes[2].to_message())  # the same event again
    issue = new_issue(kit)
    assert issue["assignee_id"] == "w-it" and issue["grid"] == GRID
    with engine.connect() as connection:
        handled = connection.execute(
            text("SELECT count(*) FROM inbox WHERE event_id = :id"), {"id": envelopes[2].id}
        ).scalar()
    assert handled == 1


def test_every_transition_reaches_the_broker_as_its_catalogued_event(service, kit, taps):
    seen = Seen(taps)
    issue = new_issue(kit)
    duplicate = new_issue(kit, "暖气也不热")
    steps = [
        lambda: handlers.support(kit, issue["id"], {"id": "r2-it", "role": "resident"}),
        lambda: handlers.comment(kit, issue["id"], WORKER, {"body": "明天上门"}),
        lambda: handlers.reassign(
            kit, issue["id"], "w-it", {"id": "s-it", "role": "social_worker"}
        ),
        lambda: handlers.act(kit, issue["id"], "accept", WORKER, {}),
        lambda: handlers.act(kit, issue["id"], "wait_for_resident", WORKER, {"reason": "不在家"}),
        lambda: handlers.act(kit, issue["id"], "resume", WORKER, {}),
        lambda: handlers.act(kit, issue["id"], "resolve", WORKER, {"note": "换了阀门"}),
        lambda: handlers.evaluate(
            kit, issue["id"], REPORTER, {"satisfaction": "unsatisfied", "score": 2}
        ),
        lambda: handlers.act(kit, issue["id"], "refer", WORKER, {"reason": "热力公司负责"}),
        lambda: handlers.act(kit, issue["id"], "escalate", WORKER, {"reason": "需街道协调"}),
        lambda: handlers.act(kit, issue["id"], "accept", WORKER, {}),
        lambda: handlers.act(kit, issue["id"], "resolve", WORKER, {"note": "已修复"}),
        lambda: handlers.evaluate(
            kit, issue["id"], REPORTER, {"satisfaction": "satisfied", "score": 5}
        ),
        lambda: handlers.act(kit, issue["id"], "close", WORKER, {}),
        lambda: handlers.merge(kit, duplicate["id"], new_issue(kit)["id"], WORKER),
    ]
    for step in steps:
        step()
    rejected = new_issue(kit)
    handlers.act(kit, rejected["id"], "reject", WORKER, {"reason": "不属于受理范围"})
    expected = [
        "issues.issue_reported",
        "issues.issue_supported",
        "issues.issue_commented",
        "issues.issue_assigned",
        "issues.issue_accepted",
        "issues.issue_waiting",
        "issues.issue_resumed",
        "issues.issue_resolved",
        "issues.issue_evaluated",
        "issues.issue_reopened",
        "issues.issue_referred",
        "issues.issue_escalated",
        "issues.issue_accepted",
        "issues.issue_resolved",
        "issues.issue_evaluated",
        "issues.issue_closed",
    ]
    wait_until(lambda: seen.types_of(issue["id"]) == expected, 15, message="the issue's events")
    wait_until(
        lambda: "issues.issue_merged" in seen.types_of(duplicate["id"]),
        15,
        message="the merge event",
    )
    wait_until(
        lambda: "issues.issue_rejected" in seen.types_of(rejected["id"]),
        15,
        message="the rejection event",
    )


def test_a_breach_escalates_exactly_once_across_a_service_restart(
    service, settings, engine, kit, taps
):
    seen = Seen(taps)
    issue = new_issue(kit)
    fire_now(engine, issue["id"], "response_warning", "response_breach")
    wait_until(
        lambda: "issues.deadline_breached" in seen.types_of(issue["id"]),
        15,
        message="the breach event",
    )
    service.stop()
    service.start()
    handlers.tick(kit)  # and the restarted timer ticks every 0.2 s meanwhile
    wait_until(lambda: escalations(engine, issue["id"]) >= 1, 5, message="escalation")
    import eventlet

    eventlet.sleep(1.5)
    types = seen.types_of(issue["id"])
    assert types.count("issues.deadline_breached") == 1
    assert types.count("issues.deadline_approaching") == 1
    assert types.count("issues.issue_escalated") == 1
    assert escalations(engine, issue["id"]) == 1
    current = handlers.get_issue(kit, issue["id"], WORKER)
    # the breach handed it from the grid to the community's social worker
    assert current["status"] == "escalated" and current["level"] == "community"
    assert current["assignee_id"] == "s-it"


def test_a_paused_clock_does_not_fire_until_it_resumes(service, engine, kit, taps):
    seen = Seen(taps)
    issue = new_issue(kit)
    handlers.act(kit, issue["id"], "accept", WORKER, {})
    handlers.act(kit, issue["id"], "wait_for_resident", WORKER, {"reason": "等居民回复"})
    fire_now(engine, issue["id"], "resolution_breach")
    import eventlet

    eventlet.sleep(1)
    assert "issues.deadline_breached" not in seen.types_of(issue["id"])


def test_an_unrated_resolution_asks_staff_to_call_back_once(service, engine, kit, taps):
    seen = Seen(taps)
    issue = new_issue(kit)
    handlers.act(kit, issue["id"], "accept", WORKER, {})
    handlers.act(kit, issue["id"], "resolve", WORKER, {"note": "已修复"})
    fire_now(engine, issue["id"], "evaluation_due")
    wait_until(
        lambda: "issues.callback_requested" in seen.types_of(issue["id"]),
        15,
        message="the call-back request",
    )
    pending = handlers.list_issues(kit, {"node": COMMUNITY, "callback_pending": True}, WORKER)[
        "items"
    ]
    assert issue["id"] in [i["id"] for i in pending]
