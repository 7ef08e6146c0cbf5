"""Persistence of the issues service (SQLAlchemy 2, typed models)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, Index, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


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

    __table_args__ = (Index("ix_issues_community_reported", "community", "reported_at"),)


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
