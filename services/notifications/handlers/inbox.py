"""The in-app inbox: list, unread count, mark read, mark all read."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from shared.db import utcnow
from shared.errors import NotFound, ValidationFailed
from shared.kit import KitHandle

from .. import templates
from ..repository import InboxMessage, InboxRepository, PeopleRepository
from .common import aware, iso


def _encode_cursor(message: InboxMessage) -> str:
    raw = json.dumps([aware(message.created_at).isoformat(), message.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple | None:
    if not cursor:
        return None
    try:
        created_at, message_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(created_at), str(message_id)
    except (ValueError, TypeError):
        raise ValidationFailed(
            "invalid-cursor", "The cursor is not one this API gave out."
        ) from None


def view(message: InboxMessage, locale: str, timezone: str) -> dict:
    text = templates.safe_render(message.kind, message.params, locale=locale, timezone=timezone)
    return {
        "id": message.id,
        "kind": message.kind,
        "title": text["title"],
        "body": text["body"],
        "subject": message.subject,
        "community": message.community,
        "created_at": iso(message.created_at),
        "read_at": iso(message.read_at),
    }


def list_inbox(
    kit: KitHandle, recipient_id: str, locale: str, limit: int, cursor: str | None
) -> dict:
    """A page of the recipient's messages, newest first, worded in `locale` and shown in
    their time zone."""
    before = _decode_cursor(cursor)
    with kit.unit_of_work() as uow:
        inbox = InboxRepository(uow.session)
        page = inbox.page(recipient_id, limit + 1, before)
        unread = inbox.unread(recipient_id)
        person = PeopleRepository(uow.session).get(recipient_id)
    timezone = person.timezone if person else templates.DEFAULT_TIMEZONE
    more, page = len(page) > limit, page[:limit]
    return {
        "items": [view(message, locale, timezone) for message in page],
        "unread": unread,
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }


def unread_count(kit: KitHandle, recipient_id: str) -> dict:
    with kit.unit_of_work() as uow:
        return {"unread": InboxRepository(uow.session).unread(recipient_id)}


def mark_read(kit: KitHandle, recipient_id: str, message_id: str, locale: str) -> dict:
    """Mark one of the recipient's messages read (again is harmless)."""
    with kit.unit_of_work() as uow:
        inbox = InboxRepository(uow.session)
        message = inbox.get(recipient_id, message_id)
        if message is None:
            raise NotFound("message-not-found", f"No message {message_id} in your inbox.")
        if message.read_at is None:
            message.read_at = utcnow()
        uow.commit()
        person = PeopleRepository(uow.session).get(recipient_id)
        timezone = person.timezone if person else templates.DEFAULT_TIMEZONE
        return view(message, locale, timezone)


def mark_all_read(kit: KitHandle, recipient_id: str) -> dict:
    with kit.unit_of_work() as uow:
        marked = InboxRepository(uow.session).mark_all_read(recipient_id, utcnow())
        uow.commit()
    return {"marked": marked, "unread": 0}
