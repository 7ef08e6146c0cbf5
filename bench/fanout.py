#!/usr/bin/env python
"""Fan-out benchmark (issue #6): a 10,000-recipient broadcast to in-app inboxes, Pavilion
distributed (four service processes on RabbitMQ and PostgreSQL, fresh vhost and databases,
removed afterwards).

    python bench/fanout.py [--recipients 10000] [--probes 5]

Prints, never asserts:

1. raw broker: 10,000 persistent messages published with confirms to a durable queue of the
   same RabbitMQ, then consumed (messages per second each way) — the ceiling for comparison;
2. baseline: a resident's report over HTTP until the grid worker's in-app message exists
   (median of `--probes`), with nothing else going on;
3. broadcast: a community announcement over HTTP until all `--recipients` residents' inbox
   rows exist, and meanwhile the same report → inbox latency (median of `--probes`, sent
   while the fan-out runs): the delay a broadcast adds to an ordinary notification.

The residents are seeded straight into the notifications service's read copy of the
directory (the gateway announces staff roles only, so this is what 10,000
`directory.role_assigned` events for residents would leave there). Latencies are read from
the database (inbox row created_at − request send time, one clock).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kombu import Connection, Exchange, Producer, Queue  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from services.notifications.repository import InboxMessage, RoleHolding  # noqa: E402
from shared.db import create_db_engine  # noqa: E402
from tests.support.infra import pg_databases, rabbit_vhost  # noqa: E402
from tests.support.processes import start_distributed  # noqa: E402
from tests.support.scenario import (  # noqa: E402
    GRID_1,
    ZHANLANGUAN,
    report,
    resident,
    wait_for_routing,
)

COMMUNITY_PATH = f"/150100/150105/150105001/{ZHANLANGUAN}/"


def raw_broker(uri: str, count: int) -> tuple[float, float]:
    """(published/s with confirms, consumed/s) for `count` persistent 200-byte messages."""
    queue = Queue("bench-raw", Exchange("bench-raw", "direct"), "raw", durable=True)
    body = {"padding": "x" * 200}
    with Connection(uri) as connection:
        channel = connection.channel()
        queue(channel).declare()
        producer = Producer(channel, exchange=queue.exchange, routing_key="raw")
        channel.confirm_select()
        started = time.perf_counter()
        for _ in range(count):
            producer.publish(body, delivery_mode=2, serializer="json")
        published = count / (time.perf_counter() - started)
        received = 0

        def on_message(_body, message):
            nonlocal received
            received += 1
            message.ack()

        started = time.perf_counter()
        with connection.Consumer(queue, callbacks=[on_message], prefetch_count=200):
            while received < count:
                connection.drain_events(timeout=10)
        consumed = count / (time.perf_counter() - started)
    return published, consumed


def seed_residents(engine, count: int) -> None:
    rows = [
        {
            "account_id": f"acc-bench-{n:06d}",
            "role": "resident",
            "node": GRID_1,
            "path": COMMUNITY_PATH + f"{GRID_1}/",
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(RoleHolding), rows)


def report_latency(pavilion, engine) -> float:
    """Seconds from sending a report to the grid worker's inbox row existing."""
    sent = datetime.now(UTC)
    issue = report(pavilion, resident(pavilion), f"bench {uuid.uuid4().hex[:6]}", grid=GRID_1)
    issue.raise_for_status()
    issue_id = issue.json()["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            created = connection.execute(
                select(InboxMessage.created_at).where(InboxMessage.subject == issue_id)
            ).scalar()
        if created is not None:
            return (created.astimezone(UTC) - sent).total_seconds()
        time.sleep(0.02)
    raise TimeoutError(f"no inbox message for {issue_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--probes", type=int, default=5)
    args = parser.parse_args()

    with (
        rabbit_vhost() as (_vhost, uri),
        pg_databases(("gateway", "issues", "volunteers", "notifications")) as urls,
        tempfile.TemporaryDirectory() as workdir,
    ):
        published, consumed = raw_broker(uri, 10_000)
        print(
            f"raw broker: {published:,.0f} msg/s published (confirms), "
            f"{consumed:,.0f} msg/s consumed (acks)"
        )

        pavilion = start_distributed(Path(workdir), uri, urls)
        engine = create_db_engine(urls["notifications"])
        try:
            wait_for_routing(pavilion)
            seed_residents(engine, args.recipients)

            baseline = [report_latency(pavilion, engine) for _ in range(args.probes)]
            print(
                f"ordinary notification, idle: median {statistics.median(baseline) * 1000:.0f} ms "
                f"(max {max(baseline) * 1000:.0f} ms, n={len(baseline)})"
            )

            staff = pavilion.headers("social_worker", ZHANLANGUAN, "张丽")
            started = time.monotonic()
            response = pavilion.post(
                f"/v1/nodes/{ZHANLANGUAN}/announcements",
                json={"title": "停水通知", "body": "明日 9:00–17:00 停水，请提前储水。"},
                headers=staff,
            )
            response.raise_for_status()
            broadcast_id = response.json()["id"]
            during = []
            delivered = 0
            while delivered < args.recipients:
                if len(during) < args.probes:
                    during.append(report_latency(pavilion, engine))
                with engine.connect() as connection:
                    delivered = connection.execute(
                        select(func.count())
                        .select_from(InboxMessage)
                        .where(InboxMessage.event_id == broadcast_id)
                    ).scalar_one()
                if time.monotonic() - started > 600:
                    raise TimeoutError(f"only {delivered} delivered after 600 s")
                time.sleep(0.05)
            total = time.monotonic() - started
            print(
                f"broadcast to {args.recipients:,} in-app inboxes: all delivered in "
                f"{total:.2f} s ({args.recipients / total:,.0f} messages/s)"
            )
            if during:
                print(
                    f"ordinary notification during the fan-out: median "
                    f"{statistics.median(during) * 1000:.0f} ms (max {max(during) * 1000:.0f} ms, "
                    f"n={len(during)}); added delay "
                    f"{(statistics.median(during) - statistics.median(baseline)) * 1000:+.0f} ms"
                )
        finally:
            engine.dispose()
            pavilion.stop_all()


if __name__ == "__main__":
    main()
