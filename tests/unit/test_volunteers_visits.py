"""Care visits: a household is due every N days after its last visit; overdue ones lead the
coverage report."""

from datetime import date

from services.volunteers.domain.visits import Household, coverage, due_on


def household(id, every_days=7, registered=date(2026, 11, 1), last=None):
    return Household(id, f"{id}号", "150105001001", ("empty_nest",), every_days, registered, last)


def test_a_household_is_due_n_days_after_its_last_visit():
    assert due_on(household("a", last=date(2026, 11, 20))) == date(2026, 11, 27)


def test_a_household_never_visited_is_due_n_days_after_registration():
    assert due_on(household("a")) == date(2026, 11, 8)


def test_the_most_overdue_household_comes_first_and_a_visited_one_is_not_overdue():
    report = coverage(
        [
            household("visited", last=date(2026, 11, 25)),
            household("late", last=date(2026, 11, 15)),
            household("never"),
        ],
        today=date(2026, 11, 27),
    )
    assert [(c.household.id, c.days_overdue) for c in report] == [
        ("never", 19),
        ("late", 5),
        ("visited", 0),
    ]
    assert not report[-1].overdue
