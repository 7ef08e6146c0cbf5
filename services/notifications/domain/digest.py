"""Digests: staff who chose one get an hourly or daily summary of new issues in their grid
instead of one message each. Messages are batched into windows aligned to the recipient's
local clock, so a daily digest covers one local day."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

FREQUENCIES = ("off", "hourly", "daily")
DAILY_AT_HOUR = 8  # the daily digest goes out at 08:00 local time


def window_end(moment: datetime, frequency: str, timezone: str) -> datetime:
    """The end of the digest window that `moment` falls in: when its digest is sent (UTC)."""
    local = moment.astimezone(ZoneInfo(timezone))
    if frequency == "hourly":
        end = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    elif frequency == "daily":
        end = local.replace(hour=DAILY_AT_HOUR, minute=0, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
    else:
        raise ValueError(f"no digest window for {frequency!r}")
    return end.astimezone(UTC)


@dataclass(frozen=True)
class Pending:
    recipient_id: str
    kind: str
    params: dict
    due_at: datetime


@dataclass(frozen=True)
class Digest:
    recipient_id: str
    due_at: datetime
    items: tuple[Pending, ...]

    @property
    def count(self) -> int:
        return len(self.items)


def batch(pending: Iterable[Pending], now: datetime) -> list[Digest]:
    """Group the due entries (due_at <= now) into one digest per recipient and window."""
    groups: dict[tuple[str, datetime], list[Pending]] = defaultdict(list)
    for entry in pending:
        if entry.due_at <= now:
            groups[(entry.recipient_id, entry.due_at)].append(entry)
    return [
        Digest(recipient, due_at, tuple(items))
        for (recipient, due_at), items in sorted(groups.items())
    ]
