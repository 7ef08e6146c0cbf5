"""What an event tells whom: the in-app messages it causes, and their wording in zh-CN and en.

Messages are stored as a kind plus parameters and worded when read, in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_LOCALE = "zh-CN"
DISPLAY_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Message:
    recipient_id: str
    kind: str
    params: dict[str, Any]
    subject: str | None


TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "issue_assigned": {
        "zh-CN": (
            "新的居民诉求：{title}",
            "您负责的网格收到一条新的{category}诉求，请及时响应。编号 {issue_id}。",
        ),
        "en": (
            "New issue: {title}",
            "A new {category} issue reached your grid; please respond. Reference {issue_id}.",
        ),
    },
    "shift_signed_up": {
        "zh-CN": ("报名成功：{title}", "您已报名 {starts} – {ends} 的志愿服务{place_text}。"),
        "en": ("You are signed up: {title}", "Your shift runs {starts} – {ends}{place_text}."),
    },
}


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
    """(title, body) of a stored message in `locale` (zh-CN when it is not offered)."""
    templates = TEMPLATES.get(kind)
    if templates is None:
        return kind, ""
    title, body = templates.get(locale) or templates[DEFAULT_LOCALE]
    values = dict(params)
    for key in ("starts_at", "ends_at"):
        if key in values:
            moment = datetime.fromisoformat(values[key]).astimezone(DISPLAY_TZ)
            values[key.removesuffix("_at")] = moment.strftime("%Y-%m-%d %H:%M")
    place = values.get("place")
    if locale == "en":
        values["place_text"] = f" at {place}" if place else ""
    else:
        values["place_text"] = f"，地点：{place}" if place else ""
    return title.format(**values), body.format(**values)
