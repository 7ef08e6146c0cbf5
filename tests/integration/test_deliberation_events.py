"""The pavilion council on RabbitMQ and PostgreSQL: every step publishes its event as a valid
catalogued envelope, and the notifications service, consuming them, tells the right people,
plans meeting reminders, moves them when the meeting moves and drops them when it is
cancelled."""

from __future__ import annotations

from datetime import timedelta

import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from sqlalchemy import select, text

from services.issues import handlers
from services.issues.service import IssuesService
from services.notifications.repository import InboxMessage, Reminder
from services.notifications.service import NotificationsService
from shared.db import create_db_engine, utcnow
from shared.events import CATALOGUE
from shared.messaging.publisher import ConfirmedPublisher
from tests.support.kit import DirectKit
from tests.support.processes import wait_until

COMMUNITY, GRID = "C-dl", "C-dl-G1"
SECRETARY = {"id": "sec-dl", "role": "party_secretary", "name": "书记"}
MEMBER = {"id": "mem-dl", "role": "committee_member", "name": "委员"}
REP = {"id": "rep-dl", "role": "resident_representative", "name": "代表"}
REPORTER = {"id": "r-dl", "role": "resident", "name": "居民甲"}
SUPPORTER = {"id": "s-dl", "role": "resident", "name": "居民乙"}
GUEST = {"id": "g-dl", "role": "resident", "name": "居民丙"}


@pytest.fixture(scope="module")
def engines(settings):
    found = {
        name: create_db_engine(settings.database_url(name)) for name in ("issues", "notifications")
    }
    yield found
    for engine in found.values():
        engine.dispose()


@pytest.fixture(scope="module")
def kit(engines):
    return DirectKit(engines["issues"])


@pytest.fixture(scope="module")
def tap(broker):
    with Connection(broker[1]) as connection:
        queue = Queue(
            "test-tap-deliberation",
            Exchange("issues.events", type="topic", durable=True),
            routing_key="issues.#",
            auto_delete=False,
        )
        queue(connection.channel()).declare()
        yield connection, queue


@pytest.fixture(scope="module")
def containers(settings, engines):
    started = []
    for service in (IssuesService, NotificationsService):
        container = ServiceContainer(service, settings.nameko_config(service.name))
        container.start()
        started.append(container)
    publisher = ConfirmedPublisher(settings)
    nodes = [
        {
            "code": COMMUNITY,
            "name": "议事社区",
            "kind": "community",
            "parent": "S-dl",
            "ancestors": ["D-dl", "S-dl"],
        },
        {
            "code": GRID,
            "name": "议事网格",
            "kind": "grid",
            "parent": COMMUNITY,
            "ancestors": ["D-dl", "S-dl", COMMUNITY],
        },
    ]
    for node in nodes:
        publisher.publish_event(
            CATALOGUE.envelope("directory.node_upserted", node, community=COMMUNITY).to_message()
        )
    for person in (SECRETARY, REPORTER):
        role = {
            "account_id": person["id"],
            "name": person["name"],
            "role": person["role"],
            "node": COMMUNITY,
        }
        publisher.publish_event(
            CATALOGUE.envelope("directory.role_assigned", role, community=COMMUNITY).to_message()
        )

    def copied() -> bool:
        with engines["issues"].connect() as connection:
            return connection.execute(text("SELECT count(*) FROM directory_nodes")).scalar() == 2

    wait_until(copied, 15, message="directory copy")
    yield started
    for container in started:
        try:
            with eventlet.Timeout(10):
                container.stop()
        except eventlet.Timeout:
            container.kill()


def published(tap) -> list:
    connection, queue = tap
    bound = queue(connection.channel())
    found = []
    while (message := bound.get(no_ack=True)) is not None:
        found.append(CATALOGUE.load(message.payload))
    return found


def inbox_kinds(engine, recipient: str) -> set[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(InboxMessage.kind).where(InboxMessage.recipient_id == recipient)
        )
        return set(rows.scalars())


