"""What one issue adds to its month's figures, how a period splits into whole months and
edges, and medians from duration histograms."""

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from services.issues.domain import figures_rollup as rollup
from services.issues.domain.rates import median

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ZONE = "Asia/Shanghai"


def issue(**fields):
    values = {
        "status": "reported",
        "reported_at": T0,
        "accepted_at": None,
        "resolved_at": None,
        "evaluated_at": None,
        "response_due_at": T0 + timedelta(hours=2),
        "resolution_due_at": T0 + timedelta(hours=48),
        "solved": None,
        "satisfaction": None,
        "paused_at": None,
        **fields,
    }
    return SimpleNamespace(**values)


def counts(found) -> dict:
    return {name: value for name, value in zip(rollup.FIELDS, found.counts, strict=True) if value}


def test_a_new_issue_counts_as_reported_and_becomes_overdue_when_its_deadline_passes():
    assert counts(rollup.contribution(issue(), T0)) == {"reported": 1}
    later = T0 + timedelta(hours=3)
    assert counts(rollup.contribution(issue(), later)) == {"reported": 1, "response_overdue": 1}
    waiting = issue(status="waiting_resident", paused_at=T0 + timedelta(hours=1))
    assert counts(rollup.contribution(waiting, later)) == {"reported": 1}  # its clock is paused


def test_a_handled_and_rated_issue_counts_in_every_rate_it_meets():
    done = issue(
        status="evaluated",
        accepted_at=T0 + timedelta(hours=1),
        resolved_at=T0 + timedelta(hours=50),  # late
        evaluated_at=T0 + timedelta(hours=60),
        solved=True,
        satisfaction="basically_satisfied",
    )
    found = rollup.contribution(done, T0 + timedelta(days=5))
    assert counts(found) == {
        "reported": 1,
        "responded_in_time": 1,
        "completed": 1,
        "evaluated": 1,
        "solved": 1,
        "basically_satisfied": 1,
        "resolution_overdue": 1,
    }
    assert found.respond_bucket == rollup.bucket_of(1.0)
    assert found.resolve_bucket == rollup.bucket_of(50.0)
    assert rollup.Contribution.decode(found.encode()) == found


def test_rejected_and_merged_issues_count_nowhere_but_their_times_stay_in_the_medians():
    found = rollup.contribution(issue(status="rejected", accepted_at=T0 + timedelta(hours=1)), T0)
    assert counts(found) == {}
    assert found.respond_bucket is not None
    assert rollup.Contribution.decode(None) == rollup.NOTHING


def test_a_period_splits_into_local_months_and_the_shorter_stretches_around_them():
    utc = ZoneInfo("UTC")
    year = rollup.split(datetime(2026, 1, 1, tzinfo=utc), datetime(2027, 1, 1, tzinfo=utc), ZONE)
    # UTC midnight is 08:00 in Shanghai: January less its first 8 hours, and 8 hours of 2027
    assert year.months == tuple(f"2026-{m:02d}" for m in range(1, 13))
    local = datetime.fromisoformat("2026-01-01T00:00:00+08:00")
    assert year.edges == (
        (local, local + timedelta(hours=8), -1),
        (
            datetime.fromisoformat("2027-01-01T00:00:00+08:00"),
            datetime.fromisoformat("2027-01-01T08:00:00+08:00"),
            +1,
        ),
    )
    aligned = rollup.split(local, datetime.fromisoformat("2026-04-01T00:00:00+08:00"), ZONE)
    assert aligned.months == ("2026-01", "2026-02", "2026-03") and aligned.edges == ()
    week = rollup.split(local, local + timedelta(days=7), ZONE)
    assert week.months == () and week.edges == ((local, local + timedelta(days=7), +1),)
    late_june = rollup.split(
        datetime.fromisoformat("2026-06-03T00:00:00+08:00"),
        datetime.fromisoformat("2026-06-30T00:00:00+08:00"),
        ZONE,
    )
    assert late_june.months == ("2026-06",) and [e[2] for e in late_june.edges] == [-1, -1]
    assert rollup.month_of(datetime(2026, 1, 31, 17, tzinfo=UTC), ZONE) == "2026-02"


def test_a_median_from_the_histogram_is_within_half_a_bucket_of_the_exact_one():
    generator = random.Random(7)
    for size in (1, 2, 5, 50, 999):
        hours = [generator.lognormvariate(2, 1.5) for _ in range(size)]
        histogram: dict[int, int] = {}
        for value in hours:
            rollup.add_to_histogram(histogram, rollup.bucket_of(value))
        exact = median(hours)
        found = rollup.median_hours(histogram)
        assert abs(found - exact) <= exact * 2 * rollup.relative_error_bound() + 0.1, (
            size,
            found,
            exact,
        )
    assert rollup.median_hours({}) is None
    assert rollup.median_hours({3: 2, 4: -2}) == rollup.median_hours({3: 2})
