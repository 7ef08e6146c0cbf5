"""Delivery decisions: after an attempt, whether to retry later, fail over to the next
provider, or give up (a dead letter ops can replay). Plain functions, no I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

STATES = ("queued", "sending", "sent", "delivered", "failed", "dead", "cancelled")


class TransientFailure(Exception):
    """The provider may succeed later (timeout, 5xx, throttled)."""


class PermanentFailure(Exception):
    """Retrying cannot help (invalid number, rejected template, 4xx)."""


class ProviderDown(TransientFailure):
    """The provider cannot be reached at all: fail over at once rather than wait."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 2.0  # seconds
    max_delay: float = 900.0

    def backoff(self, attempt: int) -> timedelta:
        """Delay after failed attempt number `attempt` (1-based): base·2^(n−1), capped."""
        return timedelta(seconds=min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


@dataclass(frozen=True)
class Decision:
    outcome: str  # "sent" | "retry" | "failover" | "dead"
    provider_index: int
    next_attempt_at: datetime | None = None


def decide(
    *,
    error: Exception | None,
    attempt: int,
    provider_index: int,
    providers: int,
    now: datetime,
    policy: RetryPolicy,
) -> Decision:
    """What follows attempt number `attempt` (1-based, counted over all providers) made with
    provider `provider_index` of `providers`.

    - success → sent
    - provider down, or a permanent failure, with a further provider → fail over to it now
    - transient failure with attempts left → retry the same provider after backoff
    - attempts exhausted (or permanent with no further provider) → dead letter
    """
    if error is None:
        return Decision("sent", provider_index)
    has_next = provider_index + 1 < providers
    if attempt >= policy.max_attempts:
        return Decision("dead", provider_index)
    if isinstance(error, ProviderDown | PermanentFailure) and has_next:
        return Decision("failover", provider_index + 1, now)
    if isinstance(error, PermanentFailure):
        return Decision("dead", provider_index)
    return Decision("retry", provider_index, now + policy.backoff(attempt))


class RateLimiter:
    """A token bucket per provider: at most `rate` sends per second, bursts up to `burst`."""

    def __init__(self, rate: float, burst: int | None = None, clock=time.monotonic) -> None:
        self.rate = rate
        self.capacity = float(burst or max(1, int(rate)))
        self.tokens = self.capacity
        self.clock = clock
        self.updated = clock()

    def try_acquire(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
