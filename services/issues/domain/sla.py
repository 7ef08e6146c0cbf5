"""SLA arithmetic: deadlines counted in working time on the district's calendar.

A working day is a day the calendar says is one (holidays rest, make-up workdays 调休 work,
even on a weekend) and its working hours are `WorkingHours` in the calendar's timezone.
A clock that pauses (waiting on the resident) keeps the working time it had left and, when
it resumes, gets a new deadline that far ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.calendar import WorkCalendar

WARN_AT_SHARE = 0.8  # the assignee is warned when 80 % of the working time is used


@dataclass(frozen=True)
class WorkingHours:
    opens: time = time(9, 0)
    closes: time = time(18, 0)

    @property
    def per_day(self) -> timedelta:
        return datetime.combine(datetime.min, self.closes) - datetime.combine(
            datetime.min, self.opens
        )

    @classmethod
    def of(cls, calendar: WorkCalendar) -> WorkingHours:
        """The office hours the district's calendar names (09:00–18:00 unless it says)."""
        return cls(calendar.office_opens, calendar.office_closes)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:  # naive values are UTC (as SQLite gives them back)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def add_working_time(
    start: datetime,
    duration: timedelta,
    calendar: WorkCalendar,
    hours: WorkingHours | None = None,
) -> datetime:
    """The moment `duration` of working time after `start` (UTC in, UTC out)."""
    hours = hours or WorkingHours.of(calendar)
    zone = ZoneInfo(calendar.timezone)
    cursor = _local(start, zone)
    left = duration
    while True:
        day = cursor.date()
        if calendar.is_workday(day):
            opens = datetime.combine(day, hours.opens, zone)
            closes = datetime.combine(day, hours.closes, zone)
            begin = max(cursor, opens)
            if begin < closes:
                available = closes - begin
                if left <= available:
                    return (begin + left).astimezone(UTC)
                left -= available
        cursor = datetime.combine(day + timedelta(days=1), time(0), zone)


def working_time_between(
    start: datetime, end: datetime, calendar: WorkCalendar, hours: WorkingHours | None = None
) -> timedelta:
    """Working time from `start` to `end` (zero when `end` is not after `start`)."""
    hours = hours or WorkingHours.of(calendar)
    zone = ZoneInfo(calendar.timezone)
    cursor, end = _local(start, zone), _local(end, zone)
    total = timedelta()
    while cursor < end:
        day = cursor.date()
        if calendar.is_workday(day):
            opens = datetime.combine(day, hours.opens, zone)
            closes = datetime.combine(day, hours.closes, zone)
            begin, finish = max(cursor, opens), min(end, closes)
            if finish > begin:
                total += finish - begin
        cursor = datetime.combine(day + timedelta(days=1), time(0), zone)
    return total


@dataclass(frozen=True)
class Clock:
    """One deadline of an issue: `due_at` and the moment its assignee is warned."""

    kind: str  # response | resolution
    started_at: datetime
    budget: timedelta  # working time allowed
    warn_at: datetime
    due_at: datetime


def start_clock(
    kind: str,
    started_at: datetime,
    budget: timedelta,
    calendar: WorkCalendar,
    hours: WorkingHours | None = None,
) -> Clock:
    warn_at = add_working_time(started_at, budget * WARN_AT_SHARE, calendar, hours)
    due_at = add_working_time(started_at, budget, calendar, hours)
    return Clock(kind, started_at, budget, warn_at, due_at)


def resumed_deadline(
    paused_at: datetime,
    resumed_at: datetime,
    due_at: datetime,
    calendar: WorkCalendar,
    hours: WorkingHours | None = None,
) -> datetime:
    """A paused clock's new deadline: the working time it had left, counted from `resumed_at`.

    A clock paused after its deadline has nothing left and stays due at once."""
    left = working_time_between(paused_at, due_at, calendar, hours)
    return add_working_time(resumed_at, left, calendar, hours)
