"""Persistence of the issues service (SQLAlchemy 2, typed models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    and_,
    case,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db.unit_of_work import defer_add, defer_insert


class Base(DeclarativeBase):
    pass


class Issue(Base):
    __tablename__ = "issues"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    grid: Mapped[str | None] = mapped_column(String(60))
    compound: Mapped[str | None] = mapped_column(String(60))
    building: Mapped[str | None] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(20))
    reporter_id: Mapped[str] = mapped_column(String(60), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(60), index=True)
    assignee_role: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # added by 0002: kinds, privacy, lifecycle milestones, SLA clocks, evaluation, merge
    kind: Mapped[str] = mapped_column(String(20), default="problem")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    recorded_by: Mapped[str | None] = mapped_column(String(60))
    partner: Mapped[str | None] = mapped_column(String(120))
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    due_date: Mapped[str | None] = mapped_column(String(10))
    parties: Mapped[list] = mapped_column(JSON, default=list)
    photos: Mapped[list] = mapped_column(JSON, default=list)
    level: Mapped[str] = mapped_column(String(20), default="grid")
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    merged_into: Mapped[str | None] = mapped_column(String(40))
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(Integer)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    evaluation_comment: Mapped[str | None] = mapped_column(Text)
    redo_count: Mapped[int] = mapped_column(Integer, default=0)
    callback_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # added by 0005: what this issue last added to its month's figures (figures_rollup.py)
    figure_mark: Mapped[list | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_issues_community_reported", "community", "reported_at"),
        Index("ix_issues_updated", "updated_at", "id"),
        Index("ix_issues_reported_id", "reported_at", "id"),
        Index("ix_issues_community_status", "community", "status", "category"),
    )


class IssueHistory(Base):
    """One row per transition: who moved the issue, from what, to what, when, and why."""

    __tablename__ = "issue_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    issue_id: Mapped[str] = mapped_column(String(40), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IssueComment(Base):
    __tablename__ = "issue_comments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(40), index=True)
    author_id: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    photos: Mapped[list] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IssueSupporter(Base):
    """A resident who said "me too" about an issue (counted once per person)."""

    __tablename__ = "issue_supporters"

    issue_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SlaAlarm(Base):
    """A moment the SLA timer must act on an issue, fired exactly once (`fired_at`).

    Kinds: response_warning, response_breach, resolution_warning, resolution_breach,
    evaluation_due. The timer claims due rows with FOR UPDATE SKIP LOCKED and marks them in
    the transaction that records their event, so a restart neither loses nor repeats one."""

    __tablename__ = "sla_alarms"

    issue_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_sla_alarms_due", "fired_at", "due_at"),)


class CatalogueOverride(Base):
    """A node's change to the catalogue it inherits: add, override or remove a category."""

    __tablename__ = "catalogue_overrides"

    node: Mapped[str] = mapped_column(String(60), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    mode: Mapped[str] = mapped_column(String(10))
    definition: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryNode(Base):
    """Local read copy of the gateway's directory (from `directory.node_upserted`)."""

    __tablename__ = "directory_nodes"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(60))
    ancestors: Mapped[list] = mapped_column(JSON)


