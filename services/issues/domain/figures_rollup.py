"""What one issue adds to the figures of its community and month, so that leaders' figures are
read from a small rollup instead of scanning every issue of the period.

Each issue's *contribution* is the `rates.Counts` it adds (0 or 1 each) and the histogram
buckets of its time to respond and to resolve. The issues service keeps, per community and
local month of the report, the sum of the contributions of its issues: when an issue changes,
its new contribution replaces the one it had added before (stored on the issue). The formulas
are those of `docs/metrics.md`, the same as the aggregate query over raw issues that answers
the parts of a period not covering whole months (a test holds the two to each other).

Medians come from the summed histograms: buckets grow by 10 % from six minutes, so a median
is exact to within the width of its bucket (5 % either side, by linear interpolation)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

FIELDS = (
    "reported",
    "responded_in_time",
    "completed",
    "evaluated",
    "solved",
    "satisfied",
    "basically_satisfied",
    "response_overdue",
    "resolution_overdue",
)
NOT_COUNTED = frozenset({"rejected", "merged"})

# upper bounds (hours) of the histogram buckets: [0, 0.1), [0.1, 0.11), ... up to ~2.5 years
_FIRST, _GROWTH, _COUNT = 0.1, 1.1, 160
BOUNDS: tuple[float, ...] = tuple(_FIRST * _GROWTH**i for i in range(_COUNT))


@dataclass(frozen=True)
class Contribution:
    counts: tuple[int, ...]  # in the order of FIELDS
    respond_bucket: int | None = None
    resolve_bucket: int | None = None

    def encode(self) -> list[int]:
        return [*self.counts, _code(self.respond_bucket), _code(self.resolve_bucket)]

    @classmethod
    def decode(cls, stored: list[int] | None) -> Contribution:
        if not stored:
            return NOTHING
        *counts, respond, resolve = stored
        return cls(tuple(counts), _uncode(respond), _uncode(resolve))


NOTHING = Contribution((0,) * len(FIELDS))


def _code(bucket: int | None) -> int:
    return -1 if bucket is None else bucket


def _uncode(code: int) -> int | None:
    return None if code < 0 else code


def bucket_of(hours: float) -> int:
    """The histogram bucket of a duration (negative durations count as zero)."""
    return min(bisect.bisect_right(BOUNDS, max(hours, 0.0)), len(BOUNDS))


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() / 3600


def _before(a: datetime | None, b: datetime | None) -> bool:
    """a <= b, false when either is unknown (as SQL's comparison with NULL)."""
    return a is not None and b is not None and a <= b


def _late(done_at: datetime | None, due_at: datetime | None, now: datetime, paused: bool) -> bool:
    """Not done by the deadline: still open past it (unless its clock is paused, waiting on
    the resident: the deadline moves when it resumes), or done after it."""
    if due_at is None:
        return False
    return (due_at < now and not paused) if done_at is None else done_at > due_at


def contribution(issue, now: datetime) -> Contribution:
    """What `issue` (anything with the Issue columns; datetimes aware) adds to its month."""
    counted = issue.status not in NOT_COUNTED
    paused = issue.paused_at is not None
    counts = (
        counted,
        counted and _before(issue.accepted_at, issue.response_due_at),
        counted and issue.resolved_at is not None,
        counted and issue.evaluated_at is not None,
        counted and issue.evaluated_at is not None and issue.solved is True,
        counted and issue.satisfaction == "satisfied",
        counted and issue.satisfaction == "basically_satisfied",
        counted and _late(issue.accepted_at, issue.response_due_at, now, paused),
        counted and _late(issue.resolved_at, issue.resolution_due_at, now, paused),
    )
    respond = _hours(issue.reported_at, issue.accepted_at)
    resolve = _hours(issue.reported_at, issue.resolved_at)
    return Contribution(
        tuple(int(bool(c)) for c in counts),
        None if respond is None else bucket_of(respond),
        None if resolve is None else bucket_of(resolve),
    )


def month_of(moment: datetime, zone: str) -> str:
    """The local month ('2026-03') an issue reported at `moment` is filed under."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m")


@dataclass(frozen=True)
class Split:
    """A period as local months read from the rollup, plus or minus stretches read from the
    issues themselves: a period starting late in a month takes that month's rollup minus its
    first days rather than reading most of the month issue by issue."""

    months: tuple[str, ...]
    edges: tuple[tuple[datetime, datetime, int], ...]  # (start, end, +1 or -1)


def split(start: datetime, end: datetime, zone: str) -> Split:
    tz = ZoneInfo(zone)
    months: list[str] = []
    edges: list[tuple[datetime, datetime, int]] = []
    local = start.astimezone(tz)
    month = date(local.year, local.month, 1)
    while (month_start := datetime.combine(month, time(), tz)) < end:
        month_end = datetime.combine(_next_month(month), time(), tz)
        low, high = max(start, month_start), min(end, month_end)
        inside = high - low
        outside = (low - month_start) + (month_end - high)
        if outside == timedelta(0):
            months.append(month.strftime("%Y-%m"))
        elif outside < inside:  # the month, less what lies outside the period
            months.append(month.strftime("%Y-%m"))
            if low > month_start:
                edges.append((month_start, low, -1))
            if high < month_end:
                edges.append((high, month_end, -1))
        else:
            edges.append((low, high, +1))
        month = _next_month(month)
    return Split(tuple(months), tuple(edges))


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_to_histogram(histogram: dict[int, int], bucket: int | None, count: int = 1) -> None:
    if bucket is not None:
        histogram[bucket] = histogram.get(bucket, 0) + count


def median_hours(histogram: dict[int, int]) -> float | None:
    """The median of a histogram of durations, in hours rounded to 2 places; None for an
    empty histogram. As for exact values, an even count averages the two middle ones; each
    is placed inside its bucket by its rank there."""
    counts = sorted((bucket, count) for bucket, count in histogram.items() if count > 0)
    total = sum(count for _, count in counts)
    if total == 0:
        return None
    ranks = (total // 2, total // 2 + 1) if total % 2 == 0 else ((total + 1) // 2,)
    return round(sum(_value_at(counts, rank) for rank in ranks) / len(ranks), 2)


def _value_at(counts: list[tuple[int, int]], rank: int) -> float:
    """The estimated `rank`-th smallest duration (1-based)."""
    seen = 0
    for bucket, count in counts:
        if seen + count >= rank:
            low = 0.0 if bucket == 0 else BOUNDS[bucket - 1]
            high = BOUNDS[bucket] if bucket < len(BOUNDS) else low * _GROWTH
            return low + (high - low) * (rank - seen - 0.5) / count
        seen += count
    raise ValueError("rank beyond the histogram")  # pragma: no cover - ranks are within total


def relative_error_bound() -> float:
    """The widest a median can be off, relative to its value (half a bucket's growth)."""
    return (_GROWTH - 1) / 2
