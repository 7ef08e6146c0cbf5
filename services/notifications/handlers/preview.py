"""Render a template against the catalogue's sample of an event (for staff writing rules)."""

from __future__ import annotations

from shared.errors import ValidationFailed
from shared.events import CATALOGUE, UnknownEventType

from .. import templates
from ..domain.rules import rules_for
from .common import jsonable


def preview(event_type: str, locale: str, channel: str, timezone: str) -> list[dict]:
    try:
        sample = CATALOGUE.latest(event_type).example_data()
    except UnknownEventType:
        raise ValidationFailed(
            "unknown-event-type", f"No event type {event_type}.", {"event_type": ["unknown"]}
        ) from None
    params = jsonable(sample)
    return [
        {
            "kind": rule.kind,
            "category": rule.category,
            "channels": list(rule.channels),
            "critical": rule.critical,
            **templates.render(
                rule.kind, params, locale=locale, timezone=timezone, channel=channel
            ),
        }
        for rule in rules_for(event_type, sample)
    ]
