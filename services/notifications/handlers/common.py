"""Helpers the use cases share."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from shared.db import aware  # noqa: F401  (re-exported to the handlers)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def iso(value: datetime | None) -> str | None:
    return aware(value).isoformat() if value else None


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """An event payload as stored message parameters (dates as ISO 8601 text)."""
    result = {}
    for key, value in data.items():
        if isinstance(value, datetime):
            result[key] = aware(value).astimezone(UTC).isoformat()
        elif isinstance(value, date):
            result[key] = value.isoformat()
        elif isinstance(value, dict):
            result[key] = jsonable(value)
        elif isinstance(value, list | tuple):
            result[key] = [jsonable(item) if isinstance(item, dict) else item for item in value]
        else:
            result[key] = value
    return result
