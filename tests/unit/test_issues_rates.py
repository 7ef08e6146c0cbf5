"""Each rate's formula on hand-computed cases (definitions in docs/metrics.md)."""

from services.issues.domain.rates import (
    Counts,
    completion_rate,
    figures,
    median,
    resolution_rate,
    response_rate,
    satisfaction_rate,
)

# 10 reported; 8 responded in time; 6 completed; 5 rated: 2 satisfied, 2 basically satisfied,
# 1 unsatisfied; 4 of the 5 say it is solved
STREET = Counts(
    reported=10,
    responded_in_time=8,
    completed=6,
    evaluated=5,
    solved=4,
    satisfied=2,
    basically_satisfied=2,
    response_overdue=2,
    resolution_overdue=1,
)


def test_response_rate_is_responded_in_time_over_reported():
    assert response_rate(STREET) == 0.8


def test_completion_rate_is_completed_over_reported():
    assert completion_rate(STREET) == 0.6


def test_resolution_rate_is_solved_over_evaluated():
    assert resolution_rate(STREET) == 0.8


def test_satisfaction_rate_counts_satisfied_and_basically_satisfied_over_evaluated():
    assert satisfaction_rate(STREET) == 0.8


def test_rates_round_to_four_places():
    assert response_rate(Counts(reported=3, responded_in_time=2)) == 0.6667


def test_no_issues_gives_no_rate_rather_than_zero_or_one_hundred_percent():
    assert figures(Counts())["response_rate"] is None
    assert satisfaction_rate(Counts(reported=4)) is None


def test_counts_of_communities_add_up_to_their_street():
    a = Counts(reported=4, responded_in_time=4, completed=2)
    b = Counts(reported=6, responded_in_time=3, completed=3)
    assert response_rate(a + b) == 0.7 and completion_rate(a + b) == 0.5


def test_median_of_odd_and_even_counts():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([]) is None
