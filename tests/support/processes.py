"""Pavilion as real processes: embedded (`pavilion up`) or distributed (`pavilion run`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import eventlet.patcher
import requests

_socket = eventlet.patcher.original("socket")
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo-district.yaml"
SERVICES = ("gateway", "issues", "volunteers", "notifications")

# fast retries and sweeps so the tests need not wait for production back-offs
FAST = {
    "PAVILION_RETRY_BASE_DELAY": "0.2",
    "PAVILION_RETRY_MAX_ATTEMPTS": "3",
    "PAVILION_RETRY_POLL_INTERVAL": "0.2",
    "PAVILION_OUTBOX_GRACE": "1",
    "PAVILION_OUTBOX_SWEEP_INTERVAL": "0.5",
    "PAVILION_RPC_TIMEOUT": "5",
    "PAVILION_LOG_LEVEL": "INFO",
}


def free_port() -> int:
    with _socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (requests.RequestException, ValueError, KeyError) as exc:
            last = exc
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


class Pavilion:
    """A running Pavilion and the helpers tests use to talk to it."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env = {**os.environ, **FAST, **env, "PYTHONUNBUFFERED": "1"}
        self.workdir = workdir
        self.port = int(self.env["PAVILION_HTTP_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self._tokens: dict[tuple, str] = {}

    # -- processes ----------------------------------------------------------------------------
    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "pavilion", *args],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes[name] = process
        return process

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        process = self.processes.pop(name)
        process.send_signal(sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            process.send_signal(signal.SIGTERM)
        for name in list(self.processes):
            try:
                self.processes[name].wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.processes[name].kill()
            self.processes.pop(name)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "pavilion", *args],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"pavilion {' '.join(args)} failed:\n{result.stderr}")
        return result

    def wait_ready(self, timeout: float = 120) -> None:
        # /readyz may take up to one RPC deadline while services start
        wait_until(
            lambda: requests.get(f"{self.url}/readyz", timeout=15).status_code == 200,
            timeout,
            message=f"{self.url}/readyz",
        )

    # -- API helpers --------------------------------------------------------------------------
    def token(self, role: str, scope: str, name: str) -> str:
        key = (role, scope, name)
        if key not in self._tokens:
            self._tokens[key] = self.cli("token", "--role", role, "--scope", scope, "--name", name)
            self._tokens[key] = self._tokens[key].stdout.strip()
        return self._tokens[key]

    def headers(self, role: str, scope: str, name: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, scope, name)}", **extra}

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=15, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.url + path, timeout=15, **kwargs)

    def inbox(self, headers: dict[str, str], limit: int = 100) -> list[dict]:
        items, cursor = [], None
        while True:
            params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = self.get("/v1/me/inbox", headers=headers, params=params)
            page.raise_for_status()
            body = page.json()
            items.extend(body["items"])
            cursor = body["next_cursor"]
            if not cursor:
                return items


def start_embedded(workdir: Path) -> Pavilion:
    pavilion = Pavilion(
        {"PAVILION_DATA_DIR": str(workdir / "data"), "PAVILION_HTTP_PORT": str(free_port())},
        workdir,
    )
    pavilion.spawn("embedded", "up", "--demo")
    _ready_or_stopped(pavilion)
    return pavilion


def start_distributed(workdir: Path, amqp_uri: str, database_urls: dict[str, str]) -> Pavilion:
    env = {
        "AMQP_URI": amqp_uri,
        "PAVILION_HTTP_PORT": str(free_port()),
        "PAVILION_SECRET": "test-secret-" + workdir.name,
        "PAVILION_DATA_DIR": str(workdir / "data"),
        **{f"{name.upper()}_DATABASE_URL": url for name, url in database_urls.items()},
    }
    pavilion = Pavilion(env, workdir)
    pavilion.cli("migrate")
    pavilion.cli("import-directory", str(DEMO))
    for name in SERVICES:
        pavilion.spawn(name, "run", name)
    _ready_or_stopped(pavilion)
    return pavilion


def _ready_or_stopped(pavilion: Pavilion) -> None:
    """Wait for readiness; a Pavilion that never gets ready is stopped, not left running."""
    try:
        pavilion.wait_ready()
    except BaseException:
        pavilion.stop_all()
        raise
