"""Roster runs in the background: what a worker does with a run it claims, and the last check
of a solved roster against the rules as they stand when it is saved."""

from datetime import UTC, datetime, timedelta

import pytest

from services.volunteers.domain.roster import Assignment
from services.volunteers.domain.roster_runs import (
    MAX_ATTEMPTS,
    ClaimAction,
    RunStatus,
    after_error,
    on_claim,
    recheck,
)
from services.volunteers.domain.signup_rules import Limits, ShiftTerms, Slot, Volunteer

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def at(hour, minute=0, day=14):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def terms(id, start, end, capacity=1, filled=0, **more):
    return ShiftTerms(Slot(id, start, end), capacity, filled, **more)


def proposal(volunteer, shift):
    return Assignment(volunteer, shift, ("lives in the shift's community",))


def test_a_run_is_run_again_after_a_crash_until_it_has_had_its_tries():
    assert on_claim(0) is ClaimAction.RUN  # queued, never tried
    assert on_claim(MAX_ATTEMPTS - 1) is ClaimAction.RUN  # its worker died; try again
    assert on_claim(MAX_ATTEMPTS) is ClaimAction.GIVE_UP  # it kills every worker


def test_an_error_puts_the_run_back_in_the_queue_until_the_last_try():
    assert after_error(1) is RunStatus.QUEUED
    assert after_error(MAX_ATTEMPTS) is RunStatus.FAILED


def test_proposals_that_still_pass_every_rule_are_kept():
    kept, dropped = recheck(
        [proposal("li", "a"), proposal("wang", "b")],
        {"a": terms("a", at(7), at(8)), "b": terms("b", at(7), at(8))},
        {"li": Volunteer(), "wang": Volunteer()},
        NOW,
    )
    assert [a.shift_id for a in kept] == ["a", "b"] and dropped == []


def test_a_place_taken_while_the_roster_was_solved_is_not_given_twice():
    # one place; a volunteer signed up for it while the solver worked
    kept, dropped = recheck(
        [proposal("li", "a")], {"a": terms("a", at(7), at(8), filled=1)}, {"li": Volunteer()}, NOW
    )
    assert kept == []
    assert [(d.assignment.volunteer_id, d.code) for d in dropped] == [("li", "shift-full")]


def test_a_shift_the_volunteer_took_meanwhile_makes_an_overlapping_proposal_drop():
    busy = Volunteer(shifts=(Slot("elsewhere", at(7, 30), at(9)),))
    kept, dropped = recheck(
        [proposal("li", "a")], {"a": terms("a", at(7), at(8))}, {"li": busy}, NOW
    )
    assert kept == [] and dropped[0].code == "overlapping-shift"
    assert "elsewhere" in dropped[0].detail


def test_kept_proposals_count_against_the_next_ones_of_the_same_volunteer():
    # a 6-hour day: the first 4-hour proposal fits, the second would make 8 hours
    tired = Volunteer(limits=Limits(max_hours_per_day=6, timezone="UTC"))
    kept, dropped = recheck(
        [proposal("li", "a"), proposal("li", "b")],
        {"a": terms("a", at(6), at(10)), "b": terms("b", at(12), at(16))},
        {"li": tired},
        NOW,
    )
    assert [a.shift_id for a in kept] == ["a"]
    assert [(d.assignment.shift_id, d.code) for d in dropped] == [("b", "daily-hour-limit")]


def test_cancelled_shifts_and_declined_places_are_not_proposed():
    kept, dropped = recheck(
        [proposal("li", "gone"), proposal("wang", "a")],
        {"a": terms("a", at(7), at(8))},  # "gone" was cancelled: no terms any more
        {"li": Volunteer(), "wang": Volunteer()},
        NOW,
        refused={("wang", "a")},
    )
    assert kept == []
    assert {(d.assignment.shift_id, d.code) for d in dropped} == {
        ("gone", "shift-cancelled"),
        ("a", "declined-meanwhile"),
    }


def test_the_sign_up_window_binds_volunteers_not_staffs_roster():
    closed = terms("a", at(7), at(8), signup_closes_at=NOW - timedelta(days=1))
    kept, _ = recheck([proposal("li", "a")], {"a": closed}, {"li": Volunteer()}, NOW)
    assert [a.shift_id for a in kept] == ["a"]


def test_a_crafted_cursor_whose_time_overflows_is_a_422_not_a_500():
    from datetime import UTC, datetime

    from services.volunteers.handlers.common import decode_cursor, encode_cursor
    from shared.errors import ValidationFailed

    def moment(text):
        return datetime.fromisoformat(text).astimezone(UTC)

    crafted = encode_cursor("0001-01-01T00:00:00+05:00", "run-1")
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(crafted, 2, moment)
    assert refused.value.code == "invalid-cursor"
    good = encode_cursor("2026-11-28T01:00:00+00:00", "run-1")
    assert decode_cursor(good, 2, moment) == [datetime(2026, 11, 28, 1, tzinfo=UTC), "run-1"]
