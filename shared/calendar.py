"""Working-day and school-day calendars as data (holidays, make-up workdays, school terms).

Deadlines (SLA clocks) count working days of their district's calendar; recurring duties
such as rush-hour traffic posts happen on school days. Both come from a YAML file per
district (`data/calendars/`), chosen with `PAVILION_CALENDAR`; the rules here never change
when a year's holidays are announced.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache
from pathlib import Path

import yaml

DEFAULT_CALENDAR = Path(__file__).resolve().parent.parent / "data" / "calendars" / "cn-2026.yaml"
OFFICE_OPENS, OFFICE_CLOSES = time(9, 0), time(18, 0)  # when a calendar names none
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    name: str
    start: date
    end: date  # inclusive

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class WorkCalendar:
    name: str
    timezone: str
    weekend: frozenset[int]  # date.weekday() numbers
    holidays: tuple[Period, ...] = ()
    makeup_workdays: frozenset[date] = frozenset()
    school_terms: tuple[Period, ...] = ()
    school_breaks: tuple[Period, ...] = field(default_factory=tuple)
    # office hours of a working day, local time: SLA clocks run only inside them
    office_opens: time = OFFICE_OPENS
    office_closes: time = OFFICE_CLOSES

    def holiday(self, day: date) -> Period | None:
        return next((period for period in self.holidays if day in period), None)

    def is_workday(self, day: date) -> bool:
        """A make-up workday works even on a weekend; a holiday rests even on a weekday."""
        if day in self.makeup_workdays:
            return True
        if self.holiday(day) is not None:
            return False
        return day.weekday() not in self.weekend

    def is_school_day(self, day: date) -> bool:
        return (
            self.is_workday(day)
            and any(day in term for term in self.school_terms)
            and not any(day in pause for pause in self.school_breaks)
        )

    def workdays(self, start: date, end: date) -> Iterator[date]:
        """Working days from `start` to `end`, both inclusive."""
        day = start
        while day <= end:
            if self.is_workday(day):
                yield day
            day += timedelta(days=1)

    def add_workdays(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (not counting `start` itself)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day


def _period(raw: dict) -> Period:
    try:
        start, end = raw["from"], raw["to"]
    except KeyError as missing:
        raise CalendarError(f"a period lacks {missing}") from None
    if not isinstance(start, date) or not isinstance(end, date) or end < start:
        raise CalendarError(f"bad period {raw!r}")
    return Period(str(raw.get("name", "")), start, end)


def parse_calendar(text: str) -> WorkCalendar:
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise CalendarError(f"not valid YAML: {exc}") from None
    try:
        weekend = frozenset(WEEKDAYS.index(d) for d in raw.get("weekend", ["saturday", "sunday"]))
    except ValueError:
        raise CalendarError(f"unknown weekday in {raw.get('weekend')}") from None
    makeup = raw.get("makeup_workdays") or []
    if not all(isinstance(day, date) for day in makeup):
        raise CalendarError("makeup_workdays must be dates (YYYY-MM-DD)")
    return WorkCalendar(
        name=str(raw.get("name", "")),
        timezone=str(raw.get("timezone", "Asia/Shanghai")),
        weekend=weekend,
        holidays=tuple(_period(p) for p in raw.get("holidays") or []),
        makeup_workdays=frozenset(makeup),
        school_terms=tuple(_period(p) for p in raw.get("school_terms") or []),
        school_breaks=tuple(_period(p) for p in raw.get("school_breaks") or []),
        **_office_hours(raw.get("office_hours") or {}),
    )


def _office_hours(raw: dict) -> dict:
    """`office_hours: {opens: "09:00", closes: "18:00"}` (YAML may read 18:00 unquoted as
    the number of minutes, 1080: both are accepted)."""
    found = {}
    for key in ("opens", "closes"):
        if key in raw:
            found[f"office_{key}"] = _clock(raw[key], key)
    opens = found.get("office_opens", OFFICE_OPENS)
    closes = found.get("office_closes", OFFICE_CLOSES)
    if closes <= opens:
        raise CalendarError("office_hours: closes must be after opens")
    return found


def _clock(value, key: str) -> time:
    try:
        if isinstance(value, int):
            return time(value // 60, value % 60)
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise CalendarError(f"office_hours.{key} is not a time of day: {value!r}") from None


@cache
def load_calendar(path: str | None = None) -> WorkCalendar:
    """The district's calendar: `path`, else `PAVILION_CALENDAR`, else the bundled one."""
    chosen = Path(path or os.environ.get("PAVILION_CALENDAR") or DEFAULT_CALENDAR)
    return parse_calendar(chosen.read_text(encoding="utf-8"))
