"""Pavilion distributed: four processes on RabbitMQ and PostgreSQL. Nothing accepted is
lost and nothing is done twice — across a broker outage and a crashed consumer."""

from __future__ import annotations

import json
import signal
import time
import uuid

import eventlet.patcher
import psycopg2
from kombu import Connection, Exchange, Queue

from tests.support.processes import Pavilion, free_port, wait_until
from tests.support.scenario import (
    GRID_1,
    GRID_2,
    ZHANLANGUAN,
    grid_worker,
    report,
    resident,
    wait_for_routing,
)

threading = eventlet.patcher.original("threading")


def _subjects(pavilion, headers) -> list[str]:
    return [message["subject"] for message in pavilion.inbox(headers)]


def _expect_exactly_once(pavilion, headers, issue_ids: list[str], timeout: float = 60) -> None:
    wanted = set(issue_ids)
    wait_until(
        lambda: wanted <= set(_subjects(pavilion, headers)),
        timeout,
        interval=0.5,
        message=f"{len(wanted)} issues in the inbox",
    )
    time.sleep(2)  # let any duplicate that was still on its way arrive
    subjects = _subjects(pavilion, headers)
    duplicates = {s for s in wanted if subjects.count(s) != 1}
    assert not duplicates, f"delivered more than once: {duplicates}"


def test_a_report_reaches_the_grid_workers_inbox(distributed):
    wait_for_routing(distributed)
    response = report(distributed, resident(distributed), "暖气不热", grid=GRID_1)
    assert response.status_code == 201, response.text
    issue_id = response.json()["id"]
    _expect_exactly_once(distributed, grid_worker(distributed), [issue_id], timeout=20)


def test_gateway_and_issues_in_one_process_call_each_other_without_the_broker(
    distributed, tmp_path
):
    """`pavilion run gateway issues` beside the four processes (decision 0006): its gateway's
    reports are carried out by its own issues service in-process, and still reach the grid
    worker's inbox through the event backbone; a report through the lone gateway goes
    through the broker."""
    wait_for_routing(distributed)
    together = Pavilion({**distributed.env, "PAVILION_HTTP_PORT": str(free_port())}, tmp_path)
    together.spawn("gateway+issues", "run", "gateway", "issues")
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    spy = Queue(f"spy-{uuid.uuid4().hex[:8]}", exchange, routing_key="issues.*", durable=False)
    try:
        together.wait_ready(timeout=60)
        with Connection(distributed.env["AMQP_URI"]) as connection:
            spied = spy(connection.default_channel)
            spied.declare()
            try:
                here = report(together, resident(together), "楼道灯不亮", grid=GRID_1)
                assert here.status_code == 201, here.text
                assert spied.get(no_ack=True) is None  # requests expire in 5 s: none came
                there = report(distributed, resident(distributed), "楼道灯又不亮", grid=GRID_1)
                assert there.status_code == 201, there.text
                assert spied.get(no_ack=True) is not None
            finally:
                spied.delete()
        _expect_exactly_once(
            distributed,
            grid_worker(distributed),
            [here.json()["id"], there.json()["id"]],
            timeout=20,
        )
    finally:
        together.stop_all()


def test_queues_are_durable_quorum_queues_listed_for_ops(distributed):
    name = "evt-issues-issue_reported--notifications.on_issue_reported"

    def listed() -> dict | None:
        rows = json.loads(distributed.cli("queues", "--json").stdout)
        row = next((r for r in rows if r["queue"] == name), None)
        return row if row and row["consumers"] >= 1 else None

    # the management API refreshes its consumer counts every few seconds
    row = wait_until(listed, 20, interval=1, message=f"{name} with a consumer")
    assert row["type"] == "quorum"
    table = distributed.cli("queues").stdout
    assert name in table and "consumers" in table.splitlines()[0]


def test_every_accepted_report_arrives_exactly_once_across_a_broker_outage(
    distributed, broker_proxy
):
    wait_for_routing(distributed)
    headers = resident(distributed, "停电时的居民")
    accepted: list[str] = []
    stop = threading.Event()

    def keep_reporting() -> None:
        while not stop.is_set():
            try:
                response = report(
                    distributed, headers, f"outage {uuid.uuid4().hex[:6]}", grid=GRID_2
                )
            except Exception:  # the gateway itself may be slow to answer during the cut
                continue
            if response.status_code == 201:
                accepted.append(response.json()["id"])
            time.sleep(0.05)

    reporter = threading.Thread(target=keep_reporting, daemon=True)
    reporter.start()
    time.sleep(2)
    broker_proxy.cut()
    time.sleep(5)
    broker_proxy.restore()
    time.sleep(4)
    stop.set()
    reporter.join(timeout=30)

    assert len(accepted) > 10
    _expect_exactly_once(
        distributed, grid_worker(distributed, GRID_2, "李强"), accepted, timeout=90
    )


def test_every_event_is_handled_once_when_notifications_is_killed_mid_stream(distributed):
    wait_for_routing(distributed)
    headers = resident(distributed, "崩溃时的居民")
    issue_ids = []
    for n in range(60):
        response = report(distributed, headers, f"crash {n}", grid=GRID_1)
        assert response.status_code == 201, response.text
        issue_ids.append(response.json()["id"])
        if n == 20:
            distributed.kill("notifications", signal.SIGKILL)
        if n == 40:
            distributed.spawn("notifications", "run", "notifications")
    _expect_exactly_once(distributed, grid_worker(distributed), issue_ids, timeout=90)


def test_a_dead_letter_is_kept_and_replays_once_the_fault_is_fixed(distributed):
    wait_for_routing(distributed)
    database = distributed.database_urls["notifications"]

    def execute(sql: str) -> None:
        connection = psycopg2.connect(database)
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql)
        connection.close()

    # the fault: the inbox table is unavailable, so every attempt to deliver fails
    execute("ALTER TABLE inbox_messages RENAME TO inbox_messages_away")
    try:
        response = report(distributed, resident(distributed), "下水道堵了", grid=GRID_1)
        assert response.status_code == 201
        issue_id = response.json()["id"]

        def our_dead_letter() -> dict | None:
            listing = distributed.cli("dead-letters", "list", "--service", "notifications")
            for line in listing.stdout.splitlines():
                if "issues.issue_reported" not in line:
                    continue
                shown = distributed.cli("dead-letters", "show", "notifications", line.split()[0])
                item = json.loads(shown.stdout)
                if issue_id in item["body"]:
                    return item
            return None

        dead = wait_until(our_dead_letter, 30, interval=0.5, message="the dead letter")
    finally:
        execute("ALTER TABLE inbox_messages_away RENAME TO inbox_messages")

    parked_id = dead["id"]
    assert dead["attempts"] == 3
    assert "inbox_messages" in dead["error"]

    distributed.cli("dead-letters", "replay", "notifications", parked_id)
    _expect_exactly_once(distributed, grid_worker(distributed), [issue_id], timeout=30)
    remaining = distributed.cli("dead-letters", "list", "--service", "notifications").stdout
    assert parked_id not in remaining


def test_a_stopped_service_is_a_503_and_its_requests_never_run_later(distributed):
    """With the issues service down, a report is a 503 problem (v1) or a 503 Open311 error,
    both with Retry-After, within the RPC deadline; once the service is back, the refused
    requests have not been carried out behind the caller's back."""
    wait_for_routing(distributed)
    headers = resident(distributed, "服务停机时的居民")
    title = f"stale {uuid.uuid4().hex[:8]}"
    distributed.kill("issues", signal.SIGTERM)
    try:
        started = time.monotonic()
        refused = report(distributed, headers, title, grid=GRID_1)
        waited = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.headers["Content-Type"].startswith("application/problem+json")
        # its request queue stays: the request waited there and expired at the deadline
        assert refused.json()["code"] == "service-timeout"
        assert refused.headers["Retry-After"] == "5"
        assert waited < 15  # the deadline is 5 s in tests: an answer, not a hang
        token = headers["Authorization"].removeprefix("Bearer ")
        open311 = distributed.post(
            "/open311/v2/requests.json",
            data={
                "api_key": token,
                "jurisdiction_id": ZHANLANGUAN,
                "service_code": "heating",
                "description": title,
            },
        )
        assert open311.status_code == 503, open311.text
        assert open311.json()[0]["code"] == 503 and open311.headers["Retry-After"] == "5"
    finally:
        distributed.spawn("issues", "run", "issues")
    wait_until(
        lambda: report(distributed, headers, "back again", grid=GRID_1).status_code == 201,
        60,
        interval=1,
        message="the issues service back",
    )
    connection = psycopg2.connect(distributed.database_urls["issues"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM issues WHERE title = %s OR description = %s", (title, title)
            )
            assert cursor.fetchone()[0] == 0
    finally:
        connection.close()
