"""The figures district leaders rank communities by (docs/metrics.md defines each).

Counts come from the database for a node and a period (issues reported in it); the formulas
live here so they are tested on hand-computed cases and the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counts:
    reported: int = 0  # reported in the period, excluding rejected and merged ones
    responded_in_time: int = 0  # accepted (响应) before the response deadline
    completed: int = 0  # resolved (办结): resolved, evaluated or closed
    evaluated: int = 0  # rated by the reporter
    solved: int = 0  # rated, and the reporter says the problem is solved
    satisfied: int = 0  # 满意
    basically_satisfied: int = 0  # 基本满意
    response_overdue: int = 0  # not accepted by the response deadline
    resolution_overdue: int = 0  # not resolved by the resolution deadline

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))


def _values(counts: Counts) -> tuple[int, ...]:
    return tuple(counts.__dict__.values())


def _ratio(numerator: int, denominator: int) -> float | None:
    """A share rounded to 4 places; None when nothing was counted (not 0 %, nor 100 %)."""
    return round(numerator / denominator, 4) if denominator else None


def response_rate(c: Counts) -> float | None:
    """响应率 = responded in time / reported."""
    return _ratio(c.responded_in_time, c.reported)


def completion_rate(c: Counts) -> float | None:
    """办结率 = completed / reported."""
    return _ratio(c.completed, c.reported)


def resolution_rate(c: Counts) -> float | None:
    """解决率 = solved / evaluated."""
    return _ratio(c.solved, c.evaluated)


def satisfaction_rate(c: Counts) -> float | None:
    """满意率 = (satisfied + basically satisfied) / evaluated."""
    return _ratio(c.satisfied + c.basically_satisfied, c.evaluated)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def figures(c: Counts) -> dict:
    return {
        "reported": c.reported,
        "response_rate": response_rate(c),
        "completion_rate": completion_rate(c),
        "resolution_rate": resolution_rate(c),
        "satisfaction_rate": satisfaction_rate(c),
        "response_overdue": c.response_overdue,
        "resolution_overdue": c.resolution_overdue,
    }
