"""Persistence of the gateway: the directory tree and accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String, UniqueConstraint, or_, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "nodes"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    name_en: Mapped[str | None] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(60), index=True)
    ancestors: Mapped[list] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(40))


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(30))
    scope: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("name", "role", "scope", name="uq_account_identity"),
        Index("ix_accounts_scope_role", "scope", "role"),
    )


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def node(self, code: str) -> Node | None:
        return self.session.get(Node, code)

    def search(self, q: str, kind: str | None, limit: int, after: str | None) -> list[Node]:
        pattern = f"%{q}%"
        query = select(Node).where(
            or_(Node.name.like(pattern), Node.name_en.ilike(pattern), Node.code == q)
        )
        if kind:
            query = query.where(Node.kind == kind)
        if after:
            query = query.where(Node.code > after)
        return list(self.session.scalars(query.order_by(Node.code).limit(limit)))

    def nodes(self, codes: list[str]) -> dict[str, Node]:
        if not codes:
            return {}
        return {n.code: n for n in self.session.scalars(select(Node).where(Node.code.in_(codes)))}

    def upsert_node(self, code: str, **values) -> bool:
        """Create or update a node; True when something changed."""
        node = self.session.get(Node, code)
        if node is None:
            self.session.add(Node(code=code, **values))
            return True
        changed = any(getattr(node, key) != value for key, value in values.items())
        for key, value in values.items():
            setattr(node, key, value)
        return changed

    def account(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def find_account(self, name: str, role: str, scope: str) -> Account | None:
        return self.session.scalars(
            select(Account).where(
                Account.name == name, Account.role == role, Account.scope == scope
            )
        ).first()

    def add_account(self, account: Account) -> None:
        self.session.add(account)
