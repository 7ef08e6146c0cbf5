#!/usr/bin/env python
"""Pipeline benchmark (issue #2): Pavilion distributed against the bare ceiling of this machine.

    python bench/pipeline.py            # the whole run, 4-6 minutes; prints the figures
    python bench/pipeline.py --help     # durations, concurrency, one system only, diagnostics

One run measures three systems on the same machine, one after the other, each on its own
fresh RabbitMQ vhost and PostgreSQL databases (removed afterwards):

- bare: a minimal nameko pipeline, HTTP → DB insert → event → DB insert, no Pavilion code
  (bench/bare_pipeline/), one process per service;
- Pavilion: the four services as processes (`python -m pavilion run SERVICE`), a resident
  reporting an issue over HTTP until the grid worker's inbox has the message
  (gateway → RPC → issues + outbox → event → notifications + inbox);
- gateway+issues: the same with gateway and issues in one process (`pavilion run gateway
  issues`, decision 0006), the RPC carried out in that process.

For each: (1) sustained maximum throughput, a closed loop of `--concurrency` keep-alive
connections, `--warmup` seconds discarded, then a `--window` of seconds in which we count the
messages that landed in the inbox (and the 201s over HTTP); (2) end-to-end latency at half of
the bare pipeline's maximum, an open loop at a fixed rate for `--open-duration` seconds,
latency = inbox row's created_at − the request's scheduled send time (same clock), read from
the database afterwards, so nothing polls during the run; a request that fails or is not
answered within 15 s of its scheduled time counts as infinitely late. When a system's own
maximum is below that rate, it also gets an open loop at half of its own maximum (latency when
not overloaded). The load generator is a separate asyncio process speaking raw HTTP/1.1, to
keep its share of the two cores small.

Printed with each window: the CPU each process used (PostgreSQL counts the server and this
run's databases' backends), new PostgreSQL connections per second, and for Pavilion the
outbox backlog and where the time goes (send → issues → outbox published → inbox). A window in
which other programs used the machine or the broker is marked as disturbed.

Figures are printed, never asserted. Traffic goes to 127.0.0.1 only. Processes, the vhosts and
the databases are removed at the end, also after Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COMMUNITY = "150105001001"  # 展览馆社区
GRID = f"{COMMUNITY}-G01"  # grid worker 王芳
REPORT_PATH = f"/v1/communities/{COMMUNITY}/issues"
REQUEST_TIMEOUT = 15.0

# Pavilion's production timings (tests.support.processes.FAST would sweep the outbox and poll
# for retries 2-5x more often than a deployment does); logs at WARNING, as in production.
PAVILION_BENCH_ENV = {
    "PAVILION_LOG_LEVEL": "WARNING",
    "PAVILION_RETRY_BASE_DELAY": "2",
    "PAVILION_RETRY_MAX_ATTEMPTS": "8",
    "PAVILION_RETRY_POLL_INTERVAL": "0.5",
    "PAVILION_OUTBOX_GRACE": "3",
    "PAVILION_OUTBOX_SWEEP_INTERVAL": "1",
    "PAVILION_RPC_TIMEOUT": "10",
}


# =============================================================================================
# Load generator: its own process (`pipeline.py loadgen ...`), asyncio + raw HTTP/1.1 keep-alive
# =============================================================================================


class _Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        try:
            self.writer.close()
        except Exception:
            pass


async def _connect(host: str, port: int) -> _Connection:
    return _Connection(*await asyncio.open_connection(host, port))


async def _roundtrip(connection: _Connection, request: bytes) -> tuple[int, bool]:
    """Send one request, read one response; returns (status, server closes the connection)."""
    connection.writer.write(request)
    head = await connection.reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, lines[0].startswith(b"HTTP/1.0")
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection":
            close = value.strip().lower() == b"close"
    if length:
        await connection.reader.readexactly(length)
    return status, close


class _RequestMaker:
    def __init__(self, host: str, port: int, path: str, authorization: str):
        self.host, self.port = host, port
        auth = f"Authorization: {authorization}\r\n" if authorization else ""
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
            f"{auth}Content-Length: %d\r\n\r\n"
        ).encode()

    def build(self, title: str) -> bytes:
        body = json.dumps(
            {"category": "heating", "title": title, "grid": GRID}, ensure_ascii=False
        ).encode()
        return self.head % len(body) + body


async def _one_request(
    maker, connection, title, timeout: float = REQUEST_TIMEOUT
) -> tuple[int, _Connection | None]:
    """(HTTP status or 0 for a failure/timeout, the connection if it can be reused)."""
    try:
        if timeout <= 0:
            raise TimeoutError
        if connection is None:
            connection = await _connect(maker.host, maker.port)
        status, close = await asyncio.wait_for(_roundtrip(connection, maker.build(title)), timeout)
    except Exception:
        if connection is not None:
            connection.close()
        return 0, None
    if close:
        connection.close()
        connection = None
    return status, connection


async def _closed_loop(maker, concurrency, duration, start_at, prefix, records) -> None:
    end = start_at + duration
    counter = iter(range(10**9))
    await asyncio.sleep(max(0.0, start_at - time.time()))

    async def worker() -> None:
        connection = None
        while time.time() < end:
            n = next(counter)
            sent = time.time()
            status, connection = await _one_request(maker, connection, f"{prefix}{n}")
            records.append((n, sent, sent, time.time(), status))
        if connection is not None:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _open_loop(maker, rate, duration, start_at, prefix, records, max_in_flight) -> None:
    """Requests at fixed times whatever the answers (no coordinated omission): latency counts
    from the scheduled time. At most `max_in_flight` connections; a request that finds none
    free waits for one, and gives up (status -1) if it is not answered within REQUEST_TIMEOUT
    of its scheduled time, so the phase ends at most REQUEST_TIMEOUT after the last send."""
    idle: list[_Connection] = []
    slots = asyncio.Semaphore(max_in_flight)
    tasks = []

    async def one(n: int, scheduled: float) -> None:
        try:
            await asyncio.wait_for(slots.acquire(), scheduled + REQUEST_TIMEOUT - time.time())
        except TimeoutError:
            records.append((n, scheduled, None, time.time(), -1))
            return
        try:
            connection = idle.pop() if idle else None
            sent = time.time()
            status, connection = await _one_request(
                maker, connection, f"{prefix}{n}", scheduled + REQUEST_TIMEOUT - sent
            )
            records.append((n, scheduled, sent, time.time(), status))
            if connection is not None:
                idle.append(connection)
        finally:
            slots.release()

    for n in range(int(rate * duration)):
        scheduled = start_at + n / rate
        delay = scheduled - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, scheduled)))
    await asyncio.gather(*tasks)
    for connection in idle:
        connection.close()


def loadgen_main(args) -> None:
    maker = _RequestMaker(args.host, args.port, args.path, args.authorization)
    records: list[tuple] = []
    if args.mode == "closed":
        run = _closed_loop(
            maker, args.concurrency, args.duration, args.start_at, args.prefix, records
        )
    else:
        run = _open_loop(
            maker, args.rate, args.duration, args.start_at, args.prefix, records, args.max_in_flight
        )
    asyncio.run(run)
    Path(args.out).write_text(json.dumps(records))


# =============================================================================================
# Measuring: CPU per process from /proc, percentiles
# =============================================================================================

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float | None:
    """CPU seconds of a process, plus those of its children it has reaped (the postmaster
    reaps every backend, so short-lived PostgreSQL connections are counted too)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()
    return sum(int(f) for f in fields[11:15]) / CLOCK_TICKS


