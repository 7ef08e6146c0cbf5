"""Persistence of the pavilion council: topics, meetings, agendas, resolutions, the five-step
procedure, micro-projects and residents' ratings (same database as the issues)."""

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
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from .repository import Base


class DeliberationSettings(Base):
    """A street's or community's choices; a community inherits what it does not set."""

    __tablename__ = "deliberation_settings"

    node: Mapped[str] = mapped_column(String(60), primary_key=True)
    support_threshold: Mapped[int | None] = mapped_column(Integer)
    procedure_categories: Mapped[list | None] = mapped_column(JSON)
    meeting_types: Mapped[list | None] = mapped_column(JSON)
    quorum: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Topic(Base):
    """An issue raised for deliberation (居民点题); at most one topic per issue."""

    __tablename__ = "topics"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    issue_id: Mapped[str] = mapped_column(String(40), unique=True)
    community: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60))
    via: Mapped[str] = mapped_column(String(20))
    raised_by: Mapped[str] = mapped_column(String(60))
    important: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="open")
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_topics_community_raised", "community", "raised_at"),)


class ProcedureStep(Base):
    """One recorded step of the five-step procedure of an important topic."""

    __tablename__ = "procedure_steps"

    topic_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[str] = mapped_column(String(20), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[str] = mapped_column(String(60))
    actor_role: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40))
    meeting_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str | None] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20))
    online_url: Mapped[str | None] = mapped_column(String(500))
    invited: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    quorum: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    organiser_id: Mapped[str] = mapped_column(String(60))
    attendee_ids: Mapped[list] = mapped_column(JSON, default=list)
    other_attendees: Mapped[int] = mapped_column(Integer, default=0)
    minutes: Mapped[str | None] = mapped_column(Text)
    closing_report: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_meetings_community_starts", "community", "starts_at"),)


class MeetingRegistration(Base):
    __tablename__ = "meeting_registrations"

    meeting_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default="registered")
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgendaItem(Base):
    __tablename__ = "agenda_items"

    meeting_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class Resolution(Base):
    """The council's decision on one agenda item, with its vote."""

    __tablename__ = "resolutions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(40))
    topic_id: Mapped[str] = mapped_column(String(40))
    community: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    reasons: Mapped[str | None] = mapped_column(Text)
    votes_for: Mapped[int] = mapped_column(Integer)
    votes_against: Mapped[int] = mapped_column(Integer)
    votes_abstain: Mapped[int] = mapped_column(Integer)
    quorum_met: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("meeting_id", "topic_id", name="uq_resolution_item"),)


