"""Persistence of the notifications service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, String, UniqueConstraint, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class InboxMessage(Base):
    """One in-app message for one recipient; unique per (event, recipient, kind)."""

    __tablename__ = "inbox_messages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON)
    event_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(80))
    community: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id", "kind", name="uq_inbox_once"),
        Index("ix_inbox_recipient_created", "recipient_id", "created_at"),
    )


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, message: InboxMessage) -> None:
        self.session.add(message)

    def page(self, recipient_id: str, limit: int, before: tuple | None) -> list[InboxMessage]:
        query = select(InboxMessage).where(InboxMessage.recipient_id == recipient_id)
        if before is not None:
            created_at, message_id = before
            query = query.where(
                (InboxMessage.created_at < created_at)
                | ((InboxMessage.created_at == created_at) & (InboxMessage.id < message_id))
            )
        query = query.order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(limit)
        return list(self.session.scalars(query))

    def unread(self, recipient_id: str) -> int:
        return self.session.scalar(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.recipient_id == recipient_id, InboxMessage.read_at.is_(None))
        )

    def mark_read(self, recipient_id: str, message_id: str, when: datetime) -> int:
        return self.session.execute(
            update(InboxMessage)
            .where(
                InboxMessage.recipient_id == recipient_id,
                InboxMessage.id == message_id,
                InboxMessage.read_at.is_(None),
            )
            .values(read_at=when)
        ).rowcount
