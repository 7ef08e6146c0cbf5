"""Persistence of the volunteers service."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    func,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# a sign-up holds a place while it is one of these
HOLDING = ("confirmed", "proposed")


class Base(DeclarativeBase):
    pass


class Activity(Base):
    """A one-off or recurring activity; its occurrences are shifts."""

    __tablename__ = "activities"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(60))
    place: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(500))
    first_day: Mapped[datetime] = mapped_column(Date)
    last_day: Mapped[datetime] = mapped_column(Date)
    windows: Mapped[list] = mapped_column(JSON)  # [["07:10", "08:00"], ...] local times
    day_filter: Mapped[str] = mapped_column(String(20))
    excluded_days: Mapped[list] = mapped_column(JSON)
    added_days: Mapped[list] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[int] = mapped_column(Integer)
    required_skills: Mapped[list] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Shift(Base):
    __tablename__ = "shifts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(60))
    place: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    activity_id: Mapped[str | None] = mapped_column(String(40), index=True, default=None)
    occurrence_day: Mapped[datetime | None] = mapped_column(Date, default=None)
    required_skills: Mapped[list | None] = mapped_column(JSON, default=None)
    signup_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signup_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_cutoff_minutes: Mapped[int | None] = mapped_column(Integer, default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    check_code_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    check_code_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=None
    )


class Signup(Base):
    """A volunteer's place on a shift. Status: confirmed, waitlisted, proposed (by the roster,
    awaiting the volunteer), declined, cancelled."""

    __tablename__ = "signups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    volunteer_id: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    decided_by: Mapped[str | None] = mapped_column(String(60), default=None)
    reasons: Mapped[list | None] = mapped_column(JSON, default=None)  # why the roster chose them
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    no_show_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id", name="uq_signup_once"),)


class HoursEntry(Base):
    """One line of the append-only service-hour ledger (corrections are new lines)."""

    __tablename__ = "hours_entries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(String(60), index=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    shift_id: Mapped[str | None] = mapped_column(String(40), default=None)
    kind: Mapped[str] = mapped_column(String(20))  # attendance, correction, manual
    minutes: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200), default=None)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    note: Mapped[str] = mapped_column(String(500), default="")
    corrects: Mapped[str | None] = mapped_column(String(40), default=None)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    verified_by: Mapped[str | None] = mapped_column(String(60), default=None)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class VolunteerProfile(Base):
    __tablename__ = "volunteer_profiles"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)  # the account id
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))  # volunteer, social_worker, party_member
    home_community: Mapped[str] = mapped_column(String(40), index=True)
    skills: Mapped[list] = mapped_column(JSON)  # [{"skill": ..., "confirmed_by": ...}]
    languages: Mapped[list] = mapped_column(JSON)
    availability: Mapped[list] = mapped_column(JSON)  # [{"weekday": 1..7, "from", "to"}]
    preferred_roles: Mapped[list] = mapped_column(JSON)
    yearly_quota_hours: Mapped[float] = mapped_column(Float, default=0.0)
    max_hours_per_day: Mapped[float] = mapped_column(Float, default=8.0)
    max_hours_per_week: Mapped[float] = mapped_column(Float, default=40.0)
    min_rest_minutes: Mapped[int] = mapped_column(Integer, default=0)
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Team(Base):
    """A volunteer team: a community team such as "我帮你", or a partner unit's team."""

    __tablename__ = "teams"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(30))  # community, partner_unit
    partner_unit: Mapped[str | None] = mapped_column(String(200), default=None)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TeamMembership(Base):
    __tablename__ = "team_memberships"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    volunteer_id: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))  # lead, member
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CareHousehold(Base):
    """A household registered for care visits every `every_days` days."""

    __tablename__ = "care_households"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(200))  # e.g. "博尔顿小区3号楼2单元501 王奶奶"
    needs: Mapped[list] = mapped_column(JSON)  # empty_nest, disabled, living_alone, ...
    every_days: Mapped[int] = mapped_column(Integer)
    registered_by: Mapped[str] = mapped_column(String(60))
    registered_on: Mapped[datetime] = mapped_column(Date)
    last_visit_on: Mapped[datetime | None] = mapped_column(Date, default=None)


