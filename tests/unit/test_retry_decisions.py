"""Retry decisions: exponential backoff, capped, then a dead letter."""

from dataclasses import replace

from shared.config import Settings
from shared.messaging.parking import DEAD, RETRYING, backoff_delay, decide

SETTINGS = replace(
    Settings.from_env(), retry_base_delay=2.0, retry_max_delay=60.0, retry_max_attempts=5
)


def test_the_delay_doubles_after_each_failed_attempt():
    delays = [backoff_delay(n, SETTINGS, jitter=0) for n in (1, 2, 3, 4)]
    assert delays == [2.0, 4.0, 8.0, 16.0]


def test_the_delay_is_capped():
    assert backoff_delay(20, SETTINGS, jitter=0) == 60.0


def test_jitter_stays_within_ten_percent():
    for _ in range(100):
        assert 1.8 <= backoff_delay(1, SETTINGS) <= 2.2


def test_after_the_last_attempt_the_event_is_a_dead_letter():
    assert decide(4, SETTINGS)[0] == RETRYING
    assert decide(5, SETTINGS) == (DEAD, None)
