"""The roster model on small cases whose optimum is known by hand."""

from datetime import UTC, date, datetime, timedelta

from services.volunteers.domain.roster import (
    Held,
    RosterProblem,
    RosterShift,
    RosterVolunteer,
    quota_due,
)
from services.volunteers.domain.signup_rules import Limits


def at(hour, minute=0, day=1):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


def shift(id, start, end, needed=1, **more):
    return RosterShift(id, start, end, needed, **more)


def assigned(result):
    return {(a.volunteer_id, a.shift_id) for a in result.assignments}


def solve(shifts, volunteers, held=()):
    return RosterProblem(shifts, volunteers, held).solve(time_limit=5, workers=1)


def test_one_person_cannot_fill_two_overlapping_shifts():
    result = solve([shift("a", at(1), at(3)), shift("b", at(2), at(4))], [RosterVolunteer("v")])
    assert result.filled == 1 and result.open_places == 2 and result.coverage_optimal


def test_skills_decide_who_goes_where_so_that_both_shifts_are_filled():
    # the medic could do either shift; only sending the medic to first aid fills both
    result = solve(
        [
            shift("first-aid", at(1), at(2), required_skills=frozenset({"first_aid"})),
            shift("traffic", at(1), at(2)),
        ],
        [RosterVolunteer("medic", skills=frozenset({"first_aid"})), RosterVolunteer("anyone")],
    )
    assert assigned(result) == {("medic", "first-aid"), ("anyone", "traffic")}


def test_nobody_is_placed_outside_their_availability():
    free_mornings = RosterVolunteer("v", availability=((at(6), at(12)),))
    result = solve(
        [shift("evening", at(18), at(19)), shift("morning", at(7), at(8))], [free_mornings]
    )
    assert assigned(result) == {("v", "morning")}


def test_the_daily_hour_limit_caps_what_one_person_takes():
    # three 3-hour shifts; a 6-hour day allows two of them
    limits = Limits(max_hours_per_day=6, timezone="UTC")
    result = solve(
        [shift(n, at(h), at(h + 3)) for n, h in (("a", 1), ("b", 5), ("c", 9))],
        [RosterVolunteer("v", limits=limits)],
    )
    assert result.filled == 2 and result.coverage_optimal


def test_rest_between_shifts_is_respected():
    rested = RosterVolunteer("v", limits=Limits(min_rest=timedelta(hours=1)))
    result = solve([shift("a", at(1), at(2)), shift("b", at(2, 30), at(3))], [rested])
    assert result.filled == 1


def test_work_is_spread_fairly_once_coverage_is_maximal():
    # two volunteers, two disjoint shifts: each takes one, nobody takes both
    result = solve(
        [shift("a", at(1), at(2)), shift("b", at(3), at(4))],
        [RosterVolunteer("v1"), RosterVolunteer("v2")],
    )
    assert sorted(a.volunteer_id for a in result.assignments) == ["v1", "v2"]


def test_fairness_never_costs_a_place():
    # only v1 can do the second shift; coverage first, so v1 works both
    result = solve(
        [shift("a", at(1), at(2)), shift("b", at(3), at(4), required_skills=frozenset({"x"}))],
        [RosterVolunteer("v1", skills=frozenset({"x"})), RosterVolunteer("v2", availability=())],
    )
    assert assigned(result) == {("v1", "a"), ("v1", "b")}


def test_home_community_wins_when_all_else_is_equal():
    result = solve(
        [shift("a", at(1), at(2), community="zhanlanguan")],
        [
            RosterVolunteer("far", home_community="other"),
            RosterVolunteer("near", home_community="zhanlanguan"),
        ],
    )
    assert assigned(result) == {("near", "a")}


def test_a_party_member_behind_on_quota_is_preferred():
    result = solve(
        [shift("a", at(1), at(3))],
        [RosterVolunteer("resident"), RosterVolunteer("party-member", target_hours=2)],
    )
    assert assigned(result) == {("party-member", "a")}


def test_pinned_assignments_are_kept_and_count_for_the_rules():
    a = shift("a", at(1), at(2), needed=2)
    clash = shift("clash", at(1, 30), at(2, 30))
    result = solve(
        [a, clash], [RosterVolunteer("pinned"), RosterVolunteer("other")], [Held("pinned", a)]
    )
    # a has one open place left and 'pinned' cannot take the clashing shift, so 'other' can
    # fill only one of the two open places
    assert result.open_places == 2
    assert ("pinned", "clash") not in assigned(result)
    assert result.filled == 1


def test_each_assignment_says_why():
    result = solve(
        [shift("a", at(1), at(2), community="c", required_skills=frozenset({"first_aid"}))],
        [RosterVolunteer("v", skills=frozenset({"first_aid"}), home_community="c")],
    )
    reasons = " ".join(result.assignments[0].reasons)
    assert "first_aid" in reasons and "community" in reasons


def test_a_party_members_quota_due_is_pro_rata_of_the_year_minus_hours_served():
    # 36.5 h a year; by 2 Jan 2 days of 365 have passed: 0.2 h due
    assert quota_due(36.5, 0, date(2026, 1, 2)) == 0.2
    # by 31 Dec the whole quota is due, less what was served
    assert quota_due(36.5, 30, date(2026, 12, 31)) == 6.5
    assert quota_due(36.5, 40, date(2026, 12, 31)) == 0.0


def test_a_month_with_someone_holding_more_than_a_weeks_minutes_is_still_balanced():
    # the veteran already holds 8 whole days (192 h, more minutes than a week has); the
    # fairness stage must still run, so preferences decide the two open shifts
    unlimited = Limits(max_hours_per_day=24, max_hours_per_week=168, timezone="UTC")
    veteran = RosterVolunteer("veteran", limits=unlimited)
    held = [
        Held("veteran", shift(f"held-{day}", at(0, day=day), at(0, day=day + 1)))
        for day in range(1, 9)
    ]
    result = solve(
        [
            shift("a", at(8, day=20), at(9, day=20), role="traffic"),
            shift("b", at(10, day=20), at(11, day=20), role="traffic"),
        ],
        [
            veteran,
            RosterVolunteer("keen", preferred_roles=frozenset({"traffic"})),
            RosterVolunteer("indifferent"),
        ],
        held,
    )
    assert result.fairness_applied
    assert assigned(result) == {("keen", "a"), ("keen", "b")}
    assert "busiest volunteer as light as possible" in " ".join(result.assignments[0].reasons)