def _pids_named(comm: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() == comm:
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


def _machine_busy() -> tuple[float, float]:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) / CLOCK_TICKS, (sum(values[:8]) - idle) / CLOCK_TICKS


def _pg_state(databases: list[str]) -> tuple[int, dict[int, str | None]]:
    """Sessions ever opened to these databases (pg_stat_database.sessions), and which
    database each server process is attached to (None: the server's own processes)."""
    import psycopg2

    from tests.support.infra import PG_DSN

    connection = psycopg2.connect(PG_DSN)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname = ANY(%s)",
                (databases,),
            )
            sessions = int(cursor.fetchone()[0])
            cursor.execute("SELECT pid, datname FROM pg_stat_activity")
            attached = dict(cursor.fetchall())
            attached[connection.get_backend_pid()] = "(bench)"
            return sessions, attached
    finally:
        connection.close()


def _foreign_broker_rate(own_vhost: str | None) -> float:
    """Messages/s published + delivered on other vhosts of the same RabbitMQ (other programs
    using the broker meanwhile), from the management API's 5-second rates."""
    import requests

    from tests.support.infra import RABBIT_MANAGEMENT

    try:
        vhosts = requests.get(
            f"{RABBIT_MANAGEMENT}/api/vhosts", auth=("guest", "guest"), timeout=5
        ).json()
    except Exception:
        return 0.0
    rate = 0.0
    for vhost in vhosts:
        if vhost.get("name") == own_vhost:
            continue
        stats = vhost.get("message_stats") or {}
        for key in ("publish_details", "deliver_get_details"):
            rate += (stats.get(key) or {}).get("rate", 0.0)
    return rate


@dataclass
class CpuSnapshot:
    at: float
    groups: dict[str, float]
    machine: tuple[float, float]
    pg_sessions: int
    foreign_broker_rate: float = 0.0


def cpu_snapshot(
    named_pids: dict[str, int], databases: list[str], vhost: str | None = None
) -> CpuSnapshot:
    sessions, attached = _pg_state(databases)
    groups: dict[str, float] = {}
    for name, pid in named_pids.items():
        groups[name] = _proc_cpu(pid) or 0.0
    groups["rabbitmq"] = sum(
        v for pid in _pids_named("beam.smp") if (v := _proc_cpu(pid)) is not None
    )
    # PostgreSQL: the server's own processes (with the backends they reaped) and the backends
    # of this run's databases; backends of other databases are other programs' work
    mine = set(databases)
    groups["postgresql"] = sum(
        v
        for pid in _pids_named("postgres")
        if (attached.get(pid) is None or attached.get(pid) in mine)
        and (v := _proc_cpu(pid)) is not None
    )
    return CpuSnapshot(time.time(), groups, _machine_busy(), sessions, _foreign_broker_rate(vhost))


