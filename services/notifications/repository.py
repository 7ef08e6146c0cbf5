"""Persistence of the notifications service: in-app messages (`inbox_messages`), the local
read copy of the directory (people, roles, nodes, follows), preferences, deliveries with
their attempts, reminders and webhook subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from shared.db.read_cache import TableCache
from shared.db.unit_of_work import UnitOfWork, defer_insert

# read on every event, changed rarely: kept per process for a few seconds (this process's own
# writes clear them at once; other replicas' writes are seen within the TTL)
CACHE_TTL = 5.0
RECIPIENTS = TableCache("recipients", CACHE_TTL, ("people", "preferences"))
WEBHOOKS = TableCache("webhooks", CACHE_TTL, ("webhook_subscriptions",))
NODES = TableCache("directory_nodes", CACHE_TTL, ("directory_nodes",))


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


class Person(Base):
    """A recipient: learned from the gateway's events and from their own settings."""

    __tablename__ = "people"

    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    bot_url: Mapped[str | None] = mapped_column(String(500))
    quiet_start: Mapped[str | None] = mapped_column(String(5))
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[str] = mapped_column(String(10), default="off")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RoleHolding(Base):
    __tablename__ = "role_holdings"

    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    role: Mapped[str] = mapped_column(String(30), primary_key=True)
    node: Mapped[str] = mapped_column(String(40), primary_key=True)
    # the node's ancestors, so that "everyone with a role below X" is one indexed query
    path: Mapped[str] = mapped_column(String(400), default="")

    __table_args__ = (Index("ix_role_holdings_role_node", "role", "node"),)


class DirectoryNode(Base):
    __tablename__ = "directory_nodes"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    parent: Mapped[str | None] = mapped_column(String(40))
    ancestors: Mapped[list] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")


class Follow(Base):
    __tablename__ = "follows"

    subject: Mapped[str] = mapped_column(String(80), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)


class Preference(Base):
    """An opt-out: `enabled` false turns a channel off for a category."""

    __tablename__ = "preferences"

    account_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)


