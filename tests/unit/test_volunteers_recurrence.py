"""Recurring activities follow the district's calendar: 'school days, 07:10–08:00 and
16:30–17:30' skips holidays and includes make-up workdays; single occurrences and 'this and
all later ones' can be edited."""

from datetime import UTC, date, datetime, time

import pytest

from services.volunteers.domain.recurrence import (
    DayFilter,
    RecurrenceError,
    Series,
    TimeWindow,
)
from shared.calendar import load_calendar

CALENDAR = load_calendar()  # cn-2026: National Day 10-01..10-07, make-up workday Sat 10-10
RUSH_HOURS = (TimeWindow(time(7, 10), time(8)), TimeWindow(time(16, 30), time(17, 30)))
TRAFFIC_POST = Series(date(2026, 9, 28), "FREQ=DAILY", RUSH_HOURS, day_filter=DayFilter.SCHOOL_DAYS)


def test_a_school_day_rule_skips_the_holiday_and_keeps_the_make_up_workday():
    days = TRAFFIC_POST.days(CALENDAR, date(2026, 9, 28), date(2026, 10, 11))
    assert days == [
        date(2026, 9, 28),
        date(2026, 9, 29),
        date(2026, 9, 30),
        # 10-01..10-07 National Day; 10-08 and 10-09 are school days again
        date(2026, 10, 8),
        date(2026, 10, 9),
        date(2026, 10, 10),  # a Saturday, but a make-up workday (调休上班)
    ]


def test_each_school_day_gets_both_rush_hour_windows_in_utc():
    first_two = list(TRAFFIC_POST.occurrences(CALENDAR, date(2026, 9, 28), date(2026, 9, 28)))
    assert [(o.starts_at, o.ends_at) for o in first_two] == [
        (datetime(2026, 9, 27, 23, 10, tzinfo=UTC), datetime(2026, 9, 28, 0, 0, tzinfo=UTC)),
        (datetime(2026, 9, 28, 8, 30, tzinfo=UTC), datetime(2026, 9, 28, 9, 30, tzinfo=UTC)),
    ]


def test_no_school_days_outside_a_term():
    assert TRAFFIC_POST.days(CALENDAR, date(2026, 7, 20), date(2026, 8, 31)) == []


def test_exdate_removes_and_rdate_adds_a_day():
    series = Series(
        date(2026, 11, 2),
        "FREQ=WEEKLY;BYDAY=MO",
        RUSH_HOURS[:1],
        excluded_days=frozenset({date(2026, 11, 9)}),
        added_days=frozenset({date(2026, 11, 11)}),
    )
    assert series.days(CALENDAR, date(2026, 11, 1), date(2026, 11, 16)) == [
        date(2026, 11, 2),
        date(2026, 11, 11),
        date(2026, 11, 16),
    ]


def test_cancelling_this_occurrence_leaves_the_others():
    edited = TRAFFIC_POST.without_day(date(2026, 9, 29))
    assert edited.days(CALENDAR, date(2026, 9, 28), date(2026, 9, 30)) == [
        date(2026, 9, 28),
        date(2026, 9, 30),
    ]


def test_this_and_all_later_ones_splits_the_series():
    earlier, later = TRAFFIC_POST.split_at(date(2026, 10, 8))
    later = Series(
        later.first_day, later.rule, (TimeWindow(time(7), time(8)),), day_filter=later.day_filter
    )
    assert earlier.days(CALENDAR, date(2026, 9, 28), date(2026, 10, 31))[-1] == date(2026, 9, 30)
    moved = list(later.occurrences(CALENDAR, date(2026, 10, 8), date(2026, 10, 8)))
    assert [o.starts_at for o in moved] == [datetime(2026, 10, 7, 23, 0, tzinfo=UTC)]


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "BYDAY=XX", "DTSTART=20260101;FREQ=DAILY"])
def test_a_malformed_rule_is_refused(rule):
    with pytest.raises(RecurrenceError):
        Series(date(2026, 9, 1), rule, RUSH_HOURS)


def test_a_window_must_end_after_it_starts():
    with pytest.raises(RecurrenceError):
        TimeWindow(time(8), time(7))
