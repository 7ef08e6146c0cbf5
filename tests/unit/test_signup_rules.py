"""Sign-up rules: every refusal has a stable code and a clear reason; staff may override."""

from datetime import UTC, datetime, timedelta

from services.volunteers.domain.signup_rules import (
    Limits,
    ShiftTerms,
    Slot,
    Volunteer,
    check_cancellation,
    check_signup,
    refusals,
)


def at(hour, minute=0, day=1):
    # local Asia/Shanghai times given in UTC: 08:00 local is 00:00 UTC
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


NOW = datetime(2026, 11, 27, tzinfo=UTC)
MORNING = Slot("morning", at(7, 10), at(8))


def terms(slot=MORNING, capacity=5, filled=0, **more):
    return ShiftTerms(slot, capacity, filled, **more)


def code(shift_terms, volunteer=Volunteer(), now=NOW):
    refusal = check_signup(shift_terms, volunteer, now)
    return refusal.code if refusal else None


def test_a_free_place_is_taken():
    assert code(terms(capacity=2, filled=1)) is None


def test_a_full_shift_is_refused():
    assert code(terms(capacity=2, filled=2)) == "shift-full"


def test_an_overlapping_shift_is_refused():
    refusal = check_signup(terms(), Volunteer(shifts=(Slot("other", at(7, 30), at(9)),)), NOW)
    assert refusal.code == "overlapping-shift" and "other" in refusal.detail


def test_back_to_back_shifts_do_not_overlap():
    assert code(terms(), Volunteer(shifts=(Slot("next", at(8), at(9)),))) is None


def test_signing_up_twice_is_refused():
    assert code(terms(), Volunteer(shifts=(MORNING,))) == "already-signed-up"


def test_a_missing_qualification_is_named():
    refusal = check_signup(
        terms(required_skills=frozenset({"first_aid"})), Volunteer(skills=frozenset()), NOW
    )
    assert refusal.code == "missing-qualification" and "first_aid" in refusal.detail


def test_a_confirmed_qualification_is_enough():
    volunteer = Volunteer(skills=frozenset({"first_aid"}))
    assert code(terms(required_skills=frozenset({"first_aid"})), volunteer) is None


def test_more_than_the_daily_hour_limit_is_refused():
    long_day = Volunteer(shifts=(Slot("day", at(9), at(16)),), limits=Limits(max_hours_per_day=7.5))
    assert code(terms(), long_day) == "daily-hour-limit"


def test_more_than_the_weekly_hour_limit_is_refused():
    # Tuesday 2026-12-01; earlier that ISO week: Monday 11-30
    week = Volunteer(
        shifts=(
            Slot("monday", at(9, day=1) - timedelta(days=1), at(13, day=1) - timedelta(days=1)),
        ),
        limits=Limits(max_hours_per_week=4.5),
    )
    assert code(terms(), week) == "weekly-hour-limit"


def test_hours_of_another_week_do_not_count():
    last_week = Volunteer(
        shifts=(Slot("old", at(9) - timedelta(days=7), at(13) - timedelta(days=7)),),
        limits=Limits(max_hours_per_week=4.5),
    )
    assert code(terms(), last_week) is None


def test_too_little_rest_between_shifts_is_refused():
    tired = Volunteer(
        shifts=(Slot("night", at(5), at(7)),), limits=Limits(min_rest=timedelta(minutes=30))
    )
    refusal = check_signup(terms(), tired, NOW)
    assert refusal.code == "too-little-rest" and "night" in refusal.detail


def test_before_the_signup_window_opens_is_refused():
    early = terms(signup_opens_at=NOW + timedelta(days=1))
    assert code(early) == "outside-signup-window"


def test_after_the_signup_window_closes_is_refused():
    closed = terms(signup_closes_at=NOW - timedelta(minutes=1))
    assert code(closed) == "outside-signup-window"


def test_a_shift_that_has_started_takes_no_more_signups():
    assert code(terms(), now=MORNING.starts_at) == "outside-signup-window"


def test_every_broken_rule_is_listed():
    found = refusals(
        terms(capacity=1, filled=1, required_skills=frozenset({"x"})), Volunteer(), NOW
    )
    assert [r.code for r in found] == ["shift-full", "missing-qualification"]


def test_staff_override_lifts_the_rules_but_not_a_double_signup():
    full = terms(capacity=1, filled=1)
    assert check_signup(full, Volunteer(), NOW, override=True) is None
    twice = check_signup(terms(), Volunteer(shifts=(MORNING,)), NOW, override=True)
    assert twice.code == "already-signed-up"


def test_cancelling_after_the_cutoff_is_refused():
    cutoff = timedelta(hours=12)
    assert check_cancellation(MORNING, cutoff, MORNING.starts_at - timedelta(hours=13)) is None
    late = check_cancellation(MORNING, cutoff, MORNING.starts_at - timedelta(hours=11))
    assert late.code == "past-cancellation-cutoff"
