"""Use cases of the notifications service."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

from shared.db import utcnow
from shared.errors import ValidationFailed
from shared.events import Envelope
from shared.kit import KitHandle

from .domain import messages
from .repository import InboxMessage, InboxRepository


def deliver_to_inboxes(kit: KitHandle, event: Envelope, compose) -> int:
    """Put the messages an event causes into in-app inboxes, exactly once per event."""
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return 0
        inbox = InboxRepository(uow.session)
        composed = compose(event.data)
        for message in composed:
            inbox.add(
                InboxMessage(
                    id=f"msg-{uuid.uuid4().hex[:16]}",
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


def _encode_cursor(message: InboxMessage) -> str:
    raw = json.dumps([_aware(message.created_at).isoformat(), message.id])
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


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def list_inbox(
    kit: KitHandle, recipient_id: str, locale: str, limit: int, cursor: str | None
) -> dict:
    before = _decode_cursor(cursor)
    with kit.unit_of_work() as uow:
        inbox = InboxRepository(uow.session)
        page = inbox.page(recipient_id, limit + 1, before)
        unread = inbox.unread(recipient_id)
    more, page = len(page) > limit, page[:limit]
    items = []
    for message in page:
        title, body = messages.render(message.kind, message.params, locale)
        items.append(
            {
                "id": message.id,
                "kind": message.kind,
                "title": title,
                "body": body,
                "subject": message.subject,
                "community": message.community,
                "created_at": _aware(message.created_at).isoformat(),
                "read_at": _aware(message.read_at).isoformat() if message.read_at else None,
            }
        )
    return {
        "items": items,
        "unread": unread,
        "next_cursor": _encode_cursor(page[-1]) if more and page else None,
    }