def cpu_percent(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """CPU% of one core per process group between two snapshots (200% = both cores)."""
    wall = after.at - before.at
    result = {
        name: 100.0 * (value - before.groups.get(name, 0.0)) / wall
        for name, value in after.groups.items()
    }
    total = after.machine[0] - before.machine[0]
    busy = after.machine[1] - before.machine[1]
    accounted = sum(result.values())
    machine = 100.0 * os.cpu_count() * busy / total if total else 0.0
    # whatever else ran meanwhile (kernel, other programs): watch this for a disturbed run
    result["other"] = max(0.0, machine - accounted)
    result["machine"] = machine
    result["new PG connections/s"] = (after.pg_sessions - before.pg_sessions) / wall
    result["other vhosts msg/s"] = max(before.foreign_broker_rate, after.foreign_broker_rate)
    return result


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# =============================================================================================
# The two systems
# =============================================================================================


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout:g}s waiting for {what} (last: {last!r})")


class BareSystem:
    key = "bare"
    label = "bare nameko"

    def __init__(self, workdir: Path, amqp_uri: str, urls: dict[str, str], extra_env: dict):
        self.workdir, self.amqp_uri, self.urls, self.extra_env = workdir, amqp_uri, urls, extra_env
        self.port = _free_port()
        self.path = "/reports"
        self.authorization = ""
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        import psycopg2
        import requests

        from bench.bare_pipeline.services import create_tables, inbox, reports

        create_tables(self.urls["intake"], reports)
        create_tables(self.urls["inbox"], inbox)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "AMQP_URI": self.amqp_uri,
            "BARE_HTTP_PORT": str(self.port),
            "INTAKE_DATABASE_URL": self.urls["intake"],
            "INBOX_DATABASE_URL": self.urls["inbox"],
            **self.extra_env,
        }
        for name in ("inbox", "intake"):
            log = open(self.workdir / f"bare_{name}.log", "ab")  # noqa: SIM115
            self.processes[f"bare_{name}"] = subprocess.Popen(
                [sys.executable, "-m", "bench.bare_pipeline.run", name],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{self.port}"
        _wait(lambda: requests.get(url + "/healthz", timeout=2).ok, 60, "bare intake /healthz")
        self.inbox_db = psycopg2.connect(self.urls["inbox"])
        self.inbox_db.autocommit = True

        # the inbox service's queue must be bound before events count: probe until one lands
        def probe_landed() -> bool:
            title = f"probe-{time.monotonic_ns()}"
            requests.post(
                url + self.path, json={"category": "x", "title": title}, timeout=5
            ).raise_for_status()
            time.sleep(0.3)
            return self.inbox_count(title) > 0

        _wait(probe_landed, 60, "a probe in the bare inbox", interval=0.2)

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    def databases(self) -> list[str]:
        return [url.rsplit("/", 1)[1] for url in self.urls.values()]

    def inbox_count(self, prefix: str) -> int:
        with self.inbox_db.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM inbox WHERE left(title, %s) = %s", (len(prefix), prefix)
            )
            return cursor.fetchone()[0]

    def inbox_times(self, prefix: str) -> dict[str, float]:
        with self.inbox_db.cursor() as cursor:
            cursor.execute(
                "SELECT title, extract(epoch FROM created_at)::float8 FROM inbox "
                "WHERE left(title, %s) = %s",
                (len(prefix), prefix),
            )
            return _first_landing(cursor.fetchall())

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes.values())

    def stop(self) -> None:
        if getattr(self, "inbox_db", None) is not None:
            self.inbox_db.close()
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def _first_landing(rows) -> dict[str, float]:
    landed: dict[str, float] = {}
    for title, created in rows:
        if title not in landed or created < landed[title]:
            landed[title] = created
    return landed


# how the four services are spread over processes
LAYOUTS = {
    "apart": (("gateway",), ("issues",), ("volunteers",), ("notifications",)),
    "together": (("gateway", "issues"), ("volunteers",), ("notifications",)),
}
LAYOUT_LABELS = {"apart": "Pavilion", "together": "gateway+issues"}


