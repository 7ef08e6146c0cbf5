"""Roster runs are durable background jobs (real PostgreSQL and RabbitMQ, the real service in
a nameko container): a run left behind by a dead worker is taken up again, one held by a live
worker is left alone, replicas never take the same run, a run that kills every worker gives
up, and places already held are never moved.

The container's own timer is slowed down here so that each test drives the worker itself."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import entrypoint_hook
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.volunteers.domain.roster_runs import MAX_ATTEMPTS
from services.volunteers.repository import DirectoryNode, RosterRun, RosterRunRepository, Signup
from services.volunteers.service import VolunteersService
from shared.db import create_db_engine
from shared.db.migrations import upgrade
from shared.errors import NotFound, ValidationFailed
from tests.support.infra import pg_databases

COMMUNITY = "150104001001"


@pytest.fixture(scope="module")
def databases():
    with pg_databases(("volunteers",)) as urls:
        upgrade("volunteers", urls["volunteers"])
        engine = create_db_engine(urls["volunteers"])
        with Session(engine) as session:
            session.add(
                DirectoryNode(
                    code=COMMUNITY,
                    name="落雁社区",
                    kind="community",
                    parent="150104001",
                    ancestors=["150104", "150104001"],
                    timezone="Asia/Shanghai",
                )
            )
            session.commit()
        engine.dispose()
        yield urls


@pytest.fixture(scope="module")
def volunteers(settings):
    previous = os.environ.get("VOLUNTEERS_ROSTER_TICK_SECONDS")
    os.environ["VOLUNTEERS_ROSTER_TICK_SECONDS"] = "3600"  # the tests play the worker
    container = ServiceContainer(VolunteersService, settings.nameko_config("volunteers"))
    container.start()
    yield container
    container.stop()
    if previous is None:
        del os.environ["VOLUNTEERS_ROSTER_TICK_SECONDS"]
    else:
        os.environ["VOLUNTEERS_ROSTER_TICK_SECONDS"] = previous


@pytest.fixture
def engine(settings, databases):
    engine = create_db_engine(settings.database_url("volunteers"))
    yield engine
    engine.dispose()


def call(container, method, *args, **kwargs):
    context = {"correlation_id": f"test-{uuid.uuid4().hex[:12]}"}
    with entrypoint_hook(container, method, context_data=context) as entrypoint:
        return entrypoint(*args, **kwargs)


def work(container):
    """One tick of the roster worker: the id of the run it worked on, or None."""
    return call(container, "run_roster_jobs")


def a_day_with_one_open_place(container, day: date, volunteer: str) -> str:
    call(
        container,
        "put_profile",
        volunteer,
        {"name": volunteer, "home_community": COMMUNITY, "max_hours_per_week": 60},
        "acc-staff",
    )
    shift = call(
        container,
        "create_shift",
        {
            "community": COMMUNITY,
            "title": "落雁路早高峰交通引导",
            "starts_at": f"{day.isoformat()}T07:10:00+08:00",
            "ends_at": f"{day.isoformat()}T08:00:00+08:00",
            "capacity": 1,
            "created_by": "acc-staff",
        },
    )
    return shift["id"]


def left_behind(engine, day: date, *, status: str, attempts: int, lease: timedelta) -> str:
    """A run as a worker leaves it: claimed, with its lease running out at now + `lease`."""
    run_id = f"ros-{uuid.uuid4().hex[:16]}"
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            RosterRun(
                id=run_id,
                node=COMMUNITY,
                starts_on=day,
                ends_on=day,
                time_limit_seconds=2,
                requested_by="acc-staff",
                status=status,
                attempts=attempts,
                claimed_by="wrk-of-a-process-that-died",
                lease_until=now + lease,
                progress={"stage": "solving"},
                created_at=now - timedelta(minutes=5),
                started_at=now - timedelta(minutes=5),
            )
        )
        session.commit()
    return run_id


def test_a_run_whose_worker_died_is_taken_up_again_and_finished(volunteers, engine):
    day = date(2027, 3, 1)
    shift = a_day_with_one_open_place(volunteers, day, "acc-sun")
    run_id = left_behind(engine, day, status="running", attempts=1, lease=timedelta(minutes=-1))

    assert work(volunteers) == run_id
    run = call(volunteers, "get_roster_run", run_id)
    assert (run["status"], run["attempts"]) == ("done", 2)
    assert (run["result"]["open_places"], run["result"]["filled"]) == (1, 1)
    (assignment,) = run["result"]["assignments"]
    assert (assignment["shift_id"], assignment["volunteer_id"]) == (shift, "acc-sun")
    assert call(volunteers, "get_shift", shift)["filled"] == 1
    assert work(volunteers) is None  # nothing left to do


def test_a_run_a_live_worker_holds_is_left_alone(volunteers, engine):
    day = date(2027, 3, 2)
    a_day_with_one_open_place(volunteers, day, "acc-zhao")
    run_id = left_behind(engine, day, status="running", attempts=1, lease=timedelta(minutes=5))

    assert work(volunteers) is None
    run = call(volunteers, "get_roster_run", run_id)
    assert (run["status"], run["attempts"], run["result"]) == ("running", 1, None)
    with Session(engine) as session:  # let the other tests' worker ticks ignore it
        session.get(RosterRun, run_id).status = "failed"
        session.commit()


def test_two_replicas_never_claim_the_same_run(volunteers, engine):
    day = date(2027, 3, 3)
    first = call(
        volunteers,
        "start_roster_run",
        {
            "node": COMMUNITY,
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
            "requested_by": "acc-staff",
        },
    )
    second = call(
        volunteers,
        "start_roster_run",
        {
            "node": COMMUNITY,
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
            "requested_by": "acc-staff",
        },
    )
    now = datetime.now(UTC)
    with Session(engine) as one, Session(engine) as other:
        mine = RosterRunRepository(one).next_claimable(now)
        theirs = RosterRunRepository(other).next_claimable(now)
        assert {mine.id, theirs.id} == {first["id"], second["id"]}
        one.rollback()
        other.rollback()
    assert work(volunteers) == first["id"]  # oldest first
    assert work(volunteers) == second["id"]
    assert call(volunteers, "get_roster_run", second["id"])["status"] == "done"


def test_a_run_that_killed_its_worker_every_time_gives_up_and_says_so(volunteers, engine):
    day = date(2027, 3, 4)
    run_id = left_behind(
        engine, day, status="running", attempts=MAX_ATTEMPTS, lease=timedelta(minutes=-1)
    )
    work(volunteers)
    run = call(volunteers, "get_roster_run", run_id)
    assert run["status"] == "failed" and run["result"] is None
    assert run["error"]["code"] == "roster-run-abandoned"


def test_confirmed_and_pinned_places_are_kept_and_only_open_places_filled(volunteers, engine):
    day = date(2027, 3, 5)
    for person in ("acc-li", "acc-wang", "acc-zhou"):
        call(
            volunteers,
            "put_profile",
            person,
            {"name": person, "home_community": COMMUNITY},
            "acc-staff",
        )
    shift = call(
        volunteers,
        "create_shift",
        {
            "community": COMMUNITY,
            "title": "落雁社区助老集市",
            "starts_at": f"{day.isoformat()}T09:00:00+08:00",
            "ends_at": f"{day.isoformat()}T11:00:00+08:00",
            "capacity": 3,
            "created_by": "acc-staff",
        },
    )
    confirmed = call(volunteers, "sign_up", shift["id"], "acc-li")
    pinned = call(
        volunteers,
        "sign_up",
        shift["id"],
        "acc-wang",
        None,
        {"override_reason": "集市负责人"},
        "acc-staff",
    )
    run = call(
        volunteers,
        "start_roster_run",
        {
            "node": COMMUNITY,
            "starts_on": day.isoformat(),
            "ends_on": day.isoformat(),
            "requested_by": "acc-staff",
        },
    )
    assert work(volunteers) == run["id"]
    done = call(volunteers, "get_roster_run", run["id"])
    assert (done["result"]["open_places"], done["result"]["filled"]) == (1, 1)
    (proposed,) = done["result"]["assignments"]
    assert proposed["volunteer_id"] not in ("acc-li", "acc-wang")
    assert call(volunteers, "get_shift", shift["id"])["filled"] == 3
    with Session(engine) as session:
        places = {
            s.id: (s.volunteer_id, s.status, s.pinned)
            for s in session.scalars(select(Signup).where(Signup.shift_id == shift["id"]))
        }
    # the places held before the run are exactly as they were
    assert places[confirmed["id"]] == ("acc-li", "confirmed", False)
    assert places[pinned["id"]] == ("acc-wang", "confirmed", True)
    assert places[proposed["signup_id"]] == (proposed["volunteer_id"], "proposed", False)


def test_a_run_for_a_node_the_service_does_not_know_is_refused_and_nothing_queued(
    volunteers, engine
):
    with pytest.raises(NotFound):
        call(
            volunteers,
            "start_roster_run",
            {
                "node": "999999",
                "starts_on": "2027-03-01",
                "ends_on": "2027-03-07",
                "requested_by": "acc-staff",
            },
        )
    with pytest.raises(ValidationFailed):
        call(
            volunteers,
            "start_roster_run",
            {
                "node": COMMUNITY,
                "starts_on": "2027-03-01",
                "ends_on": "2027-05-01",
                "requested_by": "acc-staff",
            },
        )
    with Session(engine) as session:
        nodes = set(session.scalars(select(RosterRun.node)))
    assert "999999" not in nodes
