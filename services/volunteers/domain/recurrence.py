"""Recurring activities: RFC 5545 rules (RRULE, EXDATE, RDATE) read by python-dateutil, on a
calendar that is data, so "school days, 07:10–08:00 and 16:30–17:30" means exactly that.

A series is described in the activity's local time (Asia/Shanghai for the demo district):
the rule picks days, `day_filter` keeps only the calendar's school days or working days
(a make-up workday on a Saturday counts, a public holiday on a Tuesday does not), and each
kept day gets every one of the series' time windows. Occurrences come out in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from shared.calendar import WorkCalendar


class RecurrenceError(ValueError):
    pass


class DayFilter(StrEnum):
    EVERY_DAY = "every_day"  # whatever the rule picks
    WORKDAYS = "workdays"  # the calendar's working days (make-up workdays in, holidays out)
    SCHOOL_DAYS = "school_days"  # working days inside a school term


@dataclass(frozen=True)
class TimeWindow:
    starts: time
    ends: time

    def __post_init__(self) -> None:
        if self.ends <= self.starts:
            raise RecurrenceError(f"window {self.starts}–{self.ends} ends before it starts")


@dataclass(frozen=True)
class Occurrence:
    day: date  # local date: identifies the occurrence within its series
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


@dataclass(frozen=True)
class Series:
    """A recurring activity's schedule, in local time."""

    first_day: date
    rule: str  # an RRULE value, e.g. "FREQ=DAILY" or "FREQ=WEEKLY;BYDAY=SA"
    windows: tuple[TimeWindow, ...]
    timezone: str = "Asia/Shanghai"
    day_filter: DayFilter = DayFilter.EVERY_DAY
    excluded_days: frozenset[date] = field(default_factory=frozenset)  # EXDATE
    added_days: frozenset[date] = field(default_factory=frozenset)  # RDATE: kept even if filtered

    def __post_init__(self) -> None:
        if not self.windows:
            raise RecurrenceError("a series needs at least one time window")
        rule = self.rule.upper()
        if rule.startswith("RRULE:"):
            rule = rule[len("RRULE:") :]
        if "DTSTART" in rule:
            raise RecurrenceError("give the first day separately, not DTSTART in the rule")
        object.__setattr__(self, "rule", rule)
        self._parse()  # fail early on a malformed rule

    def _parse(self):
        try:
            return rrulestr(self.rule, dtstart=datetime.combine(self.first_day, time()))
        except (ValueError, TypeError) as exc:
            raise RecurrenceError(f"not a valid RRULE: {exc}") from None

    def days(self, calendar: WorkCalendar, start: date, end: date) -> list[date]:
        """The local days from `start` to `end` (inclusive) on which the series happens."""
        start = max(start, self.first_day)
        if end < start:
            return []
        picked = self._parse().between(
            datetime.combine(start, time()), datetime.combine(end, time()), inc=True
        )
        keep = {
            DayFilter.EVERY_DAY: lambda _day: True,
            DayFilter.WORKDAYS: calendar.is_workday,
            DayFilter.SCHOOL_DAYS: calendar.is_school_day,
        }[self.day_filter]
        chosen = {moment.date() for moment in picked if keep(moment.date())}
        chosen |= {day for day in self.added_days if start <= day <= end}
        return sorted(chosen - self.excluded_days)

    def occurrences(self, calendar: WorkCalendar, start: date, end: date) -> Iterator[Occurrence]:
        zone = ZoneInfo(self.timezone)
        for day in self.days(calendar, start, end):
            for window in self.windows:
                yield Occurrence(
                    day,
                    datetime.combine(day, window.starts, zone).astimezone(UTC),
                    datetime.combine(day, window.ends, zone).astimezone(UTC),
                )

    # Editing a series, as calendar programs do.

    def without_day(self, day: date) -> Series:
        """ "Cancel this occurrence" (or move it: the moved one becomes a one-off)."""
        return replace(self, excluded_days=self.excluded_days | {day})

    def split_at(self, day: date) -> tuple[Series, Series]:
        """ "This and all later ones": the series ends the day before `day`, and a copy starting
        on `day` takes the edit. Returns (earlier part, later part)."""
        if day <= self.first_day:
            raise RecurrenceError("split a series after its first day, or edit the whole series")
        until = (day - timedelta(days=1)).strftime("%Y%m%dT235959")
        parts = [p for p in self.rule.split(";") if not p.startswith(("UNTIL=", "COUNT="))]
        earlier = replace(
            self,
            rule=";".join([*parts, f"UNTIL={until}"]),
            excluded_days=frozenset(d for d in self.excluded_days if d < day),
            added_days=frozenset(d for d in self.added_days if d < day),
        )
        later = replace(
            self,
            first_day=day,
            excluded_days=frozenset(d for d in self.excluded_days if d >= day),
            added_days=frozenset(d for d in self.added_days if d >= day),
        )
        return earlier, later
