"""Quiet hours: non-urgent messages wait until the recipient's morning, in their time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    start: time  # e.g. 22:00
    end: time  # e.g. 07:00; may be earlier than start (the window spans midnight)
    timezone: str = "Asia/Shanghai"

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release_at(self, moment: datetime) -> datetime:
        """When a message held at `moment` may go out: `moment` itself outside the window,
        else the end of the window (the next local morning), as an aware UTC datetime."""
        if not self.contains(moment):
            return moment
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone)
        release = datetime.combine(local.date(), self.end, tzinfo=zone)
        if release <= local:
            release = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return release.astimezone(UTC)


def parse_clock(text: str) -> time:
    """'22:00' → time(22, 0); ValueError otherwise."""
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def hold_until(quiet: QuietHours | None, moment: datetime, *, critical: bool) -> datetime:
    """When to send: critical messages override quiet hours."""
    if critical or quiet is None:
        return moment
    return quiet.release_at(moment)
