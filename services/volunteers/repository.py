"""Persistence of the volunteers service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


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


class Signup(Base):
    __tablename__ = "signups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    shift_id: Mapped[str] = mapped_column(ForeignKey("shifts.id"), index=True)
    volunteer_id: Mapped[str] = mapped_column(String(60), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("shift_id", "volunteer_id", name="uq_signup_once"),)


class DirectoryNode(Base):
    """Local read copy of the gateway's directory (from `directory.node_upserted`)."""

    __tablename__ = "directory_nodes"

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(60))
    ancestors: Mapped[list] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(40))


class ShiftRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, item: Shift | Signup) -> None:
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
            .where(Signup.shift_id == shift_id, Signup.status == "confirmed")
        )

    def shifts_of_volunteer(self, volunteer_id: str) -> list[Shift]:
        return list(
            self.session.scalars(
                select(Shift)
                .join(Signup, Signup.shift_id == Shift.id)
                .where(Signup.volunteer_id == volunteer_id, Signup.status == "confirmed")
            )
        )

    def upsert_node(self, code: str, **values) -> None:
        node = self.session.get(DirectoryNode, code)
        if node is None:
            self.session.add(DirectoryNode(code=code, **values))
        else:
            for key, value in values.items():
                setattr(node, key, value)
