"""Benchmark of the issues service's read side on PostgreSQL: the district-level figures for a
year and a filtered, paginated list, over 1,000,000 issues in 500 communities.

    /work/venv/bin/python -m bench.issues_queries [--issues 1000000] [--runs 50]

Creates (once) and reuses the database `pavilion_bench_issues` (BENCH_ISSUES_DATABASE_URL to
choose another), fills it with generated issues, then prints p50/p99 per query. It prints
figures; it asserts nothing (targets are read, not enforced, see docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import create_engine, text

from services.issues import handlers
from services.issues.figures_repository import rebuild
from services.issues.repository import IssueRepository
from shared.calendar import load_calendar
from shared.db import UnitOfWork, create_db_engine
from shared.db.migrations import upgrade

URL = os.environ.get(
    "BENCH_ISSUES_DATABASE_URL", "postgresql://postgres@127.0.0.1/pavilion_bench_issues"
)
DISTRICT, STREETS, COMMUNITIES = "B-D", 10, 500
YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


class Kit:
    consumer = "issues.bench"

    def __init__(self, engine) -> None:
        self.engine = engine

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)


def ensure_database() -> None:
    admin_url, name = URL.rsplit("/", 1)
    engine = create_engine(
        f"{admin_url}/postgres".replace("postgresql://", "postgresql+psycopg2://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    upgrade("issues", URL)


def fill(engine, issues: int) -> None:
    with engine.begin() as connection:
        have = connection.execute(text("SELECT count(*) FROM issues")).scalar()
        if have >= issues and not os.environ.get("BENCH_REGENERATE"):
            print(f"reusing {have} issues")
            return
        print(f"generating {issues} issues in {COMMUNITIES} communities ...", flush=True)
        connection.execute(text("TRUNCATE issues, directory_nodes"))
        connection.execute(
            text(
                "INSERT INTO directory_nodes (code, name, kind, parent, ancestors) "
                "VALUES (:d, 'district', 'district', NULL, '[]')"
            ),
            {"d": DISTRICT},
        )
        connection.execute(
            text(
                "INSERT INTO directory_nodes (code, name, kind, parent, ancestors) "
                "SELECT 'B-S' || s, 'street', 'street', :d, json_build_array(:d) "
                "FROM generate_series(1, :streets) s"
            ),
            {"d": DISTRICT, "streets": STREETS},
        )
        connection.execute(
            text(
                "INSERT INTO directory_nodes (code, name, kind, parent, ancestors) "
                "SELECT 'B-C' || c, 'community', 'community', 'B-S' || (c % :streets + 1), "
                "json_build_array(:d, 'B-S' || (c % :streets + 1)) "
                "FROM generate_series(1, :n) c"
            ),
            {"d": DISTRICT, "streets": STREETS, "n": COMMUNITIES},
        )
        started = time.perf_counter()
        # issues spread over 2025-2026; category, status and rating drawn from independent
        # hashes of the row number (so filters are not correlated with each other)
        connection.execute(
            text(
                """
                INSERT INTO issues (id, community, grid, category, title, description, channel,
                  reporter_id, assignee_id, assignee_role, status, reported_at, updated_at, kind,
                  accepted_at, resolved_at, evaluated_at, response_due_at, resolution_due_at,
                  satisfaction, score, solved, level)
                SELECT 'iss-b' || g,
                       'B-C' || (g % :n + 1),
                       'B-C' || (g % :n + 1) || '-G1',
                       (ARRAY['heating','drainage','environment','facilities',
                              'suggestion'])[abs(hashint4(g)) % 5 + 1],
                       '暖气不热', '', 'app', 'r' || (g % 50000), 'w' || (g % :n), 'grid_worker',
                       (ARRAY['reported','accepted','in_progress','resolved','evaluated',
                              'closed','closed','closed','rejected','closed'])[t.s + 1],
                       t.reported, t.reported + interval '3 days', 'problem',
                       CASE WHEN t.s >= 1 THEN t.reported + (g % 7) * interval '1 hour' END,
                       CASE WHEN t.s >= 3 THEN t.reported + (g % 9) * interval '10 hours' END,
                       CASE WHEN t.s >= 4 THEN t.reported + interval '5 days' END,
                       t.reported + interval '4 hours',
                       t.reported + interval '3 days',
                       CASE WHEN t.s >= 4 THEN
                         (ARRAY['satisfied','satisfied','basically_satisfied',
                                'unsatisfied'])[abs(hashint4(g + 7)) % 4 + 1]
                       END,
                       CASE WHEN t.s >= 4 THEN g % 5 + 1 END,
                       CASE WHEN t.s >= 4 THEN abs(hashint4(g + 7)) % 4 <> 3 END,
                       'grid'
                FROM generate_series(1, :issues) g,
                     LATERAL (SELECT timestamptz '2025-01-01 00:00+00'
                                     + (g::float / :issues) * interval '730 days' AS reported,
                                     abs(hashint4(g + 3)) % 10 AS s) t
                """
            ),
            {"n": COMMUNITIES, "issues": issues},
        )
        print(f"  inserted in {time.perf_counter() - started:.1f} s", flush=True)
        # a bulk load bypasses the service: build the figures rollup from the issues
        started = time.perf_counter()
        rebuild(connection, load_calendar().timezone, batch=20_000)
        print(f"  figures rollup rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE issues"))


def scan_figures(kit: Kit, start: datetime, end: datetime) -> None:
    """What the figures cost before the rollup: one aggregate over every issue of the period,
    and the durations for the medians."""
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        communities = issues.communities_under(DISTRICT)
        issues.figure_counts(communities, start, end, datetime.now(UTC))
        issues.durations(communities, start, end)


def measure(label: str, runs: int, action) -> None:
    action()  # warm the caches once
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(round(0.99 * (len(timings) - 1))))]
    print(f"{label:<58} p50 {statistics.median(timings):7.1f} ms   p99 {p99:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    ensure_database()
    engine = create_db_engine(URL)
    fill(engine, args.issues)
    kit = Kit(engine)
    start, end = (moment.isoformat() for moment in YEAR)
    worker = {"id": "w1", "role": "admin"}
    print(f"{args.runs} runs each, PostgreSQL, {args.issues} issues, {COMMUNITIES} communities")
    local_year = ("2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00")
    measure(
        "district figures, 2026 in local time (12 whole months)",
        args.runs,
        lambda: handlers.figures(kit, DISTRICT, *local_year),
    )
    measure(
        "district figures, 2026 in UTC (11 months + 2 edges)",
        args.runs,
        lambda: handlers.figures(kit, DISTRICT, start, end),
    )
    measure(
        "baseline: the same over the issues (aggregate, no rollup)",
        max(3, args.runs // 10),
        lambda: scan_figures(kit, *YEAR),
    )

    def list_three_pages() -> None:
        cursor = None
        for _ in range(3):
            query = {
                "node": "B-S3",
                "status": ["closed", "evaluated"],
                "category": ["heating"],
                "reported_from": start,
                "limit": 20,
            }
            if cursor:
                query["cursor"] = cursor
            cursor = handlers.list_issues(kit, query, worker)["next_cursor"]

    measure(
        "street list: status+category+date filter, first page",
        args.runs,
        lambda: handlers.list_issues(
            kit,
            {
                "node": "B-S3",
                "status": ["closed", "evaluated"],
                "category": ["heating"],
                "reported_from": start,
                "limit": 20,
            },
            worker,
        ),
    )
    measure("street list: the same, three pages by cursor", args.runs, list_three_pages)
    measure(
        "district change feed: updated_after, first page",
        args.runs,
        lambda: handlers.list_issues(
            kit,
            {
                "node": DISTRICT,
                "updated_after": "2026-12-01T00:00:00+00:00",
                "order": "updated",
                "limit": 50,
            },
            worker,
        ),
    )
    engine.dispose()


if __name__ == "__main__":
    main()