class CareVisit(Base):
    __tablename__ = "care_visits"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("care_households.id"), index=True)
    volunteer_id: Mapped[str] = mapped_column(String(60), index=True)
    visited_on: Mapped[datetime] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000))
    issue_id: Mapped[str | None] = mapped_column(String(60), default=None)  # a need filed
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectoryNode(Base):
    """Local read copy of the gateway's directory (from `directory.node_upserted`)."""

    __tablename__ = "directory_nodes"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(60))
    ancestors: Mapped[list] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(40))


class RosterRun(Base):
    """One automatic filling of a node's open places over a horizon, run as a background job.

    Status: queued (waiting for a worker), running (a worker holds it until `lease_until`,
    renewed while it solves), done, failed. A running run whose lease ran out belonged to a
    worker that died: the next worker takes it again (`attempts` counts the tries)."""

    __tablename__ = "roster_runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    node: Mapped[str] = mapped_column(String(60), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    time_limit_seconds: Mapped[float] = mapped_column(Float)
    requested_by: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(60), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    progress: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON, default=None)  # the summary
    # the proposals saved and the ones dropped by the final check: thousands for a district,
    # so loaded only when one run is shown, never for a list
    assignments: Mapped[dict | None] = mapped_column(JSON, default=None, deferred=True)
    error: Mapped[dict | None] = mapped_column(JSON, default=None)
    correlation_id: Mapped[str | None] = mapped_column(String(80), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class RosterRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, run: RosterRun) -> None:
        self.session.add(run)

    def get(self, run_id: str, *, for_update: bool = False) -> RosterRun | None:
        query = select(RosterRun).where(RosterRun.id == run_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def next_claimable(self, now: datetime) -> RosterRun | None:
        """The oldest queued run, or a running one whose worker's lease ran out; locked, and
        skipping runs another replica is claiming at this moment (PostgreSQL)."""
        return self.session.scalars(
            select(RosterRun)
            .where(
                or_(
                    RosterRun.status == "queued",
                    and_(RosterRun.status == "running", RosterRun.lease_until < now),
                )
            )
            .order_by(RosterRun.created_at, RosterRun.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()

    def renew_lease(self, run_id: str, token: str, until: datetime) -> bool:
        """Extend a running run's lease; False when the worker no longer holds it."""
        result = self.session.execute(
            update(RosterRun)
            .where(
                RosterRun.id == run_id,
                RosterRun.claimed_by == token,
                RosterRun.status == "running",
            )
            .values(lease_until=until)
        )
        return result.rowcount == 1

    def of_node(self, node: str, limit: int, after: tuple[datetime, str] | None) -> list[RosterRun]:
        """A node's runs, newest first."""
        query = select(RosterRun).where(RosterRun.node == node)
        if after is not None:
            created, run_id = after
            query = query.where(
                or_(
                    RosterRun.created_at < created,
                    and_(RosterRun.created_at == created, RosterRun.id < run_id),
                )
            )
        query = query.order_by(RosterRun.created_at.desc(), RosterRun.id.desc()).limit(limit)
        return list(self.session.scalars(query))


class ShiftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: Shift | Signup | Activity | VolunteerProfile | HoursEntry) -> None:
        self.session.add(item)

    def get(self, shift_id: str, *, for_update: bool = False) -> Shift | None:
        query = select(Shift).where(Shift.id == shift_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def active_signups(self, shift_id: str) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(Signup)
            .where(Signup.shift_id == shift_id, Signup.status.in_(HOLDING))
        )

    def shifts_of_volunteer(self, volunteer_id: str) -> list[Shift]:
        return list(
            self.session.scalars(
                select(Shift)
                .join(Signup, Signup.shift_id == Shift.id)
                .where(Signup.volunteer_id == volunteer_id, Signup.status.in_(HOLDING))
            )
        )

    def signup_of(self, shift_id: str, volunteer_id: str) -> Signup | None:
        return self.session.scalars(
            select(Signup).where(Signup.shift_id == shift_id, Signup.volunteer_id == volunteer_id)
        ).first()

    def signups_of_pairs(self, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Signup]:
        """The sign-ups of the given (shift, volunteer) pairs that exist, in one query."""
        wanted = sorted(set(pairs))
        if not wanted:
            return {}
        found = self.session.scalars(
            select(Signup).where(tuple_(Signup.shift_id, Signup.volunteer_id).in_(wanted))
        )
        return {(signup.shift_id, signup.volunteer_id): signup for signup in found}

    def signup(self, signup_id: str, *, for_update: bool = False) -> Signup | None:
        query = select(Signup).where(Signup.id == signup_id)
        if for_update:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def waitlist(self, shift_id: str) -> list[Signup]:
        return list(
            self.session.scalars(
                select(Signup)
                .where(Signup.shift_id == shift_id, Signup.status == "waitlisted")
                .order_by(Signup.created_at, Signup.id)
            )
        )

    def profile(self, volunteer_id: str) -> VolunteerProfile | None:
        return self.session.get(VolunteerProfile, volunteer_id)

    def profiles_in(self, communities: list[str]) -> list[VolunteerProfile]:
        return list(
            self.session.scalars(
                select(VolunteerProfile)
                .where(VolunteerProfile.home_community.in_(communities))
                .order_by(VolunteerProfile.id)
            )
        )

    def shifts_between(
        self, communities: list[str], starts: datetime, ends: datetime
    ) -> list[Shift]:
        return list(
            self.session.scalars(
                select(Shift)
                .where(
                    Shift.community.in_(communities),
                    Shift.starts_at >= starts,
                    Shift.starts_at < ends,
                    Shift.cancelled_at.is_(None),
                )
                .order_by(Shift.starts_at, Shift.id)
            )
        )

    def holding_signups(self, shift_ids: list[str]) -> list[Signup]:
        if not shift_ids:
            return []
        return list(
            self.session.scalars(
                select(Signup).where(Signup.shift_id.in_(shift_ids), Signup.status.in_(HOLDING))
            )
        )

    def holding_of_volunteers(
        self, volunteer_ids: list[str], starts: datetime, ends: datetime
    ) -> list[tuple[Signup, Shift]]:
        """Places volunteers hold around a horizon (they count for overlaps and limits)."""
        if not volunteer_ids:
            return []
        rows = self.session.execute(
            select(Signup, Shift)
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                Signup.volunteer_id.in_(volunteer_ids),
                Signup.status.in_(HOLDING),
                Shift.starts_at >= starts,
                Shift.starts_at < ends,
            )
        )
        return [(signup, shift) for signup, shift in rows]

    def hours_entry(self, entry_id: str) -> HoursEntry | None:
        return self.session.get(HoursEntry, entry_id)

    def hours_of(self, volunteer_id: str, starts: datetime, ends: datetime) -> list[HoursEntry]:
        return list(
            self.session.scalars(
                select(HoursEntry)
                .where(
                    HoursEntry.volunteer_id == volunteer_id,
                    HoursEntry.recorded_at >= starts,
                    HoursEntry.recorded_at < ends,
                )
                .order_by(HoursEntry.recorded_at, HoursEntry.id)
            )
        )

    def node(self, code: str) -> DirectoryNode | None:
        return self.session.get(DirectoryNode, code)

    def communities_under(self, code: str) -> list[str]:
        """Community codes at or below a node of the local directory copy."""
        nodes = self.session.scalars(select(DirectoryNode).where(DirectoryNode.kind == "community"))
        return [n.code for n in nodes if n.code == code or code in (n.ancestors or [])]

    def upsert_node(self, code: str, **values) -> None:
        node = self.session.get(DirectoryNode, code)
        if node is None:
            self.session.add(DirectoryNode(code=code, **values))
        else:
            for key, value in values.items():
                setattr(node, key, value)