class PavilionSystem:
    def __init__(
        self, workdir: Path, amqp_uri: str, urls: dict[str, str], extra_env: dict, layout: str
    ):
        self.workdir, self.amqp_uri, self.urls, self.extra_env = workdir, amqp_uri, urls, extra_env
        self.processes = LAYOUTS[layout]
        self.key = f"pavilion-{layout}"
        self.label = LAYOUT_LABELS[layout]
        self.path = REPORT_PATH
        self.pavilion = None

    def start(self) -> None:
        import psycopg2

        from tests.support.processes import DEMO, Pavilion
        from tests.support.scenario import report, wait_for_routing

        env = {
            "AMQP_URI": self.amqp_uri,
            "PAVILION_HTTP_PORT": str(_free_port()),
            "PAVILION_SECRET": "bench-secret-" + self.workdir.name,
            "PAVILION_DATA_DIR": str(self.workdir / "data"),
            **{f"{name.upper()}_DATABASE_URL": url for name, url in self.urls.items()},
            **PAVILION_BENCH_ENV,
            **self.extra_env,
        }
        # Pavilion(...) layers os.environ, then tests' FAST, then env: env wins
        pavilion = self.pavilion = Pavilion(env, self.workdir)
        pavilion.cli("migrate")
        pavilion.cli("import-directory", str(DEMO))
        for process in self.processes:
            pavilion.spawn("+".join(process), "run", *process)
        pavilion.wait_ready(timeout=90)
        wait_for_routing(pavilion, timeout=60)
        self.port = pavilion.port
        headers = pavilion.headers("resident", COMMUNITY, "压测居民")
        self.authorization = headers["Authorization"]
        self.inbox_db = psycopg2.connect(self.urls["notifications"])
        self.inbox_db.autocommit = True

        def probe_landed() -> bool:
            title = f"probe-{time.monotonic_ns()}"
            report(pavilion, headers, title, grid=GRID).raise_for_status()
            return _wait(lambda: self.inbox_count(title) > 0, 10, "probe", interval=0.1)

        _wait(probe_landed, 60, "a probe in 王芳's inbox", interval=0.2)

    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.pavilion.processes.items()}

    def databases(self) -> list[str]:
        return [url.rsplit("/", 1)[1] for url in self.urls.values()]

    _TITLE = "params->>'title'"

    def inbox_count(self, prefix: str) -> int:
        with self.inbox_db.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM inbox_messages WHERE left({self._TITLE}, %s) = %s",
                (len(prefix), prefix),
            )
            return cursor.fetchone()[0]

    def inbox_times(self, prefix: str) -> dict[str, float]:
        with self.inbox_db.cursor() as cursor:
            cursor.execute(
                f"SELECT {self._TITLE}, extract(epoch FROM created_at)::float8 "
                f"FROM inbox_messages WHERE left({self._TITLE}, %s) = %s",
                (len(prefix), prefix),
            )
            return _first_landing(cursor.fetchall())

    def backlog(self) -> dict[str, int]:
        """Events the issues service committed but has not yet published (its outbox)."""
        import psycopg2

        connection = psycopg2.connect(self.urls["issues"])
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                return {"issues outbox unpublished": cursor.fetchone()[0]}
        finally:
            connection.close()

    def stages(self, prefix: str, records: list, landed: dict[str, float]) -> dict[str, dict]:
        """Where the time goes, per accepted report (ms): client send → the issues service's
        reported_at → outbox row marked published (after the broker's confirm) → inbox row;
        and reported_at → the client has the HTTP answer (RPC reply + gateway)."""
        import psycopg2

        connection = psycopg2.connect(self.urls["issues"])
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.title, extract(epoch FROM i.reported_at)::float8, "
                    "extract(epoch FROM o.published_at)::float8, o.attempts "
                    "FROM issues i JOIN outbox o ON o.message->>'subject' = i.id "
                    "WHERE left(i.title, %s) = %s",
                    (len(prefix), prefix),
                )
                rows = {title: (reported, published, attempts)
                        for title, reported, published, attempts in cursor.fetchall()}  # fmt: skip
        finally:
            connection.close()
        to_issues, to_published, to_inbox, reply = [], [], [], []
        republished = 0
        for n, _scheduled, sent, done, status in records:
            title = f"{prefix}{n}"
            if status != 201 or title not in rows:
                continue
            reported, published, attempts = rows[title]
            to_issues.append((reported - sent) * 1000)
            reply.append((done - reported) * 1000)
            republished += attempts > 1
            if published is not None:
                to_published.append((published - reported) * 1000)
                if title in landed:
                    to_inbox.append((landed[title] - published) * 1000)
        return {
            "send -> issues reported_at": _summary(to_issues),
            "reported_at -> HTTP answer": _summary(reply),
            "reported_at -> outbox published": _summary(to_published),
            "outbox published -> inbox": _summary(to_inbox),
            "published more than once": {"n": republished},
        }

    def alive(self) -> bool:
        return self.pavilion is not None and all(
            p.poll() is None for p in self.pavilion.processes.values()
        )

    def stop(self) -> None:
        if getattr(self, "inbox_db", None) is not None:
            self.inbox_db.close()
        if self.pavilion is not None:
            self.pavilion.stop_all()


# =============================================================================================
# Phases
# =============================================================================================


@dataclass
class PhaseResult:
    mode: str
    seconds: float
    sent: int = 0
    accepted: int = 0
    errors: int = 0
    accepted_per_s: float = 0.0
    delivered_per_s: float = 0.0
    rate: float = 0.0
    undelivered: int = 0
    drain_s: float = 0.0
    e2e_ms: dict[str, float] = field(default_factory=dict)
    http_ms: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    stages: dict[str, dict] = field(default_factory=dict)
    backlog: dict[str, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)


def _summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values) if values else math.nan,
        "n": len(values),
    }


