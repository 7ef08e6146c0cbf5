"""The figures rollup on PostgreSQL: whatever happens to issues, the figures read from the
monthly rollup (with deltas folded or not) equal the aggregate over the issues themselves,
and a rebuild from scratch gives the same rollup as the changes recorded one by one."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text

from services.issues import handlers
from services.issues.domain import figures_rollup as rollup
from services.issues.domain import rates
from services.issues.figures_repository import FigureDelta, IssueMonthFigures, fold, rebuild
from services.issues.repository import DirectoryNode, Issue, IssueRepository
from shared.calendar import load_calendar
from shared.db import create_db_engine
from tests.support.kit import DirectKit

STREET, COMMUNITIES = "S-fig", ("C-fig-1", "C-fig-2", "C-fig-3")
PERIOD = (
    datetime.fromisoformat("2026-01-01T00:00:00+08:00"),
    datetime.fromisoformat("2026-07-01T00:00:00+08:00"),
)


@pytest.fixture(scope="module")
def kit(settings):
    engine = create_db_engine(settings.database_url("issues"))
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM issues"))
    kit = DirectKit(engine)
    with kit.unit_of_work() as uow:
        for code in COMMUNITIES:
            uow.session.merge(
                DirectoryNode(
                    code=code,
                    name=code,
                    kind="community",
                    parent=STREET,
                    ancestors=["D-fig", STREET],
                )
            )
        uow.commit()
    yield kit
    engine.dispose()


def raw_figures(kit, start, end) -> dict:
    """The reference: one aggregate over the issues of the whole period, exact medians."""
    now = datetime.now(UTC)
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        rows = issues.figure_counts(list(COMMUNITIES), start, end, now)
        durations = issues.durations(list(COMMUNITIES), start, end)
    total = rates.Counts()
    for _, values in rows:
        total = total + rates.Counts(*values)
    respond = [(a - r).total_seconds() / 3600 for r, a, _ in durations if a is not None]
    resolve = [(s - r).total_seconds() / 3600 for r, _, s in durations if s is not None]
    return {
        **rates.figures(total),
        "respond": rates.median(respond),
        "resolve": rates.median(resolve),
    }


def random_issue(generator: random.Random, number: int) -> Issue:
    reported = PERIOD[0] - timedelta(days=20) + timedelta(hours=generator.uniform(0, 24 * 200))
    reported = reported.astimezone(UTC)
    return Issue(
        id=f"fig-{number:05d}",
        community=generator.choice(COMMUNITIES),
        category="heating",
        title="t",
        channel="app",
        reporter_id="r",
        status="reported",
        reported_at=reported,
        updated_at=reported,
        response_due_at=reported + timedelta(hours=2),
        resolution_due_at=reported + timedelta(hours=72),
    )


def evolve(generator: random.Random, issue: Issue) -> None:
    """Move an issue on by a random step, as the lifecycle would."""
    at = issue.reported_at + timedelta(hours=generator.lognormvariate(1, 1.2))
    step = generator.random()
    if issue.status == "reported":
        if step < 0.1:
            issue.status = "rejected"
        else:
            issue.status, issue.accepted_at = "accepted", at
    elif issue.status == "accepted" and step < 0.25:  # waits on the resident: clock paused
        issue.status, issue.paused_at = "waiting_resident", at
    elif issue.status == "waiting_resident":
        issue.status, issue.paused_at = "accepted", None
    elif issue.status == "accepted":
        issue.status, issue.resolved_at = (
            "resolved",
            at + timedelta(hours=generator.uniform(1, 120)),
        )
    elif issue.status == "resolved":
        issue.status, issue.evaluated_at = "evaluated", issue.resolved_at + timedelta(hours=5)
        issue.satisfaction = generator.choice(("satisfied", "basically_satisfied", "unsatisfied"))
        issue.solved = issue.satisfaction != "unsatisfied"
    elif issue.status == "evaluated" and step < 0.3:  # reopened for redo: not resolved again yet
        issue.status, issue.resolved_at, issue.evaluated_at = "reopened", None, None
        issue.satisfaction, issue.solved = None, None


def figures_now(kit, start, end) -> dict:
    found = handlers.figures(kit, STREET, start, end)
    keys = ("reported", "response_rate", "completion_rate", "resolution_rate", "satisfaction_rate")
    keys += ("response_overdue", "resolution_overdue")
    return {key: found[key] for key in keys} | {
        "respond": found["median_hours_to_respond"],
        "resolve": found["median_hours_to_resolve"],
    }


def same(found: dict, expected: dict) -> None:
    for key, value in expected.items():
        if key in ("respond", "resolve"):
            bound = rollup.relative_error_bound() * 2 * value + 0.1 if value else 0
            assert found[key] is not None or value is None, key
            assert value is None or abs(found[key] - value) <= bound, (key, found[key], value)
        else:
            assert found[key] == value, (key, found[key], value)


def test_the_rollup_agrees_with_the_issues_through_every_change(kit):
    generator = random.Random(11)
    with kit.unit_of_work() as uow:
        for number in range(400):
            uow.session.add(random_issue(generator, number))
        uow.commit()
    for round_ in range(4):
        with kit.unit_of_work() as uow:
            for issue in uow.session.scalars(select(Issue).where(Issue.id.like("fig-%"))):
                if generator.random() < 0.6:
                    evolve(generator, issue)
            uow.commit()
        if round_ % 2:
            handlers.fold_figures(kit)  # sometimes folded, sometimes read with pending deltas
        for start, end in (
            PERIOD,  # whole local months: the rollup alone
            (PERIOD[0] + timedelta(days=3, hours=5), PERIOD[1] - timedelta(days=9)),  # edges
            (datetime(2026, 2, 3, tzinfo=UTC), datetime(2026, 2, 20, tzinfo=UTC)),  # edges only
        ):
            same(figures_now(kit, start, end), raw_figures(kit, start, end))


def test_a_rebuild_from_scratch_gives_the_rollup_the_recorded_changes_built(kit):
    handlers.fold_figures(kit)
    with kit.unit_of_work() as uow:
        before = {
            (r.node, r.month): (
                tuple(getattr(r, n) for n in rollup.FIELDS),
                r.respond_hist,
                r.resolve_hist,
            )
            for r in uow.session.scalars(select(IssueMonthFigures))
        }
    with kit.engine.begin() as connection:
        read = rebuild(connection, load_calendar().timezone, batch=97)
    assert read >= 400
    with kit.unit_of_work() as uow:
        after = {
            (r.node, r.month): (
                tuple(getattr(r, n) for n in rollup.FIELDS),
                r.respond_hist,
                r.resolve_hist,
            )
            for r in uow.session.scalars(select(IssueMonthFigures))
        }
    # overdue counts are taken at the time of the last change; the rebuild takes them now,
    # which can only add overdue issues, never change anything else
    assert before.keys() == after.keys()
    for key, (counts, respond, resolve) in before.items():
        rebuilt = after[key]
        assert counts[:7] == rebuilt[0][:7], key
        assert counts[7] <= rebuilt[0][7] and counts[8] <= rebuilt[0][8], key
        assert respond == rebuilt[1] and resolve == rebuilt[2], key


def test_two_replicas_folding_at_once_share_a_new_month(kit):
    """Two folds (as two replicas' timers would) take different changes of one community in
    a month that has no rollup row yet: neither fails on the new row, none is lost."""
    handlers.fold_figures(kit)
    month, reported = "2031-03", [1] + [0] * (len(rollup.FIELDS) - 1)
    with kit.unit_of_work() as uow:
        for _ in range(4):
            uow.session.add(FigureDelta(community=COMMUNITIES[0], month=month, counts=reported))
        uow.commit()
    first, second = kit.unit_of_work(), kit.unit_of_work()
    failures: list[BaseException] = []

    def fold_the_rest() -> None:
        try:
            with second:
                assert fold(second.session) == 2  # the two the first fold has not locked
                second.commit()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    with first:
        assert fold(first.session, limit=2) == 2
        other = threading.Thread(target=fold_the_rest)
        other.start()
        other.join(0.5)  # it waits on the first fold's new rows while that is open
        first.commit()
    other.join(10)
    assert not other.is_alive() and failures == []
    with kit.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(IssueMonthFigures).where(IssueMonthFigures.month == month)
        )
        found = {row.node: row.reported for row in rows}
        uow.session.execute(delete(IssueMonthFigures).where(IssueMonthFigures.month == month))
        uow.commit()
    assert found == {COMMUNITIES[0]: 4, STREET: 0, "D-fig": 0}
