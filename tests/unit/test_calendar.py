"""Working days and school days come from the calendar's data."""

from datetime import date

import pytest

from shared.calendar import CalendarError, load_calendar, parse_calendar

CALENDAR = load_calendar()


def test_a_public_holiday_on_a_weekday_is_no_workday():
    assert not CALENDAR.is_workday(date(2026, 10, 5))  # Monday of National Day week
    assert CALENDAR.holiday(date(2026, 10, 5)).name == "国庆节"


def test_a_makeup_workday_on_a_weekend_is_a_workday():
    assert date(2026, 10, 10).weekday() == 5
    assert CALENDAR.is_workday(date(2026, 10, 10))


def test_ordinary_weekdays_work_and_weekends_rest():
    assert CALENDAR.is_workday(date(2026, 11, 27))  # a Friday
    assert not CALENDAR.is_workday(date(2026, 11, 28))


def test_adding_workdays_skips_the_holiday_week_and_counts_the_makeup_day():
    # from Tuesday 29 September: Wed 30 Sep, then the holiday, then Thu 8, Fri 9, Sat 10 (makeup)
    assert CALENDAR.add_workdays(date(2026, 9, 29), 3) == date(2026, 10, 9)
    assert CALENDAR.add_workdays(date(2026, 9, 29), 4) == date(2026, 10, 10)


def test_school_days_are_workdays_inside_a_term():
    assert CALENDAR.is_school_day(date(2026, 9, 1))
    assert not CALENDAR.is_school_day(date(2026, 8, 31))  # summer vacation
    assert not CALENDAR.is_school_day(date(2026, 10, 2))  # holiday
    assert CALENDAR.is_school_day(date(2026, 10, 10))  # makeup workday in term


def test_a_broken_calendar_is_refused():
    with pytest.raises(CalendarError):
        parse_calendar("holidays: [{name: x, from: 2026-01-05, to: 2026-01-01}]")
    with pytest.raises(CalendarError):
        parse_calendar("weekend: [caturday]")


def test_office_hours_are_data_of_the_calendar():
    from datetime import time

    from shared.calendar import CalendarError, parse_calendar

    found = parse_calendar(
        'name: x\ntimezone: Asia/Shanghai\noffice_hours: {opens: "08:30", closes: 17:30}\n'
    )
    assert (found.office_opens, found.office_closes) == (time(8, 30), time(17, 30))
    default = parse_calendar("name: x\n")
    assert (default.office_opens, default.office_closes) == (time(9), time(18))
    for bad in ('{opens: "18:00", closes: "09:00"}', '{opens: "nine"}'):
        try:
            parse_calendar(f"name: x\noffice_hours: {bad}\n")
        except CalendarError:
            continue
        raise AssertionError(f"accepted {bad}")