class Delivery(Base):
    """One message to one recipient on one channel outside the in-app inbox (or one
    webhook call), idempotent on (event id, recipient, channel)."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(120))
    recipient_id: Mapped[str] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(String(80))
    message_id: Mapped[str | None] = mapped_column(String(40))  # the in-app message, if any
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12))
    provider_index: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("event_id", "recipient_id", "channel", name="uq_delivery_once"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_message", "message_id"),
        # provider reports without our id name the provider's (`receipts`)
        Index("ix_deliveries_provider_reference", "provider_reference"),
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(40), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Reminder(Base):
    """A message due at a time (24 h before a shift); moved or cancelled by later events.
    Kept in the database, so reminders survive restarts."""

    __tablename__ = "reminders"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(80))
    recipient_id: Mapped[str] = mapped_column(String(60))
    offset_minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12))  # pending | sent | cancelled
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("subject", "recipient_id", "offset_minutes", name="uq_reminder_slot"),
        Index("ix_reminders_due", "state", "due_at"),
    )


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(60))
    scope: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Broadcast(Base):
    """An announcement to every resident of a node, fanned out in chunks in the background
    so that it never holds up ordinary notifications."""

    __tablename__ = "broadcasts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    node: Mapped[str] = mapped_column(String(40))
    node_kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(60))
    approved_by: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20))  # awaiting_approval | sending | done
    cursor: Mapped[str] = mapped_column(String(60), default="")  # last account reached
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


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

    def get(self, recipient_id: str, message_id: str) -> InboxMessage | None:
        return self.session.scalar(
            select(InboxMessage).where(
                InboxMessage.recipient_id == recipient_id, InboxMessage.id == message_id
            )
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

    def mark_all_read(self, recipient_id: str, when: datetime) -> int:
        return self.session.execute(
            update(InboxMessage)
            .where(InboxMessage.recipient_id == recipient_id, InboxMessage.read_at.is_(None))
            .values(read_at=when)
        ).rowcount


class DirectoryCopy:
    """The local read copy of who holds which role where, and who follows what; implements
    `domain.audiences.Directory`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def holders(self, role: str, node: str) -> set[str]:
        return set(
            self.session.scalars(
                select(RoleHolding.account_id).where(
                    RoleHolding.role == role, RoleHolding.node == node
                )
            )
        )

    def holders_within(self, role: str, node: str) -> set[str]:
        return set(
            self.session.scalars(
                select(RoleHolding.account_id).where(
                    RoleHolding.role == role,
                    (RoleHolding.node == node) | RoleHolding.path.contains(f"/{node}/"),
                )
            )
        )

    def holders_within_after(self, role: str, node: str, after: str, limit: int) -> list[str]:
        """One page of `holders_within`, in account order (for chunked fan-out)."""
        return list(
            self.session.scalars(
                select(RoleHolding.account_id)
                .where(
                    RoleHolding.role == role,
                    (RoleHolding.node == node) | RoleHolding.path.contains(f"/{node}/"),
                    RoleHolding.account_id > after,
                )
                .group_by(RoleHolding.account_id)
                .order_by(RoleHolding.account_id)
                .limit(limit)
            )
        )

    def parent(self, node: str) -> str | None:
        return self.session.scalar(select(DirectoryNode.parent).where(DirectoryNode.code == node))

    def ancestors(self, node: str) -> list[str]:
        return (
            self.session.scalar(select(DirectoryNode.ancestors).where(DirectoryNode.code == node))
            or []
        )

    def cached_ancestors(self, node: str) -> tuple[str, ...]:
        """`ancestors`, from the per-process cache (read on every event a webhook may want)."""
        return NODES.get(self.session, node, lambda: tuple(self.ancestors(node)))

    def followers(self, subject: str) -> set[str]:
        self._write_follows()
        return set(self.session.scalars(select(Follow.account_id).where(Follow.subject == subject)))

    def follow(self, subject: str, account_id: str) -> None:
        """`INSERT ... ON CONFLICT DO NOTHING` (no look-up first), with the unit of work's
        last statement."""
        defer_insert(
            self.session,
            Follow.__table__,
            [{"subject": subject, "account_id": account_id}],
            skip_taken=True,
        )

    def _write_follows(self) -> None:
        # follows recorded for the last statement are written before follows are read or
        # removed, so that this unit of work sees its own
        uow = UnitOfWork.of(self.session)
        if uow is not None and uow.has_later(Follow.__table__):
            uow.write_later()

    def unfollow(self, subject: str, account_id: str) -> None:
        self._write_follows()
        self.session.execute(
            delete(Follow).where(Follow.subject == subject, Follow.account_id == account_id)
        )

    def upsert_node(self, code: str, kind: str, parent: str | None, ancestors: list, tz: str):
        node = self.session.get(DirectoryNode, code)
        if node is None:
            self.session.add(
                DirectoryNode(code=code, kind=kind, parent=parent, ancestors=ancestors, timezone=tz)
            )
        else:
            node.kind, node.parent, node.ancestors, node.timezone = kind, parent, ancestors, tz

    def hold(self, account_id: str, role: str, node: str) -> None:
        if self.session.get(RoleHolding, (account_id, role, node)) is None:
            path = "/" + "/".join([*self.ancestors(node), node]) + "/"
            self.session.add(RoleHolding(account_id=account_id, role=role, node=node, path=path))


@dataclass(frozen=True)
class Contact:
    """What sending needs to know of a recipient (a snapshot of `Person`)."""

    account_id: str
    timezone: str
    phone: str | None
    email: str | None
    bot_url: str | None
    quiet_start: str | None
    quiet_end: str | None
    digest: str


@dataclass(frozen=True)
class Recipient:
    contact: Contact | None  # None: not in the local read copy (in-app only)
    opt_outs: frozenset[tuple[str, str]]  # (category, channel) turned off


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def recipients(self, account_ids: list[str]) -> dict[str, Recipient]:
        """Contact details and opt-outs of each account, from the per-process cache; the
        misses in two queries."""

        def load(missing: list[str]) -> dict[str, Recipient]:
            contacts = {
                row.account_id: Contact(*row)
                for row in self.session.execute(
                    select(
                        Person.account_id,
                        Person.timezone,
                        Person.phone,
                        Person.email,
                        Person.bot_url,
                        Person.quiet_start,
                        Person.quiet_end,
                        Person.digest,
                    ).where(Person.account_id.in_(missing))
                )
            }
            opt_outs: dict[str, set] = {}
            for account_id, category, channel in self.session.execute(
                select(Preference.account_id, Preference.category, Preference.channel).where(
                    Preference.account_id.in_(missing), Preference.enabled.is_(False)
                )
            ):
                opt_outs.setdefault(account_id, set()).add((category, channel))
            return {
                account_id: Recipient(
                    contacts.get(account_id), frozenset(opt_outs.get(account_id, ()))
                )
                for account_id in missing
            }

        return RECIPIENTS.get_many(self.session, account_ids, load)

    def get(self, account_id: str) -> Person | None:
        return self.session.get(Person, account_id)

    def ensure(self, account_id: str, name: str, now: datetime) -> Person:
        person = self.get(account_id)
        if person is None:
            person = Person(
                account_id=account_id,
                name=name,
                locale="zh-CN",
                timezone="Asia/Shanghai",
                digest="off",
                updated_at=now,
            )
            self.session.add(person)
            self.session.flush()
        elif name and person.name != name:
            person.name = name
        return person

    def preferences(self, account_id: str) -> list[Preference]:
        return list(
            self.session.scalars(
                select(Preference)
                .where(Preference.account_id == account_id)
                .order_by(Preference.category, Preference.channel)
            )
        )

    def set_preference(self, account_id: str, category: str, channel: str, enabled: bool):
        row = self.session.get(Preference, (account_id, category, channel))
        if row is None:
            self.session.add(
                Preference(
                    account_id=account_id, category=category, channel=channel, enabled=enabled
                )
            )
        else:
            row.enabled = enabled


class DeliveryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, event_id: str, recipient_id: str, channel: str) -> bool:
        return (
            self.session.scalar(
                select(Delivery.id).where(
                    Delivery.event_id == event_id,
                    Delivery.recipient_id == recipient_id,
                    Delivery.channel == channel,
                )
            )
            is not None
        )

    def due_ids(self, now: datetime, limit: int) -> list[str]:
        query = (
            select(Delivery.id)
            .where(Delivery.state == "queued", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def get(self, delivery_id: str, lock: bool = False) -> Delivery | None:
        return self.session.get(Delivery, delivery_id, with_for_update=lock or None)

    def attempts(self, delivery_id: str) -> list[DeliveryAttempt]:
        return list(
            self.session.scalars(
                select(DeliveryAttempt)
                .where(DeliveryAttempt.delivery_id == delivery_id)
                .order_by(DeliveryAttempt.id)
            )
        )

    def for_message(self, message_id: str) -> list[Delivery]:
        return list(
            self.session.scalars(
                select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id)
            )
        )

    def for_event(self, event_id: str) -> list[Delivery]:
        return list(
            self.session.scalars(
                select(Delivery).where(Delivery.event_id == event_id).order_by(Delivery.id)
            )
        )

    def for_recipient(self, recipient_id: str, limit: int) -> list[Delivery]:
        return list(
            self.session.scalars(
                select(Delivery)
                .where(Delivery.recipient_id == recipient_id)
                .order_by(Delivery.created_at.desc(), Delivery.id)
                .limit(limit)
            )
        )

    def in_state(self, state: str, limit: int) -> list[Delivery]:
        return list(
            self.session.scalars(
                select(Delivery)
                .where(Delivery.state == state)
                .order_by(Delivery.updated_at.desc())
                .limit(limit)
            )
        )


class ReminderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def slot(self, subject: str, recipient_id: str, offset_minutes: int) -> Reminder | None:
        return self.session.scalar(
            select(Reminder).where(
                Reminder.subject == subject,
                Reminder.recipient_id == recipient_id,
                Reminder.offset_minutes == offset_minutes,
            )
        )

    def of_subject(self, subject: str, recipient_id: str | None = None) -> list[Reminder]:
        query = select(Reminder).where(Reminder.subject == subject)
        if recipient_id is not None:
            query = query.where(Reminder.recipient_id == recipient_id)
        return list(self.session.scalars(query.order_by(Reminder.due_at)))

    def due(self, now: datetime, limit: int) -> list[Reminder]:
        query = (
            select(Reminder)
            .where(Reminder.state == "pending", Reminder.due_at <= now)
            .order_by(Reminder.due_at)
            .limit(limit)
        )
        if self.session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, subscription: WebhookSubscription) -> None:
        self.session.add(subscription)

    def of_owner(self, owner_id: str) -> list[WebhookSubscription]:
        return list(
            self.session.scalars(
                select(WebhookSubscription)
                .where(WebhookSubscription.owner_id == owner_id)
                .order_by(WebhookSubscription.created_at)
            )
        )

    def targets(self) -> tuple[WebhookTarget, ...]:
        """Every subscription as sending needs it, from the per-process cache: an event costs
        no query when nobody subscribed (or nothing changed)."""

        def load() -> tuple[WebhookTarget, ...]:
            rows = self.session.execute(
                select(
                    WebhookSubscription.id,
                    WebhookSubscription.scope,
                    WebhookSubscription.url,
                    WebhookSubscription.event_types,
                ).order_by(WebhookSubscription.created_at, WebhookSubscription.id)
            )
            return tuple(
                WebhookTarget(id, scope, url, frozenset(types)) for id, scope, url, types in rows
            )

        return WEBHOOKS.get(self.session, "all", load)


@dataclass(frozen=True)
class WebhookTarget:
    id: str
    scope: str
    url: str
    event_types: frozenset[str]