def run_phase(
    system,
    tmp: Path,
    mode: str,
    *,
    prefix: str,
    concurrency: int = 0,
    warmup: float = 0.0,
    seconds: float,
    rate: float = 0.0,
) -> PhaseResult:
    out = tmp / f"{prefix}records.json"
    settle(label=prefix)
    start_at = time.time() + 1.0
    duration = warmup + seconds
    command = [
        sys.executable, str(Path(__file__).resolve()), "loadgen",
        "--port", str(system.port), "--path", system.path,
        "--authorization", system.authorization, "--mode", mode,
        "--concurrency", str(concurrency), "--rate", str(rate),
        "--duration", str(duration), "--start-at", repr(start_at),
        "--prefix", prefix, "--out", str(out),
    ]  # fmt: skip
    loadgen = subprocess.Popen(command, cwd=ROOT)
    try:
        pids = {**system.pids(), "loadgen": loadgen.pid}
        window_start, window_end = start_at + warmup, start_at + duration
        time.sleep(max(0.0, window_start - time.time()))
        before = cpu_snapshot(pids, system.databases(), system.vhost)
        time.sleep(max(0.0, window_end - time.time()))
        after = cpu_snapshot(pids, system.databases(), system.vhost)
        backlog = system.backlog() if hasattr(system, "backlog") else {}
        loadgen.wait(timeout=REQUEST_TIMEOUT + 30)
    finally:
        if loadgen.poll() is None:
            loadgen.kill()
            loadgen.wait()
    if loadgen.returncode != 0:
        raise RuntimeError(f"load generator failed ({loadgen.returncode})")
    records = json.loads(out.read_text())
    accepted = [r for r in records if r[4] == 201]

    # let what was accepted reach the inbox (bounded), then read the landing times
    drain_started = time.monotonic()
    last, last_change = -1, time.monotonic()
    while time.monotonic() - drain_started < 45:
        count = system.inbox_count(prefix)
        if count >= len(accepted):
            break
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > 8:
            break
        time.sleep(0.25)
    drain_s = time.monotonic() - drain_started
    landed = system.inbox_times(prefix)

    result = PhaseResult(mode, seconds, sent=len(records), accepted=len(accepted))
    result.errors = len(records) - len(accepted)
    result.error_kinds = dict(
        collections.Counter(
            {0: "failed or timed out", -1: "not sent in time"}.get(r[4], f"HTTP {r[4]}")
            for r in records
            if r[4] != 201
        )
    )
    result.drain_s = drain_s
    result.cpu = cpu_percent(before, after)
    result.backlog = backlog
    result.undelivered = sum(1 for r in accepted if f"{prefix}{r[0]}" not in landed)
    if mode == "closed":
        in_window = [r for r in records if window_start <= r[2] < window_end]
        result.accepted_per_s = (
            sum(1 for r in accepted if window_start <= r[3] < window_end) / seconds
        )
        result.delivered_per_s = (
            sum(1 for t in landed.values() if window_start <= t < window_end) / seconds
        )
        window_ok = [r for r in in_window if r[4] == 201]
        # informative only: from the actual send, over what was delivered
        e2e = [
            (landed[f"{prefix}{r[0]}"] - r[1]) * 1000
            for r in window_ok
            if f"{prefix}{r[0]}" in landed
        ]
        http = [(r[3] - r[1]) * 1000 for r in window_ok]
    else:
        window_ok = accepted
        result.rate = rate
        result.accepted_per_s = len(accepted) / seconds
        result.delivered_per_s = len(landed) / seconds
        # from the scheduled send, over every scheduled request: a request that failed, timed
        # out or never reached the inbox counts as infinitely late
        e2e = [
            (landed[f"{prefix}{r[0]}"] - r[1]) * 1000
            if r[4] == 201 and f"{prefix}{r[0]}" in landed
            else math.inf
            for r in records
        ]
        http = [(r[3] - r[1]) * 1000 if r[4] == 201 else math.inf for r in records]
    result.e2e_ms = _summary(e2e)
    result.http_ms = _summary(http)
    if hasattr(system, "stages"):
        result.stages = system.stages(prefix, window_ok, landed)
    return result


def measure(system, tmp: Path, args, rate: float | None) -> dict:
    print(f"[{system.label}] closed loop: {args.concurrency} connections, "
          f"{args.warmup:g} s warm-up + {args.window:g} s window", flush=True)  # fmt: skip
    closed = run_phase(
        system, tmp, "closed", prefix=f"{system.key}-closed-", concurrency=args.concurrency,
        warmup=args.warmup, seconds=args.window,
    )  # fmt: skip
    _print_phase(closed)
    own_half = max(1.0, round(closed.delivered_per_s / 2))
    if rate is None:
        rate = args.rate or own_half
    result = {"closed": closed, "rate": rate}
    if args.own_half_duration > 0 and own_half < rate * 0.9:
        # not what the target asks, but it tells the latency of this system when it is not
        # overloaded: an open loop at half of its own maximum (before the overload, so that
        # no backlog of the overload is left to disturb it)
        print(f"[{system.label}] open loop at half its own maximum: {own_half:g} reports/s for "
              f"{args.own_half_duration:g} s", flush=True)  # fmt: skip
        result["own_half"] = run_phase(
            system, tmp, "open", prefix=f"{system.key}-own-", rate=own_half,
            seconds=args.own_half_duration,
        )  # fmt: skip
        result["own_half_rate"] = own_half
        _print_phase(result["own_half"])
    print(
        f"[{system.label}] open loop: {rate:g} reports/s for {args.open_duration:g} s", flush=True
    )
    result["open"] = run_phase(
        system, tmp, "open", prefix=f"{system.key}-open-", rate=rate, seconds=args.open_duration
    )
    _print_phase(result["open"])
    if not system.alive():
        print(f"[{system.label}] WARNING: a process died during the run", flush=True)
    return result


