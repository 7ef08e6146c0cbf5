"""The event catalogue: a CloudEvents-style envelope and one versioned schema per event type.

Producers dump through the catalogue and consumers load through it, so a payload that does not
match its schema never leaves a producer and never reaches a handler. Adding an optional field
keeps a version; removing or changing a field makes a new one, and consumers accept every
registered version until the old one is retired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

SPEC_VERSION = "1.0"


class EventData(Schema):
    """Base of every event payload schema: unknown fields are refused at the producer and
    ignored at the consumer (so adding an optional field stays compatible)."""

    class Meta:
        unknown = RAISE


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    schema: type[EventData]
    description: str
    example: dict[str, Any]

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def dataschema(self) -> str:
        return f"urn:pavilion:event:{self.name}:v{self.version}"

    def producer_schema(self) -> EventData:
        return _schema(self.schema, "raise")

    def consumer_schema(self) -> EventData:
        # a consumer ignores fields added later to the same version
        return _schema(self.schema, "exclude")

    def example_data(self) -> dict[str, Any]:
        """The example payload as a producer holds it (Python values, not wire text)."""
        return self.schema().load(self.example)


@dataclass(frozen=True)
class Envelope:
    id: str
    type: str
    source: str
    time: datetime
    dataschema: str
    data: dict[str, Any]
    subject: str | None = None
    community: str | None = None
    correlationid: str | None = None
    specversion: str = SPEC_VERSION
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return int(self.dataschema.rsplit(":v", 1)[1])

    def to_message(self) -> dict[str, Any]:
        return _ENVELOPE.dump(self)


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z]+\.[a-z_]+$"))
    source = fields.String(required=True)
    time = fields.AwareDateTime(required=True)
    dataschema = fields.String(required=True)
    data = fields.Dict(required=True)
    subject = fields.String(allow_none=True, load_default=None)
    community = fields.String(allow_none=True, load_default=None)
    correlationid = fields.String(allow_none=True, load_default=None)
    specversion = fields.String(required=True, validate=validate.Equal(SPEC_VERSION))


_ENVELOPE = EnvelopeSchema()


@cache
def _schema(schema: type[EventData], unknown: str) -> EventData:
    """Schema instances are stateless once built: build each one once, not per message."""
    return schema(unknown=unknown)


class UnknownEventType(ValueError):
    pass


class Catalogue:
    def __init__(self) -> None:
        self._types: dict[tuple[str, int], EventType] = {}
        self._latest: dict[str, EventType] = {}  # by name: the highest version registered

    def register(
        self,
        name: str,
        version: int,
        schema: type[EventData],
        *,
        description: str,
        example: dict[str, Any],
    ) -> EventType:
        key = (name, version)
        if key in self._types:
            raise ValueError(f"{name} v{version} is registered twice")
        event_type = EventType(name, version, schema, description, example)
        self._types[key] = event_type
        if name not in self._latest or self._latest[name].version < version:
            self._latest[name] = event_type
        return event_type

    def __iter__(self):
        return iter(sorted(self._types.values(), key=lambda t: (t.name, t.version)))

    def names(self) -> list[str]:
        return sorted({name for name, _ in self._types})

    def latest(self, name: str) -> EventType:
        try:
            return self._latest[name]
        except KeyError:
            raise UnknownEventType(name) from None

    def get(self, name: str, version: int) -> EventType:
        try:
            return self._types[(name, version)]
        except KeyError:
            raise UnknownEventType(f"{name} v{version}") from None

    def envelope(
        self,
        name: str,
        data: dict[str, Any],
        *,
        community: str | None,
        subject: str | None = None,
        correlation_id: str | None = None,
        version: int | None = None,
    ) -> Envelope:
        """Build an event as a producer: the payload is dumped and validated by its schema."""
        event_type = self.get(name, version) if version else self.latest(name)
        schema = event_type.producer_schema()
        dumped = schema.dump(data)
        errors = schema.validate(dumped)
        if errors:
            raise ValidationError(errors)
        return Envelope(
            id=str(uuid.uuid4()),
            type=name,
            source=f"/pavilion/{event_type.service}",
            time=datetime.now(UTC),
            dataschema=event_type.dataschema,
            data=dumped,
            subject=subject,
            community=community,
            correlationid=correlation_id,
        )

    def load(self, message: dict[str, Any]) -> Envelope:
        """Read an event as a consumer: the envelope and its payload are validated."""
        if not isinstance(message, dict):
            raise ValidationError({"_schema": ["an event must be a JSON object"]})
        attrs = _ENVELOPE.load(message)
        name, version = attrs["type"], _version_of(attrs["dataschema"])
        event_type = self.get(name, version)
        attrs["data"] = event_type.consumer_schema().load(attrs["data"])
        return Envelope(**attrs)


def _version_of(dataschema: str) -> int:
    try:
        return int(dataschema.rsplit(":v", 1)[1])
    except (IndexError, ValueError):
        raise ValidationError({"dataschema": ["not a Pavilion event schema"]}) from None
