"""A local fake provider for development and tests: records what it sent, and fails on
command (a number of transient failures, down, or permanently rejecting)."""

from __future__ import annotations

import threading

from shared.logging import get_logger

from .base import Outgoing, PermanentFailure, ProviderDown, TransientFailure

log = get_logger(__name__)


class FakeProvider:
    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[Outgoing] = []
        self.calls = 0
        self.transient_failures = 0
        self.down = False
        self.rejecting = False
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.sent, self.calls = [], 0
            self.transient_failures, self.down, self.rejecting = 0, False, False

    def send(self, message: Outgoing) -> str:
        with self._lock:
            self.calls += 1
            if self.down:
                raise ProviderDown(f"{self.name} is unreachable")
            if self.rejecting:
                raise PermanentFailure(f"{self.name} rejected the message")
            if self.transient_failures > 0:
                self.transient_failures -= 1
                raise TransientFailure(f"{self.name} timed out")
            self.sent.append(message)
        # in development the log is the phone: show what would have been sent
        log.info(
            "fake_provider.sent",
            provider=self.name,
            to=message.address,
            title=message.title,
            body=message.body,
        )
        return f"{self.name}-{len(self.sent)}"


# one per name and process, so that a test or the dev console can script a fault
_FAKES: dict[str, FakeProvider] = {}


def fake(name: str) -> FakeProvider:
    if name not in _FAKES:
        _FAKES[name] = FakeProvider(name)
    return _FAKES[name]