def _fmt_ms(summary: dict) -> str:
    return " ".join(f"{k}={summary[k]:.1f}" for k in ("p50", "p90", "p99", "max"))


def _print_phase(r: PhaseResult) -> None:
    if r.mode == "closed":
        print(f"    accepted {r.accepted_per_s:.1f}/s over HTTP, "
              f"delivered {r.delivered_per_s:.1f}/s to the inbox (sent {r.sent}, "
              f"errors {r.errors}, undelivered {r.undelivered}, "
              f"drain {r.drain_s:.1f} s)")  # fmt: skip
    else:
        print(f"    {r.accepted} accepted of {r.sent} (errors {r.errors}, undelivered "
              f"{r.undelivered}, drain {r.drain_s:.1f} s)")  # fmt: skip
    print(f"    end-to-end ms: {_fmt_ms(r.e2e_ms)}")
    print(f"    HTTP ms:       {_fmt_ms(r.http_ms)}")
    print("    CPU % of one core: "
          + ", ".join(f"{k} {v:.0f}" for k, v in r.cpu.items()), flush=True)  # fmt: skip
    if r.error_kinds:
        print("    errors: " + ", ".join(f"{k} {v}" for k, v in r.error_kinds.items()))
    if _disturbed(r):
        print(f"    WARNING: other programs used {r.cpu['other']:.0f}% of a core and "
              f"{r.cpu['other vhosts msg/s']:.0f} msg/s of RabbitMQ in this window: "
              "figures disturbed, run again on a quiet machine", flush=True)  # fmt: skip
    for name, value in r.backlog.items():
        print(f"    at the end of the window: {name} {value}")
    for stage, summary in r.stages.items():
        figures = _fmt_ms(summary) if "p50" in summary else f"n={summary['n']}"
        print(f"    stage {stage}: {figures}", flush=True)


# =============================================================================================
# The run
# =============================================================================================


def settle(label: str, below: float = 30.0, timeout: float = 15.0) -> None:
    """Wait (bounded) until the machine is nearly idle, so that a phase does not start while the
    system still works off the previous one."""
    deadline = time.monotonic() + timeout
    busy = machine_quiet(1.0)
    while busy > below and time.monotonic() < deadline:
        busy = machine_quiet(1.0)
    if busy > below:
        print(f"    ({label}: machine still {busy:.0f}% busy after {timeout:g} s; starting anyway)")


def machine_quiet(seconds: float = 2.0) -> float:
    """The machine's CPU use (% of one core) over a short sample, before a system starts."""
    before = _machine_busy()
    time.sleep(seconds)
    after = _machine_busy()
    total = after[0] - before[0]
    return 100.0 * os.cpu_count() * (after[1] - before[1]) / total if total else 0.0


def machine_info() -> dict[str, str]:
    import psycopg2
    import requests

    from tests.support.infra import PG_DSN, RABBIT_MANAGEMENT

    info = {"cores": str(os.cpu_count()), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as handle:
            info["cpu"] = next(
                line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")
            )
    except (OSError, StopIteration):
        info["cpu"] = "?"
    overview = requests.get(f"{RABBIT_MANAGEMENT}/api/overview", auth=("guest", "guest"), timeout=5)
    info["rabbitmq"] = overview.json().get("rabbitmq_version", "?")
    with psycopg2.connect(PG_DSN) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        info["postgresql"] = cursor.fetchone()[0].split()[0]
    connection.close()
    from importlib.metadata import version

    info["nameko"] = version("nameko")
    info["eventlet"] = version("eventlet")
    info["code"] = _code_version()
    return info


def _code_version() -> str:
    """The commit measured, and whether the work tree differed from it (outside bench/);
    BENCH_CODE_VERSION names it instead (a run from an exported snapshot, not a checkout)."""
    if os.environ.get("BENCH_CODE_VERSION"):
        return os.environ["BENCH_CODE_VERSION"]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "?"
    changed = [line for line in status if " bench/" not in line and "docs/" not in line]
    return f"{commit or '?'}" + (f" + {len(changed)} changed files" if changed else "")


def run_system(kind: str, tmp: Path, args, rate: float | None) -> dict:
    """`kind`: "bare" or a Pavilion layout ("apart", "together")."""
    from tests.support.infra import pg_databases, rabbit_vhost

    names = ("intake", "inbox") if kind == "bare" else ("gateway", "issues", "volunteers",
                                                        "notifications")  # fmt: skip
    workdir = tmp / kind
    workdir.mkdir()
    background = machine_quiet()
    print(f"[{kind}] machine CPU before start: {background:.0f}% of one core"
          + ("  WARNING: something else is running, figures will be disturbed"
             if background > 25 else ""), flush=True)  # fmt: skip
    started = time.monotonic()
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    try:
        with rabbit_vhost() as (vhost, amqp_uri), pg_databases(names) as urls:
            system = (
                BareSystem(workdir, amqp_uri, urls, dict(args.bare_env))
                if kind == "bare"
                else PavilionSystem(workdir, amqp_uri, urls, dict(args.pavilion_env), kind)
            )
            system.vhost = vhost
            try:
                print(f"[{system.label}] starting …", flush=True)
                system.start()
                print(f"[{system.label}] ready in {time.monotonic() - started:.1f} s", flush=True)
                return measure(system, tmp, args, rate)
            except BaseException:
                for log in sorted(workdir.glob("*.log")):
                    tail = log.read_text(errors="replace")[-3000:]
                    print(f"---- {log.name} (tail) ----\n{tail}", file=sys.stderr)
                raise
            finally:
                # a Ctrl+C or SIGTERM now waits until the processes, the vhost and the
                # databases are gone, instead of cutting the clean-up short
                signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
                system.stop()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)