def reminders(engine, subject: str) -> list[tuple[str, str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(Reminder.recipient_id, Reminder.state, Reminder.due_at).where(
                Reminder.subject == subject
            )
        )
        return [tuple(row) for row in rows]


def test_every_council_step_is_an_event_and_notifications_follow_it(containers, kit, engines, tap):
    notifications = engines["notifications"]
    issue = handlers.report_issue(
        kit,
        {
            "community": COMMUNITY,
            "category": "heating",
            "title": "暖气不热",
            "grid": GRID,
            "reporter_id": REPORTER["id"],
        },
    )
    handlers.support(kit, issue["id"], SUPPORTER)
    topic = handlers.deliberation.raise_topic(kit, issue["id"], REPORTER, {})
    assert topic["via"] == "reporter"
    important = handlers.report_issue(
        kit,
        {
            "community": COMMUNITY,
            "category": "heating",
            "title": "供暖管网老化",
            "grid": GRID,
            "reporter_id": REPORTER["id"],
        },
    )
    handlers.support(kit, important["id"], SUPPORTER)
    matter = handlers.deliberation.raise_topic(kit, important["id"], SECRETARY, {"important": True})
    handlers.deliberation.record_step(kit, matter["id"], "propose", SECRETARY, "提议")
    handlers.deliberation.record_step(kit, matter["id"], "consult", MEMBER, "商议")
    handlers.deliberation.record_step(kit, matter["id"], "review", REP, "审议")

    start = utcnow() + timedelta(minutes=40)
    meeting = handlers.deliberation.schedule_meeting(
        kit,
        COMMUNITY,
        {
            "meeting_type": "pavilion_council",
            "title": "凉亭议事会",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "mode": "in_person",
            "place": "凉亭",
            "quorum": 3,
        },
        SECRETARY,
    )
    handlers.deliberation.register(kit, meeting["id"], REPORTER)
    handlers.deliberation.register(kit, meeting["id"], GUEST)
    handlers.deliberation.unregister(kit, meeting["id"], GUEST)
    moved_to = start + timedelta(minutes=10)
    handlers.deliberation.reschedule_meeting(
        kit, meeting["id"], {"starts_at": moved_to.isoformat(), "reason": "场地调整"}, SECRETARY
    )
    handlers.deliberation.set_agenda(kit, meeting["id"], [topic["id"], matter["id"]], SECRETARY)
    handlers.deliberation.record_attendance(
        kit, meeting["id"], {"present": [REPORTER["id"]], "others": 4}, SECRETARY
    )
    vote = {"votes_for": 4, "votes_against": 1, "votes_abstain": 0}
    handlers.deliberation.record_resolution(
        kit, meeting["id"], {"topic_id": topic["id"], "outcome": "community", **vote}, SECRETARY
    )
    resolution = handlers.deliberation.record_resolution(
        kit, meeting["id"], {"topic_id": matter["id"], "outcome": "project", **vote}, SECRETARY
    )
    handlers.deliberation.close_meeting(kit, meeting["id"], {"minutes": "纪要"}, SECRETARY)
    project = handlers.projects.create_project(
        kit,
        COMMUNITY,
        {
            "resolution_id": resolution["id"],
            "title": "管网改造",
            "funding_source": "专项资金",
            "responsible_unit": "居委会",
            "budget": "1000",
        },
        SECRETARY,
    )
    handlers.projects.progress_project(
        kit, project["id"], {"status": "in_progress", "note": "开工"}, SECRETARY
    )
    handlers.projects.complete_project(
        kit, project["id"], {"note": "已完工", "photos": []}, SECRETARY
    )
    handlers.projects.rate_project(
        kit, project["id"], REPORTER, {"satisfaction": "satisfied", "score": 5}
    )

    expected = {
        "issues.topic_raised",
        "issues.procedure_step_recorded",
        "issues.meeting_scheduled",
        "issues.meeting_registered",
        "issues.registration_cancelled",
        "issues.meeting_rescheduled",
        "issues.resolution_recorded",
        "issues.meeting_held",
        "issues.project_created",
        "issues.project_progressed",
        "issues.project_completed",
        "issues.project_rated",
    }
    seen: list = []

    def all_published() -> bool:
        seen.extend(published(tap))
        return expected <= {e.type for e in seen}

    wait_until(all_published, 20, interval=0.2, message="council events on the broker")
    steps = [e.data["step"] for e in seen if e.type == "issues.procedure_step_recorded"]
    assert steps == ["propose", "consult", "review", "resolve", "evaluate"]
    completed = next(e for e in seen if e.type == "issues.project_completed")
    assert completed.data["follower_ids"] == sorted([REPORTER["id"], SUPPORTER["id"]])
    assert completed.subject == project["id"] and completed.community == COMMUNITY
    rescheduled = next(e for e in seen if e.type == "issues.meeting_rescheduled")
    assert rescheduled.data["attendee_ids"] == [REPORTER["id"]]  # the guest had withdrawn

    # the notifications service told who it concerns
    wait_until(
        lambda: (
            {
                "project_completed",
                "resolution_recorded",
                "meeting_rescheduled",
                "meeting_registered",
            }
            <= inbox_kinds(notifications, REPORTER["id"])
        ),
        20,
        interval=0.2,
        message="reporter's inbox",
    )
    assert {"project_completed", "project_created"} <= inbox_kinds(notifications, SUPPORTER["id"])
    assert "meeting_rescheduled" not in inbox_kinds(notifications, GUEST["id"])


def test_a_registered_resident_is_reminded_and_told_when_the_meeting_moves_or_is_cancelled(
    containers, kit, engines
):
    notifications = engines["notifications"]
    start = utcnow() + timedelta(days=3)
    meeting = handlers.deliberation.schedule_meeting(
        kit,
        COMMUNITY,
        {
            "meeting_type": "shade_tree",
            "title": "树荫下的议事会",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "mode": "online",
            "online_url": "https://meet.example.org/dl",
        },
        SECRETARY,
    )
    handlers.deliberation.register(kit, meeting["id"], REPORTER)

    def pending() -> list:
        return [r for r in reminders(notifications, meeting["id"]) if r[1] == "pending"]

    wait_until(lambda: len(pending()) == 1, 20, interval=0.2, message="a reminder planned")
    first_due = pending()[0][2]
    handlers.deliberation.reschedule_meeting(
        kit, meeting["id"], {"starts_at": (start + timedelta(days=1)).isoformat()}, SECRETARY
    )
    wait_until(
        lambda: pending() and pending()[0][2] - first_due == timedelta(days=1),
        20,
        interval=0.2,
        message="the reminder moved with the meeting",
    )
    handlers.deliberation.cancel_meeting(kit, meeting["id"], "天气原因", SECRETARY)
    wait_until(lambda: not pending(), 20, interval=0.2, message="the reminder cancelled")
    assert "meeting_cancelled" in inbox_kinds(notifications, REPORTER["id"])


def test_enough_supporters_raise_an_issue_as_a_topic_by_themselves(containers, kit, tap):
    handlers.deliberation.put_settings(kit, COMMUNITY, {"support_threshold": 2}, SECRETARY)
    issue = handlers.report_issue(
        kit,
        {
            "community": COMMUNITY,
            "category": "drainage",
            "title": "下水道堵塞",
            "grid": GRID,
            "reporter_id": REPORTER["id"],
        },
    )
    handlers.support(kit, issue["id"], SUPPORTER)
    with pytest.raises(Exception) as missing:
        handlers.deliberation.raise_topic(kit, issue["id"], GUEST, {})
    assert getattr(missing.value, "code", "") == "topic-raised-by-reporter-or-staff"
    handlers.support(kit, issue["id"], GUEST)
    topics = handlers.deliberation.list_topics(kit, COMMUNITY, None)
    raised = [t for t in topics if t["issue_id"] == issue["id"]]
    assert len(raised) == 1 and raised[0]["via"] == "supporters"
    handlers.deliberation.put_settings(kit, COMMUNITY, {}, SECRETARY)


def test_two_first_settings_of_one_node_at_once_both_succeed(kit, monkeypatch):
    """The first settings of a node, sent twice at once: the one that loses the insert sets
    them again as an update instead of failing (it used to answer 500)."""
    from services.issues.deliberation_repository import DeliberationRepository

    node = "C-dl-race"
    real = DeliberationRepository.settings
    twin: list[dict] = []
    raced: list[str] = []

    def read_before_the_twin_committed(self, code):
        if not raced:
            raced.append(code)
            twin.append(
                handlers.deliberation.put_settings(kit, code, {"support_threshold": 7}, SECRETARY)
            )
            return None  # what this request read before its twin committed
        return real(self, code)

    monkeypatch.setattr(DeliberationRepository, "settings", read_before_the_twin_committed)
    found = handlers.deliberation.put_settings(kit, node, {"support_threshold": 3}, SECRETARY)
    assert twin[0]["support_threshold"] == 7
    assert found["support_threshold"] == 3  # the later one wins, as with two updates
    monkeypatch.setattr(DeliberationRepository, "settings", real)
    assert handlers.deliberation.put_settings(kit, node, {}, SECRETARY)["support_threshold"] != 7
