"""The figures rollup: per node and local month, the summed contributions of its issues
(`domain/figures_rollup.py`).

Every flush that writes an issue records, in the same transaction, a *delta* row: the issue's
new contribution minus the one it had added before (kept on the issue as `figure_mark`).
Deltas are only ever inserted, so concurrent reports never wait on one another; a timer folds
them into `issue_month_figures` (claimed with FOR UPDATE SKIP LOCKED, safe with replicas).
Readers add the rollup and the deltas not folded yet, so a figure is exact at any moment."""

from __future__ import annotations

import json
from collections import defaultdict

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    cast,
    column,
    delete,
    event,
    func,
    select,
    table,
    tuple_,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from shared.calendar import load_calendar
from shared.db import aware, utcnow
from shared.db.unit_of_work import insert_skipping_taken

from .domain import figures_rollup as rollup
from .repository import Base, DirectoryNode, Issue

HISTOGRAM = JSON().with_variant(JSONB(), "postgresql")


class IssueMonthFigures(Base):
    """One node's month. For a community: its counts and duration histograms. For a street
    or district: the histograms of all its communities (medians are asked per node; the
    counts are summed from the communities' rows, so they stay 0 here)."""

    __tablename__ = "issue_month_figures"

    node: Mapped[str] = mapped_column(String(60), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    responded_in_time: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basically_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    response_overdue: Mapped[int] = mapped_column(Integer, default=0)
    resolution_overdue: Mapped[int] = mapped_column(Integer, default=0)
    # bucket → count; JSONB on PostgreSQL, whose json functions then need not parse text
    respond_hist: Mapped[dict] = mapped_column(HISTOGRAM, default=dict)
    resolve_hist: Mapped[dict] = mapped_column(HISTOGRAM, default=dict)


class FigureDelta(Base):
    """One change of one issue's contribution, not folded into the rollup yet."""

    __tablename__ = "issue_figure_deltas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(40))
    month: Mapped[str] = mapped_column(String(7))
    counts: Mapped[list] = mapped_column(JSON)  # differences, in the order of FIELDS
    # histogram moves: bucket left (-1) and bucket entered (+1), -1 for none
    respond_from: Mapped[int] = mapped_column(Integer, default=-1)
    respond_to: Mapped[int] = mapped_column(Integer, default=-1)
    resolve_from: Mapped[int] = mapped_column(Integer, default=-1)
    resolve_to: Mapped[int] = mapped_column(Integer, default=-1)


def _zone() -> str:
    return load_calendar().timezone


class _View:
    """An issue's columns with aware datetimes (SQLite gives naive UTC back)."""

    def __init__(self, issue: Issue) -> None:
        self._issue = issue

    def __getattr__(self, name):
        value = getattr(self._issue, name)
        return aware(value) if name.endswith("_at") else value


def refresh(session: Session, issue: Issue, now=None) -> None:
    """Record the change of `issue`'s contribution since it was last recorded (if any)."""
    row = delta_row(issue, now)
    if row is not None:
        session.add(FigureDelta(**row))


def delta_row(issue: Issue, now=None) -> dict | None:
    """The change of `issue`'s contribution since it was last recorded, as a row of
    `FigureDelta` (None when there is none); marks `issue` as recorded. For an issue written
    without the ORM's flush (the intake's single statement)."""
    new = rollup.contribution(_View(issue), aware(now or utcnow()))
    old = rollup.Contribution.decode(issue.figure_mark)
    if new == old:
        return None
    issue.figure_mark = new.encode()
    return {
        "community": issue.community,
        "month": rollup.month_of(aware(issue.reported_at), _zone()),
        "counts": [a - b for a, b in zip(new.counts, old.counts, strict=True)],
        "respond_from": _code(old.respond_bucket, new.respond_bucket),
        "respond_to": _code(new.respond_bucket, old.respond_bucket),
        "resolve_from": _code(old.resolve_bucket, new.resolve_bucket),
        "resolve_to": _code(new.resolve_bucket, old.resolve_bucket),
    }


def _code(this: int | None, other: int | None) -> int:
    """A histogram move's end, -1 when the bucket does not change."""
    return -1 if this is None or this == other else this


@event.listens_for(Session, "before_flush")
def _issues_written(session: Session, _context, _instances) -> None:
    for instance in (*session.new, *session.dirty):
        if isinstance(instance, Issue):
            refresh(session, instance)


# -- folding deltas and reading ---------------------------------------------------------------
def _apply_counts(target: dict, delta: FigureDelta) -> None:
    for name, change in zip(rollup.FIELDS, delta.counts, strict=True):
        target[name] = target.get(name, 0) + change


def _apply_histograms(target: dict, delta: FigureDelta) -> None:
    for key, left, entered in (
        ("respond_hist", delta.respond_from, delta.respond_to),
        ("resolve_hist", delta.resolve_from, delta.resolve_to),
    ):
        histogram = target.setdefault(key, {})
        if left >= 0:
            histogram[str(left)] = histogram.get(str(left), 0) - 1
        if entered >= 0:
            histogram[str(entered)] = histogram.get(str(entered), 0) + 1


FOLD_BATCH = 5000


def fold(session: Session, limit: int = FOLD_BATCH) -> int:
    """Fold up to `limit` deltas into the rollup; returns how many were folded."""
    query = select(FigureDelta).order_by(FigureDelta.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    deltas = list(session.scalars(query))
    if not deltas:
        return 0
    grouped: dict[tuple[str, str], dict] = defaultdict(dict)
    ancestors = _ancestors(session, {delta.community for delta in deltas})
    for delta in deltas:
        _apply_counts(grouped[(delta.community, delta.month)], delta)
        _apply_histograms(grouped[(delta.community, delta.month)], delta)
        for ancestor in ancestors.get(delta.community, ()):
            _apply_histograms(grouped[(ancestor, delta.month)], delta)
    for node_month, row in _locked_rows(session, sorted(grouped)).items():
        change = grouped[node_month]
        for name in rollup.FIELDS:
            setattr(row, name, getattr(row, name) + change.get(name, 0))
        for key in ("respond_hist", "resolve_hist"):
            merged = dict(getattr(row, key) or {})
            for bucket, count in change.get(key, {}).items():
                merged[bucket] = merged.get(bucket, 0) + count
            setattr(row, key, {b: c for b, c in merged.items() if c})
    session.execute(delete(FigureDelta).where(FigureDelta.id.in_([d.id for d in deltas])))
    return len(deltas)


def _ancestors(session: Session, communities: set[str]) -> dict[str, list[str]]:
    """The ancestors of each of `communities`, in one query."""
    found = session.execute(
        select(DirectoryNode.code, DirectoryNode.ancestors).where(
            DirectoryNode.code.in_(sorted(communities))
        )
    )
    return {code: list(ancestors or []) for code, ancestors in found}


def _locked_rows(
    session: Session, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], IssueMonthFigures]:
    """The rollup rows of `keys` (node, month), created when missing and locked in key order.
    Missing rows are inserted skipping any that another replica's fold inserted meanwhile,
    so two folds never fail on the same new month, and the ordered locks keep them from
    deadlocking."""
    empty = {name: 0 for name in rollup.FIELDS} | {"respond_hist": {}, "resolve_hist": {}}
    session.execute(
        insert_skipping_taken(session.get_bind(), IssueMonthFigures.__table__),
        [{"node": node, "month": month, **empty} for node, month in keys],
    )
    query = (
        select(IssueMonthFigures)
        .where(tuple_(IssueMonthFigures.node, IssueMonthFigures.month).in_(keys))
        .order_by(IssueMonthFigures.node, IssueMonthFigures.month)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return {(row.node, row.month): row for row in session.scalars(query)}


def month_figures(
    session: Session, node: str, communities: list[str], months: tuple[str, ...]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """For `months`: the summed counts (by FIELDS name) of each community at or under `node`,
    and the node's duration histograms (`respond_hist`, `resolve_hist`: bucket → count).
    Deltas not folded yet are included."""
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    histograms: dict[str, dict[str, int]] = {"respond_hist": {}, "resolve_hist": {}}
    if not months:
        return counts, histograms
    table_ = IssueMonthFigures.__table__
    sums = session.execute(
        select(table_.c.node, *(func.sum(table_.c[name]) for name in rollup.FIELDS))
        .where(table_.c.node.in_(communities), table_.c.month.in_(months))
        .group_by(table_.c.node)
    )
    for community, *summed in sums:
        counts[community].update(zip(rollup.FIELDS, (int(v or 0) for v in summed), strict=True))
    rows = session.execute(
        select(table_.c.respond_hist, table_.c.resolve_hist).where(
            table_.c.node == node, table_.c.month.in_(months)
        )
    )
    for respond, resolve in rows:
        for key, histogram in (("respond_hist", respond), ("resolve_hist", resolve)):
            totals = histograms[key]
            for bucket, count in (histogram or {}).items():
                totals[str(bucket)] = totals.get(str(bucket), 0) + int(count)
    pending = session.scalars(
        select(FigureDelta).where(
            FigureDelta.community.in_(communities), FigureDelta.month.in_(months)
        )
    )
    for delta in pending:
        _apply_counts(counts[delta.community], delta)
        _apply_histograms(histograms, delta)
    return counts, histograms


# the columns a contribution reads, spelled out so that a migration can rebuild the rollup
# whatever the issues table gains later
_ISSUES = table(
    "issues",
    column("id", String),
    column("community", String),
    column("status", String),
    column("reported_at", DateTime(timezone=True)),
    column("accepted_at", DateTime(timezone=True)),
    column("resolved_at", DateTime(timezone=True)),
    column("evaluated_at", DateTime(timezone=True)),
    column("response_due_at", DateTime(timezone=True)),
    column("resolution_due_at", DateTime(timezone=True)),
    column("paused_at", DateTime(timezone=True)),
    column("solved", Boolean),
    column("satisfaction", String),
    column("figure_mark", JSON),
)


_NODES = table("directory_nodes", column("code", String), column("ancestors", JSON))


def _rollup_table(counts: tuple[str, ...]):
    """`issue_month_figures` with the given count columns (a migration names its own)."""
    return table(
        "issue_month_figures",
        column("node", String),
        column("month", String),
        *(column(name, Integer) for name in counts),
        column("respond_hist", HISTOGRAM),
        column("resolve_hist", HISTOGRAM),
    )


_DELTAS = table("issue_figure_deltas", column("id", Integer))


def rebuild(
    connection: Connection, zone: str, batch: int = 5000, counts: tuple[str, ...] | None = None
) -> int:
    """Recompute every issue's contribution and the whole rollup from the issues themselves
    (after a bulk load, by the migration that introduced it, or to repair); returns how many
    issues it read. `counts`: the count columns the rollup table has (a migration passes the
    ones its schema has; by default all of `rollup.FIELDS`)."""
    counts = rollup.FIELDS if counts is None else counts
    rollup_table = _rollup_table(counts)
    connection.execute(delete(rollup_table))
    connection.execute(delete(_DELTAS))
    now, done, last = utcnow(), 0, ""
    totals: dict[tuple[str, str], dict] = defaultdict(dict)
    above = {
        code: list(ancestors or [])
        for code, ancestors in connection.execute(select(_NODES.c.code, _NODES.c.ancestors))
    }
    columns = [c for c in _ISSUES.c if c.name != "figure_mark"]
    while True:
        rows = connection.execute(
            select(*columns).where(_ISSUES.c.id > last).order_by(_ISSUES.c.id).limit(batch)
        ).all()
        if not rows:
            break
        marks = []
        for row in rows:
            found = rollup.contribution(_View(row), now)
            month = rollup.month_of(aware(row.reported_at), zone)
            target = totals[(row.community, month)]
            for name, value in zip(rollup.FIELDS, found.counts, strict=True):
                target[name] = target.get(name, 0) + value
            for node in (row.community, *above.get(row.community, ())):
                for key, bucket in (
                    ("respond_hist", found.respond_bucket),
                    ("resolve_hist", found.resolve_bucket),
                ):
                    if bucket is not None:
                        histogram = totals[(node, month)].setdefault(key, {})
                        histogram[str(bucket)] = histogram.get(str(bucket), 0) + 1
            marks.append({"key": row.id, "mark": found.encode()})
        _write_marks(connection, marks)
        done, last = done + len(rows), rows[-1].id
    if totals:
        connection.execute(
            rollup_table.insert(),
            [
                {
                    "node": node,
                    "month": month,
                    **{name: found.get(name, 0) for name in counts},
                    "respond_hist": found.get("respond_hist", {}),
                    "resolve_hist": found.get("resolve_hist", {}),
                }
                for (node, month), found in sorted(totals.items())
            ],
        )
    return done


def _write_marks(connection: Connection, marks: list[dict]) -> None:
    """Store each issue's contribution: one UPDATE ... FROM (VALUES ...) per batch on
    PostgreSQL (a statement per row takes minutes for a million issues)."""
    if connection.dialect.name == "postgresql":
        rows = values(column("key", String), column("mark", Text), name="marks").data(
            [(m["key"], json.dumps(m["mark"])) for m in marks]
        )
        connection.execute(
            update(_ISSUES)
            .where(_ISSUES.c.id == rows.c.key)
            .values(figure_mark=cast(rows.c.mark, JSON))
        )
        return
    connection.execute(
        update(_ISSUES)
        .where(_ISSUES.c.id == bindparam("key"))
        .values(figure_mark=bindparam("mark")),
        marks,
    )