def print_report(info: dict, bare: dict, pavilions: dict[str, dict]) -> dict:
    """The figures side by side: the bare pipeline, then each Pavilion layout with its ratio
    to the bare pipeline; and the targets' verdict for each layout."""
    b, bo = bare["closed"], bare["open"]
    columns = [("bare", "", bare)] + [
        (LAYOUT_LABELS[layout], "÷ bare", result) for layout, result in pavilions.items()
    ]

    def row(label, value, ratio=None) -> tuple[str, list[str]]:
        cells = [value(bare)]
        for _, _, result in columns[1:]:
            cells += [value(result), ratio(result) if ratio else ""]
        return label, cells

    def cpu_ms(r):
        return _cpu_ms(r["closed"])

    rows = [
        row("max throughput, delivered to inbox (/s)",
            lambda r: f"{r['closed'].delivered_per_s:.1f}",
            lambda r: _ratio(r["closed"].delivered_per_s, b.delivered_per_s)),
        row("max throughput, accepted over HTTP (/s)",
            lambda r: f"{r['closed'].accepted_per_s:.1f}",
            lambda r: _ratio(r["closed"].accepted_per_s, b.accepted_per_s)),
        row("  at max: end-to-end p50 / p99 (ms)",
            lambda r: f"{r['closed'].e2e_ms['p50']:.0f} / {r['closed'].e2e_ms['p99']:.0f}"),
        row(f"  at max: machine CPU (% of {100 * os.cpu_count()})",
            lambda r: f"{r['closed'].cpu['machine']:.0f}"),
        row("  at max: machine CPU per delivered report (ms)",
            lambda r: f"{cpu_ms(r):.1f}", lambda r: _ratio(cpu_ms(r), _cpu_ms(b))),
        row(f"half load ({bare['rate']:g}/s): end-to-end p50 (ms)",
            lambda r: f"{r['open'].e2e_ms['p50']:.1f}",
            lambda r: _ratio(r["open"].e2e_ms["p50"], bo.e2e_ms["p50"])),
        row(f"half load ({bare['rate']:g}/s): end-to-end p99 (ms)",
            lambda r: f"{r['open'].e2e_ms['p99']:.1f}",
            lambda r: _ratio(r["open"].e2e_ms["p99"], bo.e2e_ms["p99"])),
        row("half load: HTTP p50 / p99 (ms)",
            lambda r: f"{r['open'].http_ms['p50']:.1f} / {r['open'].http_ms['p99']:.1f}"),
        row("half load: undelivered / errors",
            lambda r: f"{r['open'].undelivered} / {r['open'].errors}"),
        row("at half its own max: rate, e2e p50 / p99 (ms)",
            lambda r: (f"{r['own_half_rate']:g}/s: {r['own_half'].e2e_ms['p50']:.1f} / "
                       f"{r['own_half'].e2e_ms['p99']:.1f}") if "own_half" in r else ""),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    print()
    print(f"Pipeline benchmark, {date.today().isoformat()}: {info['cores']} cores ({info['cpu']}), "
          f"Python {info['python']}, RabbitMQ {info['rabbitmq']}, PostgreSQL "
          f"{info['postgresql']}, nameko {info['nameko']}; code {info['code']}")  # fmt: skip
    header = [columns[0][0]] + [h for label, unit, _ in columns[1:] for h in (label, unit)]
    print(f"{'':{width}}" + "".join(f"  {h:>16}" for h in header))
    for label, cells in rows:
        print(f"{label:{width}}" + "".join(f"  {c:>16}" for c in cells))
    print()
    verdicts = {}
    for layout, result in pavilions.items():
        p, po = result["closed"], result["open"]
        throughput_ratio = p.delivered_per_s / b.delivered_per_s if b.delivered_per_s else math.nan
        p99_ratio = po.e2e_ms["p99"] / bo.e2e_ms["p99"] if bo.e2e_ms["p99"] else math.nan
        verdicts[layout] = {
            "throughput_ratio": throughput_ratio,
            "p99_ratio": p99_ratio,
            "throughput_met": throughput_ratio >= 0.5,
            "p99_met": p99_ratio <= 2.0,
        }
        name = LAYOUT_LABELS[layout]
        print(f"target: {name} throughput >= 0.5 x bare: {throughput_ratio:.2f} -> "
              f"{'MET' if throughput_ratio >= 0.5 else 'NOT MET'}")  # fmt: skip
        print(f"target: {name} p99 at half load <= 2 x bare: {p99_ratio:.2f} -> "
              f"{'MET' if p99_ratio <= 2.0 else 'NOT MET'}")  # fmt: skip
    print()
    disturbed = [
        f"{label} {phase}"
        for label, _, result in columns
        for phase in ("closed", "open", "own_half")
        if phase in result and _disturbed(result[phase])
    ]
    if disturbed:
        print(f"WARNING: other programs were busy during: {', '.join(disturbed)}; "
              "these figures are disturbed, run again on a quiet machine")  # fmt: skip
        print()
    for title, phase in (("CPU in the max-throughput window", "closed"),
                         ("CPU at half load", "open"),
                         ("CPU at half its own max", "own_half")):  # fmt: skip
        lines = [
            f"  {label:18}" + ", ".join(f"{k} {v:.0f}" for k, v in result[phase].cpu.items())
            for label, _, result in columns
            if phase in result
        ]
        if lines:
            print(f"{title}, % of one core:")
            print("\n".join(lines))
    return {"disturbed": disturbed, **verdicts}


# a window is disturbed when other programs used more than this share of a core (in a quiet
# run "other" — the kernel's network work, mostly — stays under 12%), or used the same
# RabbitMQ at more than this many messages per second
DISTURBED_OTHER_CPU = 20.0
DISTURBED_BROKER_RATE = 20.0


def _disturbed(r: PhaseResult) -> bool:
    return (
        r.cpu.get("other", 0.0) > DISTURBED_OTHER_CPU
        or r.cpu.get("other vhosts msg/s", 0.0) > DISTURBED_BROKER_RATE
    )


def _cpu_ms(r: PhaseResult) -> float:
    return 10.0 * r.cpu["machine"] / r.delivered_per_s if r.delivered_per_s else math.nan


def _ratio(x: float, y: float) -> str:
    return f"{x / y:.2f}" if y else "n/a"


def _as_json(result: dict) -> dict:
    return {k: (v.__dict__ if isinstance(v, PhaseResult) else v) for k, v in result.items()}


def bench_main(args) -> int:
    def _terminate(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    info = machine_info()
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="pavilion-bench-") as tmp_name:
        tmp = Path(tmp_name)
        results: dict = {"machine": info, "date": date.today().isoformat(), "args": {
            k: v for k, v in vars(args).items() if k != "func"}}  # fmt: skip
        bare = None
        pavilions: dict[str, dict] = {}
        if args.only in (None, "bare"):
            bare = run_system("bare", tmp, args, None)
            results["bare"] = _as_json(bare)
        if args.only in (None, "pavilion"):
            rate = bare["rate"] if bare else (args.rate or 115.0)
            layouts = tuple(LAYOUTS) if args.layout == "both" else (args.layout,)
            for layout in layouts:
                pavilions[layout] = run_system(layout, tmp, args, rate)
                results[f"pavilion_{layout}"] = _as_json(pavilions[layout])
        if bare and pavilions:
            results["verdict"] = print_report(info, bare, pavilions)
    print(f"\ntotal run time {time.monotonic() - started:.0f} s", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    load = sub.add_parser("loadgen", help="(internal) the load generator process")
    load.add_argument("--host", default="127.0.0.1")
    load.add_argument("--port", type=int, required=True)
    load.add_argument("--path", required=True)
    load.add_argument("--authorization", default="")
    load.add_argument("--mode", choices=("closed", "open"), required=True)
    load.add_argument("--concurrency", type=int, default=32)
    load.add_argument("--rate", type=float, default=0.0)
    load.add_argument("--max-in-flight", type=int, default=256)
    load.add_argument("--duration", type=float, required=True)
    load.add_argument("--start-at", type=float, required=True)
    load.add_argument("--prefix", required=True)
    load.add_argument("--out", required=True)

    parser.add_argument(
        "--concurrency", type=int, default=32, help="connections in the closed loop (default 32)"
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of closed loop discarded before the window (default 5)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=20.0,
        help="seconds of the max-throughput window (default 20)",
    )
    parser.add_argument(
        "--open-duration",
        type=float,
        default=15.0,
        help="seconds of the fixed-rate phase (default 15)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="fixed rate for the latency phase (default: half the bare maximum)",
    )
    parser.add_argument(
        "--own-half-duration",
        type=float,
        default=10.0,
        help="seconds of an extra fixed-rate phase at half of a system's own maximum, run when "
        "that is below the common rate (default 10; 0 skips it)",
    )
    parser.add_argument(
        "--only",
        choices=("bare", "pavilion"),
        default=None,
        help="measure the bare pipeline only, or Pavilion only (its --layout), with no comparison",
    )
    parser.add_argument(
        "--layout",
        choices=(*LAYOUTS, "both"),
        default="both",
        help="how Pavilion's services share processes: apart (one process each), together "
        "(gateway and issues in one process, decision 0006) or both, one after the other "
        "(default)",
    )
    parser.add_argument(
        "--pavilion-env",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="extra environment for the Pavilion processes (diagnostics)",
    )
    parser.add_argument(
        "--bare-env",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="extra environment for the bare processes (e.g. BARE_POOL_SIZE=10)",
    )
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.command == "loadgen":
        loadgen_main(args)
        return 0
    return bench_main(args)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("use KEY=VALUE")
    return key, value


if __name__ == "__main__":
    sys.exit(main())