class RoleAssignment(Base):
    """Local read copy of who holds which role where (from `directory.role_assigned`)."""

    __tablename__ = "role_assignments"

    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
    node: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class IssueRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, issue: Issue) -> None:
        self.session.add(issue)

    def add_new(self, issue: Issue) -> None:
        """A new issue and its first figures change, written with the unit of work's last
        statement instead of an ORM flush (the intake's path: nothing reads them back)."""
        from .figures_repository import FigureDelta, delta_row

        change = delta_row(issue)
        defer_add(self.session, issue)
        if change is not None:
            defer_insert(self.session, FigureDelta.__table__, [change])

    def get(self, issue_id: str) -> Issue | None:
        return self.session.get(Issue, issue_id)

    def node(self, code: str | None) -> DirectoryNode | None:
        return self.session.get(DirectoryNode, code) if code else None

    def holders(self, role: str, node: str) -> list[RoleAssignment]:
        return list(
            self.session.scalars(
                select(RoleAssignment)
                .where(RoleAssignment.role == role, RoleAssignment.node == node)
                .order_by(RoleAssignment.name, RoleAssignment.account_id)
            )
        )

    def lock(self, issue_id: str) -> Issue | None:
        """The issue, locked for this transaction (FOR UPDATE on PostgreSQL), with its
        values as locked even when this session had read it before."""
        return self.session.scalars(
            select(Issue)
            .where(Issue.id == issue_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def record(self, history: IssueHistory) -> None:
        self.session.add(history)

    def history(self, issue_id: str) -> list[IssueHistory]:
        return list(
            self.session.scalars(
                select(IssueHistory)
                .where(IssueHistory.issue_id == issue_id)
                .order_by(IssueHistory.at, IssueHistory.id)
            )
        )

    def comments(self, issue_id: str, include_internal: bool) -> list[IssueComment]:
        query = select(IssueComment).where(IssueComment.issue_id == issue_id)
        if not include_internal:
            query = query.where(IssueComment.internal.is_(False))
        return list(self.session.scalars(query.order_by(IssueComment.at, IssueComment.id)))

    def supporter(self, issue_id: str, account_id: str) -> IssueSupporter | None:
        return self.session.get(IssueSupporter, (issue_id, account_id))

    def supporters_of(self, issue_id: str) -> list[IssueSupporter]:
        return list(
            self.session.scalars(select(IssueSupporter).where(IssueSupporter.issue_id == issue_id))
        )

    def move_children(self, source: str, target: str) -> None:
        """Carry comments, history and supporters of a merged issue over to its survivor."""
        self.session.execute(
            IssueComment.__table__.update()
            .where(IssueComment.issue_id == source)
            .values(issue_id=target)
        )
        self.session.execute(
            IssueHistory.__table__.update()
            .where(IssueHistory.issue_id == source)
            .values(issue_id=target)
        )
        survivors = set(
            self.session.scalars(
                select(IssueSupporter.account_id).where(IssueSupporter.issue_id == target)
            )
        )
        for supporter in self.session.scalars(
            select(IssueSupporter).where(IssueSupporter.issue_id == source)
        ).all():
            if supporter.account_id not in survivors:
                self.session.add(
                    IssueSupporter(
                        issue_id=target, account_id=supporter.account_id, at=supporter.at
                    )
                )
        self.session.execute(delete(IssueSupporter).where(IssueSupporter.issue_id == source))

    def count_supporters(self, issue_id: str) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(IssueSupporter)
            .where(IssueSupporter.issue_id == issue_id)
        )

    # -- SLA alarms -----------------------------------------------------------------------------
    def set_alarm(self, issue_id: str, kind: str, due_at: datetime) -> None:
        alarm = self.session.get(SlaAlarm, (issue_id, kind))
        if alarm is None:
            self.session.add(SlaAlarm(issue_id=issue_id, kind=kind, due_at=due_at, fired_at=None))
        elif alarm.fired_at is None:
            alarm.due_at = due_at

    def cancel_alarms(self, issue_id: str, kinds: tuple[str, ...]) -> None:
        self.session.execute(
            delete(SlaAlarm).where(
                SlaAlarm.issue_id == issue_id, SlaAlarm.kind.in_(kinds), SlaAlarm.fired_at.is_(None)
            )
        )

    def pending_alarms(self, issue_id: str) -> list[SlaAlarm]:
        return list(
            self.session.scalars(
                select(SlaAlarm).where(SlaAlarm.issue_id == issue_id, SlaAlarm.fired_at.is_(None))
            )
        )

    def claim_due_alarms(self, now: datetime, limit: int) -> list[SlaAlarm]:
        """Due, unfired alarms, locked so that two timers never take the same one."""
        return list(
            self.session.scalars(
                select(SlaAlarm)
                .join(Issue, Issue.id == SlaAlarm.issue_id)
                .where(SlaAlarm.fired_at.is_(None), SlaAlarm.due_at <= now)
                .where(Issue.paused_at.is_(None))  # a paused clock does not fire
                .order_by(SlaAlarm.due_at)
                .limit(limit)
                .with_for_update(skip_locked=True, of=SlaAlarm)
            )
        )

    # -- catalogue --------------------------------------------------------------------------------
    def overrides(self, nodes: list[str]) -> list[CatalogueOverride]:
        rows = self.session.scalars(
            select(CatalogueOverride).where(CatalogueOverride.node.in_(nodes))
        ).all()
        order = {node: index for index, node in enumerate(nodes)}
        return sorted(rows, key=lambda r: (order[r.node], r.code))

    def put_override(self, node: str, code: str, mode: str, definition: dict, now) -> None:
        row = self.session.get(CatalogueOverride, (node, code))
        if row is None:
            self.session.add(
                CatalogueOverride(
                    node=node, code=code, mode=mode, definition=definition, updated_at=now
                )
            )
        else:
            row.mode, row.definition, row.updated_at = mode, definition, now

    # -- duplicates -------------------------------------------------------------------------------
    def open_in_category(
        self, community: str, category: str, statuses, exclude: str | None, limit: int = 200
    ) -> list[Issue]:
        query = select(Issue).where(
            Issue.community == community, Issue.category == category, Issue.status.in_(statuses)
        )
        if exclude:
            query = query.where(Issue.id != exclude)
        return list(self.session.scalars(query.order_by(Issue.reported_at.desc()).limit(limit)))

    # -- lists ------------------------------------------------------------------------------------
    def page(self, filters: dict, after: tuple | None, limit: int, order: str) -> list[Issue]:
        """Issues matching `filters`, in a stable order (`reported` newest first, or
        `updated` oldest first for a change feed), after the cursor position `after`."""
        query = select(Issue).where(*self._conditions(filters))
        if order == "updated":
            if after:
                query = query.where(
                    or_(
                        Issue.updated_at > after[0],
                        and_(Issue.updated_at == after[0], Issue.id > after[1]),
                    )
                )
            query = query.order_by(Issue.updated_at, Issue.id)
        else:
            if after:
                query = query.where(
                    or_(
                        Issue.reported_at < after[0],
                        and_(Issue.reported_at == after[0], Issue.id < after[1]),
                    )
                )
            query = query.order_by(Issue.reported_at.desc(), Issue.id.desc())
        return list(self.session.scalars(query.limit(limit)))

    def _conditions(self, filters: dict) -> list:
        conditions = []
        if filters.get("communities") is not None:
            conditions.append(Issue.community.in_(filters["communities"]))
        if filters.get("status"):
            conditions.append(Issue.status.in_(filters["status"]))
        if filters.get("category"):
            conditions.append(Issue.category.in_(filters["category"]))
        if filters.get("kind"):
            conditions.append(Issue.kind.in_(filters["kind"]))
        for column, key in (
            (Issue.assignee_id, "assignee_id"),
            (Issue.reporter_id, "reporter_id"),
            (Issue.grid, "grid"),
            (Issue.compound, "compound"),
        ):
            if filters.get(key):
                conditions.append(column == filters[key])
        if filters.get("reported_from"):
            conditions.append(Issue.reported_at >= filters["reported_from"])
        if filters.get("reported_to"):
            conditions.append(Issue.reported_at < filters["reported_to"])
        if filters.get("updated_after"):
            conditions.append(Issue.updated_at > filters["updated_after"])
        if filters.get("overdue_at"):
            now = filters["overdue_at"]
            conditions.append(
                or_(
                    and_(Issue.accepted_at.is_(None), Issue.response_due_at < now),
                    and_(Issue.resolved_at.is_(None), Issue.resolution_due_at < now),
                )
            )
        if filters.get("callback_pending"):
            conditions.append(Issue.callback_requested_at.is_not(None))
            conditions.append(Issue.evaluated_at.is_(None))
        if filters.get("flagged"):
            conditions.append(Issue.redo_count > 0)
        return conditions

    def communities_under(self, node: str) -> list[str]:
        """Codes of the communities at or below `node` (the directory copy is small)."""
        rows = self.session.scalars(
            select(DirectoryNode).where(DirectoryNode.kind == "community")
        ).all()
        return sorted(r.code for r in rows if r.code == node or node in (r.ancestors or []))

    # -- figures ----------------------------------------------------------------------------------
    def figure_counts(self, communities: list[str], start: datetime, end: datetime, now: datetime):
        """Per community: the counts of `rates.Counts` for issues reported in [start, end)."""
        counted = Issue.status.not_in(("rejected", "merged"))

        def count(*conditions):
            return func.sum(case((and_(counted, *conditions), 1), else_=0))

        query = (
            select(
                Issue.community,
                count(),
                count(Issue.accepted_at.is_not(None), Issue.accepted_at <= Issue.response_due_at),
                count(Issue.resolved_at.is_not(None)),
                count(Issue.evaluated_at.is_not(None)),
                count(Issue.evaluated_at.is_not(None), Issue.solved.is_(True)),
                count(Issue.satisfaction == "satisfied"),
                count(Issue.satisfaction == "basically_satisfied"),
                # open past the deadline (a paused clock is not late: its deadline moves
                # when it resumes), or done after it; as `figures_rollup.contribution`
                count(
                    or_(
                        and_(
                            Issue.accepted_at.is_(None),
                            Issue.response_due_at < now,
                            Issue.paused_at.is_(None),
                        ),
                        Issue.accepted_at > Issue.response_due_at,
                    )
                ),
                count(
                    or_(
                        and_(
                            Issue.resolved_at.is_(None),
                            Issue.resolution_due_at < now,
                            Issue.paused_at.is_(None),
                        ),
                        Issue.resolved_at > Issue.resolution_due_at,
                    )
                ),
            )
            .where(
                Issue.community.in_(communities),
                Issue.reported_at >= start,
                Issue.reported_at < end,
            )
            .group_by(Issue.community)
        )
        return [
            (row[0], tuple(int(v or 0) for v in row[1:])) for row in self.session.execute(query)
        ]

    def durations(self, communities: list[str], start: datetime, end: datetime):
        """(reported_at, accepted_at, resolved_at) of the issues reported in [start, end)
        that were accepted or resolved (for the medians of a period's edges)."""
        return self.session.execute(
            select(Issue.reported_at, Issue.accepted_at, Issue.resolved_at).where(
                Issue.community.in_(communities),
                Issue.reported_at >= start,
                Issue.reported_at < end,
                or_(Issue.accepted_at.is_not(None), Issue.resolved_at.is_not(None)),
            )
        ).all()

    def role_of(self, account_id: str) -> str | None:
        return self.session.scalars(
            select(RoleAssignment.role).where(RoleAssignment.account_id == account_id).limit(1)
        ).first()

    def upsert_node(self, code: str, **values) -> None:
        node = self.session.get(DirectoryNode, code)
        if node is None:
            self.session.add(DirectoryNode(code=code, **values))
        else:
            for key, value in values.items():
                setattr(node, key, value)

    def assign_role(self, account_id: str, role: str, node: str, name: str) -> None:
        existing = self.session.get(RoleAssignment, (account_id, role, node))
        if existing is None:
            self.session.add(RoleAssignment(account_id=account_id, role=role, node=node, name=name))
        else:
            existing.name = name
