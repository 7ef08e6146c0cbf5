"""SLA clocks count working time: office hours on working days of the district's calendar,
skipping holidays and working on make-up workdays (调休)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.issues.domain.sla import (
    add_working_time,
    resumed_deadline,
    start_clock,
    working_time_between,
)
from shared.calendar import load_calendar

CALENDAR = load_calendar()
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=0, minute=0) -> datetime:
    """A Beijing-time moment, as UTC (how clocks are stored)."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_time_within_one_working_day_adds_plainly():
    assert add_working_time(at(2026, 11, 26, 10), timedelta(hours=2), CALENDAR) == at(
        2026, 11, 26, 12
    )


def test_time_left_at_closing_carries_over_to_the_next_morning():
    # Thursday 17:00 + 2 h: one hour on Thursday, one on Friday from 09:00
    assert add_working_time(at(2026, 11, 26, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 11, 27, 10
    )


def test_a_weekend_is_skipped():
    # Friday 17:00 + 2 h ends Monday 10:00
    assert add_working_time(at(2026, 11, 27, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 11, 30, 10
    )


def test_a_report_at_night_starts_counting_when_the_office_opens():
    assert add_working_time(at(2026, 11, 26, 22), timedelta(hours=1), CALENDAR) == at(
        2026, 11, 27, 10
    )


def test_national_day_holidays_are_skipped_and_the_make_up_saturday_works():
    # Wednesday 30 September 17:00 + 2 h: 1 h that day, then 1–7 October rest (国庆), 8 and 9
    # October are Thursday and Friday workdays: ends Thursday 8 October 10:00
    assert add_working_time(at(2026, 9, 30, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 10, 8, 10
    )
    # Friday 9 October 17:00 + 2 h: Saturday 10 October is a make-up workday (调休上班)
    assert add_working_time(at(2026, 10, 9, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 10, 10, 10
    )


def test_spring_festival_holidays_skip_nine_days():
    # Friday 13 February 17:00 + 2 h: Saturday 14 February is a make-up workday
    assert add_working_time(at(2026, 2, 13, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 2, 14, 10
    )
    # Saturday 14 February 17:00 + 2 h: 15–23 February rest, Tuesday 24 February works
    assert add_working_time(at(2026, 2, 14, 17), timedelta(hours=2), CALENDAR) == at(
        2026, 2, 24, 10
    )


def test_working_time_between_counts_only_office_hours_of_working_days():
    # Friday 16:00 → Monday 11:00: 2 h on Friday, 2 h on Monday
    assert working_time_between(at(2026, 11, 27, 16), at(2026, 11, 30, 11), CALENDAR) == (
        timedelta(hours=4)
    )
    assert working_time_between(at(2026, 11, 30, 11), at(2026, 11, 27, 16), CALENDAR) == (
        timedelta()
    )


def test_a_clock_warns_at_eighty_percent_of_its_working_time():
    clock = start_clock("response", at(2026, 11, 26, 9), timedelta(hours=5), CALENDAR)
    assert clock.warn_at == at(2026, 11, 26, 13)
    assert clock.due_at == at(2026, 11, 26, 14)


def test_a_paused_clock_keeps_the_working_time_it_had_left():
    # due Thursday 14:00, paused at 12:00 with 2 h left, resumed Monday 09:30 → Monday 11:30
    due = at(2026, 11, 26, 14)
    assert resumed_deadline(at(2026, 11, 26, 12), at(2026, 11, 30, 9, 30), due, CALENDAR) == at(
        2026, 11, 30, 11, 30
    )


def test_a_clock_paused_after_its_deadline_is_due_on_resumption():
    due = at(2026, 11, 26, 14)
    resumed = at(2026, 11, 30, 10)
    assert resumed_deadline(at(2026, 11, 26, 15), resumed, due, CALENDAR) == resumed


def test_naive_values_from_sqlite_are_read_as_utc():
    naive = at(2026, 11, 26, 10).replace(tzinfo=None)
    assert add_working_time(naive, timedelta(hours=1), CALENDAR) == at(2026, 11, 26, 11)


def test_a_district_with_other_office_hours_counts_its_own_working_time():
    from dataclasses import replace
    from datetime import time

    early = replace(CALENDAR, office_opens=time(8, 0), office_closes=time(12, 0))
    # Thursday 11:00 local + 2 working hours: one hour that morning, one the next morning
    assert add_working_time(at(2026, 11, 26, 11), timedelta(hours=2), early) == at(2026, 11, 27, 9)
