"""Composers for the minimal in-app path (`handlers.deliver_to_inboxes`): what an event tells
whom, as a kind plus parameters. The wording lives in `templates/` (one source for every
path); the rule-driven path is `domain/rules.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Message:
    recipient_id: str
    kind: str
    params: dict[str, Any]
    subject: str | None


def issue_reported(data: dict[str, Any]) -> list[Message]:
    if not data.get("assignee_id"):
        return []
    params = {"title": data["title"], "category": data["category"], "issue_id": data["issue_id"]}
    return [Message(data["assignee_id"], "issue_assigned", params, data["issue_id"])]


def shift_signed_up(data: dict[str, Any]) -> list[Message]:
    params = {
        "title": data["title"],
        "place": data.get("place"),
        "starts_at": data["starts_at"].isoformat(),
        "ends_at": data["ends_at"].isoformat(),
    }
    return [Message(data["volunteer_id"], "shift_signed_up", params, data["shift_id"])]


def render(kind: str, params: dict[str, Any], locale: str) -> tuple[str, str]:
    """(title, body) of a stored message in `locale`, shown in China Standard Time."""
    from ..templates import safe_render  # templates import domain code, not the reverse

    text = safe_render(kind, params, locale=locale)
    return text["title"], text["body"]
