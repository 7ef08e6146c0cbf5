"""Every change someone should hear about leaves the volunteers service as an event on
RabbitMQ, with the data notifications needs to address and word it (real broker, real
PostgreSQL, the real service in a nameko container)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from kombu import Connection, Queue
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook
from sqlalchemy.orm import Session

from services.volunteers.repository import DirectoryNode
from services.volunteers.service import VolunteersService
from shared.db import create_db_engine
from shared.db.migrations import upgrade
from shared.events import CATALOGUE
from shared.messaging.topology import event_exchange
from tests.support.infra import pg_databases
from tests.support.processes import wait_until

COMMUNITY = "150105001001"


@pytest.fixture(scope="module")
def databases():
    with pg_databases(("volunteers",)) as urls:
        upgrade("volunteers", urls["volunteers"])
        engine = create_db_engine(urls["volunteers"])
        with Session(engine) as session:
            session.add(
                DirectoryNode(
                    code=COMMUNITY,
                    name="展览馆社区",
                    kind="community",
                    parent="150105001",
                    ancestors=["150105", "150105001"],
                    timezone="Asia/Shanghai",
                )
            )
            session.commit()
        engine.dispose()
        yield urls


@pytest.fixture(scope="module")
def volunteers(settings):
    container = ServiceContainer(VolunteersService, settings.nameko_config("volunteers"))
    container.start()
    yield container
    container.stop()


@pytest.fixture
def heard(settings):
    """Events the volunteers service published while the test ran, as loaded envelopes."""
    connection = Connection(settings.amqp_uri)
    queue = Queue(
        f"test-volunteers-events-{uuid.uuid4().hex[:8]}",
        exchange=event_exchange("volunteers"),
        routing_key="volunteers.#",
        exclusive=True,
    )
    received = []
    with connection.SimpleQueue(queue) as inbox:

        def drain(event_type: str, count: int = 1):
            def arrived():
                while True:
                    try:
                        message = inbox.get(block=False)
                    except inbox.Empty:
                        break
                    received.append(CATALOGUE.load(message.payload))
                    message.ack()
                return len([e for e in received if e.type == event_type]) >= count

            wait_until(arrived, 10, interval=0.05, message=f"{count} × {event_type}")
            return [e for e in received if e.type == event_type]

        yield drain
    connection.release()


def call(container, method, *args, **kwargs):
    context = {"correlation_id": f"test-{uuid.uuid4().hex[:12]}"}
    with entrypoint_hook(container, method, context_data=context) as entrypoint:
        return entrypoint(*args, **kwargs)


def shift(container, capacity=1, day=7, **more):
    return call(
        container,
        "create_shift",
        {
            "community": COMMUNITY,
            "title": "展览馆西路早高峰交通引导",
            "place": "展览馆西路与昭乌达路口",
            "starts_at": f"2026-12-{day:02d}T07:10:00+08:00",
            "ends_at": f"2026-12-{day:02d}T08:00:00+08:00",
            "capacity": capacity,
            "created_by": "acc-staff",
            **more,
        },
    )


def test_a_sign_up_is_announced_with_the_shift_and_the_volunteer(volunteers, heard):
    created = shift(volunteers)
    call(volunteers, "sign_up", created["id"], "acc-li")
    (event,) = [
        e for e in heard("volunteers.shift_signed_up") if e.data["shift_id"] == created["id"]
    ]
    assert event.data["volunteer_id"] == "acc-li"
    assert event.data["title"] == "展览馆西路早高峰交通引导"
    assert event.data["place"] == "展览馆西路与昭乌达路口"
    assert (event.data["filled"], event.data["capacity"]) == (1, 1)
    assert event.community == COMMUNITY


def test_a_cancellation_and_the_waitlist_promotion_it_causes_are_announced(volunteers, heard):
    created = shift(volunteers, day=8)
    taken = call(volunteers, "sign_up", created["id"], "acc-zhou")
    call(volunteers, "sign_up", created["id"], "acc-wu", None, {"waitlist": True})
    call(volunteers, "cancel_signup", taken["id"], "acc-zhou", False)

    (cancelled,) = heard("volunteers.signup_cancelled")
    assert (cancelled.data["volunteer_id"], cancelled.data["was_status"]) == (
        "acc-zhou",
        "confirmed",
    )
    (promoted,) = heard("volunteers.waitlist_promoted")
    assert promoted.data["volunteer_id"] == "acc-wu" and promoted.data["filled"] == 1


def test_a_roster_assignment_and_the_volunteers_answer_are_announced(volunteers, heard):
    call(
        volunteers,
        "put_profile",
        "acc-zheng",
        {"name": "郑", "home_community": COMMUNITY},
        "acc-staff",
    )
    created = shift(volunteers, day=21)
    roster = call(
        volunteers,
        "fill_roster",
        {
            "node": COMMUNITY,
            "starts_on": "2026-12-21",
            "ends_on": "2026-12-21",
            "requested_by": "acc-staff",
        },
    )
    (assignment,) = roster["assignments"]
    (assigned,) = heard("volunteers.shift_assigned")
    assert assigned.data["shift_id"] == created["id"] == assignment["shift_id"]
    assert assigned.data["volunteer_id"] == "acc-zheng" and assigned.data["reasons"]

    call(volunteers, "answer_assignment", assignment["signup_id"], "acc-zheng", "confirmed")
    (answered,) = heard("volunteers.assignment_answered")
    assert answered.data["answer"] == "confirmed"


def test_a_scheduled_activity_is_announced_with_its_shift_count(volunteers, heard):
    activity = call(
        volunteers,
        "create_activity",
        {
            "community": COMMUNITY,
            "created_by": "acc-staff",
            "title": "上下学交通护导",
            "kind": "traffic_post",
            "rule": "FREQ=DAILY",
            "day_filter": "school_days",
            "first_day": "2026-10-08",
            "last_day": "2026-10-11",
            "windows": [["07:10", "08:00"]],
            "capacity": 2,
        },
    )
    (event,) = heard("volunteers.activity_scheduled")
    assert event.data["activity_id"] == activity["id"]
    assert event.data["shifts"] == 3  # Thu, Fri and the make-up Saturday; Sunday is off


def test_a_no_show_is_announced_with_its_reason(volunteers, heard):
    created = shift(volunteers, day=9)
    taken = call(volunteers, "sign_up", created["id"], "acc-feng")
    call(volunteers, "record_no_show", created["id"], taken["id"], "未请假未到岗", "acc-staff")
    (event,) = heard("volunteers.no_show_recorded")
    assert (event.data["volunteer_id"], event.data["reason"]) == ("acc-feng", "未请假未到岗")
    assert event.data["title"] == "展览馆西路早高峰交通引导"


def test_recorded_hours_are_announced(volunteers, heard):
    entry = call(
        volunteers,
        "add_hours_entry",
        "acc-chen",
        {"community": COMMUNITY, "minutes": 120, "service": "入户走访空巢老人"},
        "acc-staff",
    )
    (event,) = heard("volunteers.hours_recorded")
    assert event.data["entry_id"] == entry["id"]
    assert (event.data["minutes"], event.data["kind"], event.data["verified"]) == (
        120,
        "manual",
        True,
    )


def test_a_moved_shift_is_announced_to_everyone_holding_a_place(volunteers, heard):
    activity = call(
        volunteers,
        "create_activity",
        {
            "community": COMMUNITY,
            "created_by": "acc-staff",
            "title": "早市秩序维护",
            "first_day": "2026-12-28",
            "last_day": "2026-12-28",
            "windows": [["06:30", "08:00"]],
            "capacity": 2,
        },
    )
    call(volunteers, "sign_up", activity["shifts"][0]["id"], "acc-he")
    call(
        volunteers,
        "reschedule_occurrences",
        activity["id"],
        "2026-12-28",
        {"scope": "this", "windows": [["07:00", "08:30"]]},
        "acc-staff",
    )
    (event,) = heard("volunteers.shift_rescheduled")
    assert event.data["volunteer_ids"] == ["acc-he"]
    assert event.data["starts_at"] == datetime(2026, 12, 27, 23, 0, tzinfo=UTC)


def test_a_reminder_is_due_once_for_a_shift_starting_soon(volunteers, heard):
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    created = call(
        volunteers,
        "create_shift",
        {
            "community": COMMUNITY,
            "title": "社区夜间巡逻",
            "starts_at": soon.isoformat(),
            "ends_at": (soon + timedelta(hours=1)).isoformat(),
            "capacity": 2,
            "created_by": "acc-staff",
        },
    )
    call(volunteers, "sign_up", created["id"], "acc-yang")
    call(volunteers, "send_reminders")
    call(volunteers, "send_reminders")  # the second tick finds nothing new
    heard("volunteers.reminder_due")
    time.sleep(0.5)  # room for a wrong second reminder to arrive
    reminders = [e for e in heard("volunteers.reminder_due") if e.data["shift_id"] == created["id"]]
    assert [e.data["volunteer_id"] for e in reminders] == ["acc-yang"]
    assert 110 <= reminders[0].data["minutes_before"] <= 120


def test_a_roster_run_solved_in_the_background_is_announced_when_it_finishes(volunteers, heard):
    call(
        volunteers,
        "put_profile",
        "acc-qian",
        {
            "name": "钱",
            "home_community": COMMUNITY,
            "skills": [{"skill": "patrol_lead", "confirmed_by": "acc-staff"}],
        },
        "acc-staff",
    )
    created = call(
        volunteers,
        "create_shift",
        {
            "community": COMMUNITY,
            "title": "春节前社区安全巡查",
            "starts_at": "2027-02-01T09:00:00+08:00",
            "ends_at": "2027-02-01T11:00:00+08:00",
            "capacity": 1,
            "created_by": "acc-staff",
            "required_skills": ["patrol_lead"],  # only acc-qian has it
        },
    )
    run = call(
        volunteers,
        "start_roster_run",
        {
            "node": COMMUNITY,
            "starts_on": "2027-02-01",
            "ends_on": "2027-02-28",
            "requested_by": "acc-staff",
            "time_limit_seconds": 2,
        },
    )
    assert run["status"] == "queued"
    # the service's own timer takes the run up; nobody calls it here
    (filled,) = [e for e in heard("volunteers.roster_filled") if e.data["roster_id"] == run["id"]]
    assert (filled.data["open_places"], filled.data["filled"], filled.data["unfilled"]) == (1, 1, 0)
    assert filled.data["requested_by"] == "acc-staff" and filled.community == COMMUNITY
    (assigned,) = [
        e for e in heard("volunteers.shift_assigned") if e.data["roster_id"] == run["id"]
    ]
    assert (assigned.data["shift_id"], assigned.data["volunteer_id"]) == (created["id"], "acc-qian")


def test_team_membership_and_an_activity_shift_name_their_team_and_activity(volunteers, heard):
    team = call(
        volunteers,
        "create_team",
        {"community": COMMUNITY, "name": "我帮你", "kind": "community", "created_by": "acc-staff"},
    )
    call(volunteers, "set_membership", team["id"], "acc-wu", {"role": "member"}, "acc-staff")
    call(volunteers, "set_membership", team["id"], "acc-wu", {"role": "member"}, "acc-staff")
    call(volunteers, "set_membership", team["id"], "acc-wu", {"role": "lead"}, "acc-staff")
    joined = [e for e in heard("volunteers.team_joined", 2) if e.data["team_id"] == team["id"]]
    assert [e.data["role"] for e in joined] == ["member", "lead"]  # the repeat said nothing
    assert joined[0].data["team_name"] == "我帮你" and joined[0].subject == team["id"]

    activity = call(
        volunteers,
        "create_activity",
        {
            "community": COMMUNITY,
            "created_by": "acc-staff",
            "title": "周末助老探访",
            "kind": "care_visit",
            "rule": "FREQ=WEEKLY;BYDAY=SA",
            "first_day": "2026-12-05",
            "last_day": "2026-12-12",
            "windows": [["09:00", "11:00"]],
            "capacity": 2,
        },
    )
    first = activity["shifts"][0]["id"]
    call(volunteers, "sign_up", first, "acc-wu")
    (event,) = [e for e in heard("volunteers.shift_signed_up") if e.data["shift_id"] == first]
    assert event.data["activity_id"] == activity["id"]
