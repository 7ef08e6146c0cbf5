"""From an event to messages: rules pick the audiences, preferences and quiet hours pick the
channels and the time; in-app messages are written at once, the rest queued as deliveries.
Everything an event causes is committed with its inbox claim, so it happens exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from shared.db import utcnow
from shared.db.unit_of_work import defer_insert
from shared.events import Envelope
from shared.kit import KitHandle

from ..domain import quiet_hours as quiet
from ..domain.audiences import resolve
from ..domain.digest import window_end
from ..domain.rules import ChannelChoice, Rule, channels_for, rules_for
from ..repository import (
    Contact,
    Delivery,
    DirectoryCopy,
    InboxMessage,
    InboxRepository,
    PeopleRepository,
    Reminder,
    ReminderRepository,
    WebhookRepository,
)
from .common import aware, jsonable, new_id

# a critical in-app message still unread after this long goes out again by SMS
ESCALATE_AFTER = timedelta(minutes=30)


def deliver_to_inboxes(kit: KitHandle, event: Envelope, compose) -> int:
    """Put the messages `compose(event.data)` returns into in-app inboxes, exactly once per
    event (the minimal path the retrying-consumer tests exercise)."""
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return 0
        composed = compose(event.data)
        inbox = InboxRepository(uow.session)
        for message in composed:
            inbox.add(
                InboxMessage(
                    id=new_id("msg"),
                    recipient_id=message.recipient_id,
                    kind=message.kind,
                    params=message.params,
                    event_id=event.id,
                    subject=message.subject,
                    community=event.community,
                    created_at=utcnow(),
                    read_at=None,
                )
            )
        uow.commit()
        return len(composed)


def notify(kit: KitHandle, event: Envelope) -> int:
    """Everything `event` causes: follows, messages, reminders and webhook calls."""
    with kit.unit_of_work() as uow:
        count = apply_rules(uow.session, event, utcnow())
        # the inbox claim goes with the effects: on PostgreSQL, when the rules read from the
        # caches only, one statement in all (an event handled before writes nothing)
        if not uow.commit_first_time(kit.consumer, event.id):
            return 0
        return count


def apply_rules(session: Session, event: Envelope, now: datetime) -> int:
    data = dict(event.data)
    data.setdefault("community", event.community)
    params = jsonable(data)
    directory = DirectoryCopy(session)
    count = 0
    for rule in rules_for(event.type, data):
        for pair in (rule.follows, rule.also_follows):
            subject, person = (data.get(name) for name in pair) if pair else (None, None)
            if subject and person:
                directory.follow(subject, person)
        if rule.unfollows:
            subject, person = (data.get(name) for name in rule.unfollows)
            if subject and person:
                directory.unfollow(subject, person)
        actor = data.get(rule.actor_field) if rule.actor_field else None
        recipients = resolve(rule.audiences, data, directory, exclude=[actor] if actor else [])
        subject = data.get(rule.subject_field) if rule.subject_field else None
        if rule.moves_reminders and subject and isinstance(data.get("starts_at"), datetime):
            move_reminders(session, subject, data["starts_at"], now)
        if rule.reminder_slot_field and subject:
            recipients = _claim_reminder_slots(
                session, subject, recipients, int(data[rule.reminder_slot_field]), now
            )
        count += send(
            session,
            rule,
            recipients,
            params,
            event_id=event.id,
            event_type=event.type,
            subject=subject,
            community=event.community,
            now=now,
        )
        _plan_reminders(session, rule, recipients, data, params, subject, now)
    count += _webhooks(session, event, now)
    return count


def _reachable(person: Contact | None) -> frozenset[str]:
    channels = {"in_app"}
    if person is not None:
        channels |= {"sms"} if person.phone else set()
        channels |= {"email"} if person.email else set()
        channels |= {"bot"} if person.bot_url else set()
    return frozenset(channels)


def _wants_digest(person: Contact | None, rule: Rule) -> bool:
    return person is not None and rule.digestible and person.digest in ("hourly", "daily")


def _address(person: Contact | None, channel: str) -> str:
    if person is None:
        return ""
    return {"sms": person.phone, "email": person.email, "bot": person.bot_url}.get(channel) or ""


def _quiet_hours(person: Contact | None) -> quiet.QuietHours | None:
    if person is None or not person.quiet_start or not person.quiet_end:
        return None
    return quiet.QuietHours(
        quiet.parse_clock(person.quiet_start), quiet.parse_clock(person.quiet_end), person.timezone
    )


def send(
    session: Session,
    rule: Rule,
    recipients: list[str],
    params: dict[str, Any],
    *,
    event_id: str,
    event_type: str,
    subject: str | None,
    community: str | None,
    now: datetime,
) -> int:
    """One message per recipient × channel the rule and their choices allow."""
    known = PeopleRepository(session).recipients(recipients)
    inbox_rows, delivery_rows, count = [], [], 0
    for recipient in recipients:
        person = known[recipient].contact
        choice = ChannelChoice(known[recipient].opt_outs, _reachable(person))
        message_id = None
        for channel in channels_for(rule, choice):
            count += 1
            if channel == "in_app" and _wants_digest(person, rule):
                # held for the recipient's next hourly/daily summary (`dispatch`)
                due = window_end(now, person.digest, person.timezone)
                _schedule(session, f"digest:{event_id}", recipient, 0, "digest", params, due, now)
                continue
            if channel == "in_app":
                message_id = new_id("msg")
                inbox_rows.append(
                    {
                        "id": message_id,
                        "recipient_id": recipient,
                        "kind": rule.kind,
                        "params": params,
                        "event_id": event_id,
                        "subject": subject,
                        "community": community,
                        "created_at": now,
                        "read_at": None,
                    }
                )
                if rule.critical:
                    _schedule(
                        session, message_id, recipient, 0, "escalate", {}, now + ESCALATE_AFTER, now
                    )
                continue
            due = quiet.hold_until(_quiet_hours(person), now, critical=rule.critical)
            delivery_rows.append(
                delivery_row(
                    event_id,
                    event_type,
                    recipient,
                    channel,
                    _address(person, channel),
                    rule.kind,
                    params,
                    subject=subject,
                    message_id=message_id,
                    critical=rule.critical,
                    due=due,
                    now=now,
                )
            )
    # Core inserts, with the unit of work's last statement: none of the ORM's bookkeeping
    defer_insert(session, InboxMessage.__table__, inbox_rows)
    defer_insert(session, Delivery.__table__, delivery_rows)
    return count


def _schedule(
    session: Session,
    subject: str,
    recipient: str,
    offset_minutes: int,
    kind: str,
    params: dict,
    due_at: datetime,
    now: datetime,
) -> None:
    """Create a reminder, or move the existing one of the same slot (the shift moved)."""
    slot = ReminderRepository(session).slot(subject, recipient, offset_minutes)
    if slot is None:
        session.add(
            Reminder(
                id=new_id("rem"),
                subject=subject,
                recipient_id=recipient,
                offset_minutes=offset_minutes,
                kind=kind,
                params=params,
                due_at=due_at,
                state="pending",
                updated_at=now,
            )
        )
        session.flush()
    else:
        slot.due_at, slot.params, slot.state, slot.updated_at = due_at, params, "pending", now


def _plan_reminders(session, rule: Rule, recipients, data, params, subject, now) -> None:
    if subject is None:
        return
    if rule.cancels_reminders:
        for recipient in recipients:
            for reminder in ReminderRepository(session).of_subject(subject, recipient):
                if reminder.state == "pending":
                    reminder.state, reminder.updated_at = "cancelled", now
    starts_at = data.get(rule.reminder_time_field)
    if not rule.reminders or not isinstance(starts_at, datetime):
        return
    for recipient in recipients:
        for before in rule.reminders:
            due = aware(starts_at) - before
            if due > now:
                minutes = int(before.total_seconds() // 60)
                _schedule(
                    session, subject, recipient, minutes, rule.reminder_kind, params, due, now
                )


def _claim_reminder_slots(
    session: Session, subject: str, recipients: list[str], minutes: int, now: datetime
) -> list[str]:
    """The recipients not yet reminded in this slot; their slot is marked sent."""
    reminders = ReminderRepository(session)
    unreminded = []
    for recipient in recipients:
        slot = reminders.slot(subject, recipient, minutes)
        if slot is not None and slot.state == "sent":
            continue
        if slot is not None:
            slot.state, slot.updated_at = "sent", now
        unreminded.append(recipient)
    return unreminded


def move_reminders(session: Session, subject: str, starts_at: datetime, now: datetime) -> int:
    """The shift (or meeting) `subject` now starts at `starts_at`: every pending reminder of
    it moves by the same offset; a reminder whose new time has passed is dropped."""
    moved = 0
    for reminder in ReminderRepository(session).of_subject(subject):
        if reminder.state != "pending" or reminder.kind == "escalate":
            continue
        due = aware(starts_at) - timedelta(minutes=reminder.offset_minutes)
        reminder.params = {**reminder.params, "starts_at": aware(starts_at).isoformat()}
        reminder.updated_at = now
        if due <= now:
            reminder.state = "cancelled"
        else:
            reminder.due_at = due
            moved += 1
    return moved


def _covers(directory: DirectoryCopy, scope: str, community: str | None) -> bool:
    if community is None:
        return False
    return community == scope or scope in directory.cached_ancestors(community)


def _webhooks(session: Session, event: Envelope, now: datetime) -> int:
    """A signed call to every subscription whose scope covers the event's community (the
    subscriptions and the directory are read from the per-process caches)."""
    directory = DirectoryCopy(session)
    rows: list[dict] = []
    for subscription in WebhookRepository(session).targets():
        if event.type not in subscription.event_types:
            continue
        if not _covers(directory, subscription.scope, event.community):
            continue
        rows.append(
            delivery_row(
                event.id,
                event.type,
                subscription.id,
                "webhook",
                subscription.url,
                "webhook",
                {"event": jsonable(event.to_message())},
                subject=event.subject,
                due=now,
                now=now,
            )
        )
    defer_insert(session, Delivery.__table__, rows)
    return len(rows)


def delivery_row(
    event_id: str,
    event_type: str,
    recipient_id: str,
    channel: str,
    address: str,
    kind: str,
    params: dict,
    *,
    subject: str | None,
    due: datetime,
    now: datetime,
    message_id: str | None = None,
    critical: bool = False,
) -> dict:
    """A new queued delivery, as a row for `defer_insert` (no ORM bookkeeping)."""
    return {
        "id": new_id("dlv"),
        "event_id": event_id,
        "event_type": event_type,
        "recipient_id": recipient_id,
        "channel": channel,
        "address": address,
        "kind": kind,
        "params": params,
        "subject": subject,
        "message_id": message_id,
        "critical": critical,
        "state": "queued",
        "provider_index": 0,
        "attempts": 0,
        "next_attempt_at": due,
        "provider_reference": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }
