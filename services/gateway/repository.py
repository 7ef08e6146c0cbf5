"""Persistence of the gateway: the directory tree and accounts."""

from __future__ import annotations

import time
from dataclasses import dataclass
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


@dataclass(frozen=True)
class NodeSnapshot:
    code: str
    name: str
    name_en: str | None
    kind: str
    parent: str | None
    ancestors: tuple[str, ...]
    timezone: str

    @classmethod
    def of(cls, node: Node) -> NodeSnapshot:
        return cls(
            node.code,
            node.name,
            node.name_en,
            node.kind,
            node.parent,
            tuple(node.ancestors),
            node.timezone,
        )


NODE_CACHE_SECONDS = 5.0
_node_cache: dict[str, tuple[float, NodeSnapshot | None]] = {}


class DirectoryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def node(self, code: str) -> Node | NodeSnapshot | None:
        """A node of the tree, read-only. Every request checks one or two, so they are kept
        for `NODE_CACHE_SECONDS`; a renamed or moved node shows within that time."""
        now = time.monotonic()
        cached = _node_cache.get(code)
        if cached is not None:
            if now - cached[0] < NODE_CACHE_SECONDS:
                return cached[1]
            # expired: this request reads it again while the others keep the old value for
            # that moment, instead of every concurrent request reading it (and opening
            # connections for it) at once
            _node_cache[code] = (now, cached[1])
        node = self.session.get(Node, code)
        snapshot = NodeSnapshot.of(node) if node is not None else None
        _node_cache[code] = (now, snapshot)
        return snapshot

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
