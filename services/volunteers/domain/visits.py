"""Care-visit rounds: each registered household needing visits (empty-nest elderly, disabled
residents, ...) is visited every N days; the coverage report shows who is overdue."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Household:
    id: str
    label: str
    community: str
    needs: tuple[str, ...]
    every_days: int
    registered_on: date
    last_visit_on: date | None


@dataclass(frozen=True)
class Coverage:
    household: Household
    due_on: date
    days_overdue: int  # 0 when not overdue

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def due_on(household: Household) -> date:
    """N days after the last visit; a household never visited is due N days after it was
    registered."""
    since = household.last_visit_on or household.registered_on
    return since + timedelta(days=household.every_days)


def coverage(households: Iterable[Household], today: date) -> list[Coverage]:
    """Every household with its due date, most overdue first, then soonest due."""
    report = []
    for household in households:
        due = due_on(household)
        report.append(Coverage(household, due, max(0, (today - due).days)))
    return sorted(report, key=lambda c: (-c.days_overdue, c.due_on, c.household.id))