class Project(Base):
    """A micro-project (民生微实事) formed from a resolution."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    community: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    resolution_id: Mapped[str | None] = mapped_column(String(40))
    meeting_id: Mapped[str | None] = mapped_column(String(40))
    parent_id: Mapped[str | None] = mapped_column(String(40), index=True)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    budget_cents: Mapped[int] = mapped_column(Integer, default=0)
    funding_source: Mapped[str] = mapped_column(String(120))
    responsible_unit: Mapped[str] = mapped_column(String(120))
    responsible_kind: Mapped[str] = mapped_column(String(20), default="community")
    responsible_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    progress: Mapped[float | None] = mapped_column(Float)
    issue_ids: Mapped[list] = mapped_column(JSON, default=list)
    milestones: Mapped[list] = mapped_column(JSON, default=list)
    completion_note: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_projects_community_created", "community", "created_at"),
        Index("ix_projects_community_completed", "community", "completed_at"),
    )


class ProjectRating(Base):
    """One resident's verdict on a completed project; a second rating replaces the first."""

    __tablename__ = "project_ratings"

    project_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    satisfaction: Mapped[str] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DeliberationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row) -> None:
        self.session.add(row)

    # -- settings -----------------------------------------------------------------------------
    def settings_chain(self, nodes: list[str]) -> list[DeliberationSettings]:
        """The settings of `nodes`, most general first (the order given)."""
        found = {
            row.node: row
            for row in self.session.scalars(
                select(DeliberationSettings).where(DeliberationSettings.node.in_(nodes))
            )
        }
        return [found[node] for node in nodes if node in found]

    def settings(self, node: str) -> DeliberationSettings | None:
        return self.session.get(DeliberationSettings, node)

    # -- topics -------------------------------------------------------------------------------
    def topic(self, topic_id: str, lock: bool = False) -> Topic | None:
        return self.session.get(Topic, topic_id, with_for_update=lock or None)

    def lock_topics(self, topic_ids) -> dict[str, Topic]:
        """The topics of `topic_ids` that exist, locked in id order: every caller locks
        topics in the same order, so two writers of shared topics cannot deadlock."""
        wanted = sorted(set(topic_ids))
        if not wanted:
            return {}
        found = self.session.scalars(
            select(Topic).where(Topic.id.in_(wanted)).order_by(Topic.id).with_for_update()
        )
        return {topic.id: topic for topic in found}

    def topic_of_issue(self, issue_id: str) -> Topic | None:
        return self.session.scalars(select(Topic).where(Topic.issue_id == issue_id)).first()

    def topics(self, communities: list[str], status: list[str] | None = None) -> list[Topic]:
        query = select(Topic).where(Topic.community.in_(communities))
        if status:
            query = query.where(Topic.status.in_(status))
        return list(self.session.scalars(query.order_by(Topic.raised_at, Topic.id)))

    def topics_raised(self, communities: list[str], start, end) -> list[Topic]:
        return list(
            self.session.scalars(
                select(Topic)
                .where(Topic.community.in_(communities))
                .where(Topic.raised_at >= start, Topic.raised_at < end)
                .order_by(Topic.raised_at, Topic.id)
            )
        )

    def steps(self, topic_id: str) -> list[ProcedureStep]:
        return list(
            self.session.scalars(
                select(ProcedureStep)
                .where(ProcedureStep.topic_id == topic_id)
                .order_by(ProcedureStep.position)
            )
        )

    # -- meetings -----------------------------------------------------------------------------
    def meeting(self, meeting_id: str, lock: bool = False) -> Meeting | None:
        return self.session.get(Meeting, meeting_id, with_for_update=lock or None)

    def meetings(self, communities: list[str], start=None, end=None) -> list[Meeting]:
        query = select(Meeting).where(Meeting.community.in_(communities))
        if start is not None:
            query = query.where(Meeting.starts_at >= start)
        if end is not None:
            query = query.where(Meeting.starts_at < end)
        return list(self.session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))

    def registration(self, meeting_id: str, account_id: str) -> MeetingRegistration | None:
        return self.session.get(MeetingRegistration, (meeting_id, account_id))

    def registrations(self, meeting_id: str) -> list[MeetingRegistration]:
        return list(
            self.session.scalars(
                select(MeetingRegistration)
                .where(
                    MeetingRegistration.meeting_id == meeting_id,
                    MeetingRegistration.status == "registered",
                )
                .order_by(MeetingRegistration.registered_at, MeetingRegistration.account_id)
            )
        )

    def registered_count(self, meeting_id: str) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(MeetingRegistration)
            .where(
                MeetingRegistration.meeting_id == meeting_id,
                MeetingRegistration.status == "registered",
            )
        )

    def agenda(self, meeting_id: str) -> list[AgendaItem]:
        return list(
            self.session.scalars(
                select(AgendaItem)
                .where(AgendaItem.meeting_id == meeting_id)
                .order_by(AgendaItem.position)
            )
        )

    def clear_agenda(self, meeting_id: str) -> None:
        for item in self.agenda(meeting_id):
            self.session.delete(item)
        self.session.flush()

    # -- resolutions --------------------------------------------------------------------------
    def resolution(self, resolution_id: str, lock: bool = False) -> Resolution | None:
        return self.session.get(Resolution, resolution_id, with_for_update=lock or None)

    def resolutions_of_meeting(self, meeting_id: str) -> list[Resolution]:
        return list(
            self.session.scalars(
                select(Resolution)
                .where(Resolution.meeting_id == meeting_id)
                .order_by(Resolution.recorded_at, Resolution.id)
            )
        )

    def resolution_of(self, meeting_id: str, topic_id: str) -> Resolution | None:
        return self.session.scalars(
            select(Resolution).where(
                Resolution.meeting_id == meeting_id, Resolution.topic_id == topic_id
            )
        ).first()

    def resolutions_of_topic(self, topic_id: str) -> list[Resolution]:
        return list(
            self.session.scalars(
                select(Resolution)
                .where(Resolution.topic_id == topic_id)
                .order_by(Resolution.recorded_at)
            )
        )

    # -- projects -----------------------------------------------------------------------------
    def project(self, project_id: str, lock: bool = False) -> Project | None:
        return self.session.get(Project, project_id, with_for_update=lock or None)

    def project_of_resolution(self, resolution_id: str) -> Project | None:
        return self.session.scalars(
            select(Project).where(Project.resolution_id == resolution_id)
        ).first()

    def children(self, project_id: str) -> list[Project]:
        return list(
            self.session.scalars(
                select(Project).where(Project.parent_id == project_id).order_by(Project.id)
            )
        )

    def projects(self, communities: list[str], status: list[str] | None = None) -> list[Project]:
        query = select(Project).where(Project.community.in_(communities))
        if status:
            query = query.where(Project.status.in_(status))
        return list(self.session.scalars(query.order_by(Project.created_at, Project.id)))

    def projects_formed(self, communities: list[str], start, end) -> list[Project]:
        return list(
            self.session.scalars(
                select(Project)
                .where(Project.community.in_(communities))
                .where(Project.created_at >= start, Project.created_at < end)
                .order_by(Project.created_at, Project.id)
            )
        )

    def projects_completed(self, communities: list[str], start, end) -> list[Project]:
        return list(
            self.session.scalars(
                select(Project)
                .where(Project.community.in_(communities), Project.status == "completed")
                .where(Project.completed_at >= start, Project.completed_at < end)
                .order_by(Project.completed_at, Project.id)
            )
        )

    def rating(self, project_id: str, account_id: str) -> ProjectRating | None:
        return self.session.get(ProjectRating, (project_id, account_id))

    def ratings(self, project_ids: list[str]) -> list[ProjectRating]:
        if not project_ids:
            return []
        return list(
            self.session.scalars(
                select(ProjectRating).where(ProjectRating.project_id.in_(project_ids))
            )
        )

    def satisfaction_in(self, communities: list[str], start, end) -> list[str]:
        """The satisfaction of every residents' rating of a project given in [start, end)."""
        return list(
            self.session.scalars(
                select(ProjectRating.satisfaction)
                .join(Project, Project.id == ProjectRating.project_id)
                .where(Project.community.in_(communities))
                .where(ProjectRating.at >= start, ProjectRating.at < end)
            )
        )
