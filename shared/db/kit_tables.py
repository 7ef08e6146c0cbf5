"""Tables every service's database holds for the messaging kit: outbox, inbox, parked
events (retries and dead letters) and idempotency keys.

They live in their own `MetaData` so shared code can use them in any service's database;
each service's first migration creates them beside its own tables.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

kit_metadata = MetaData()

# Transactional outbox: one row per event, inserted in the same transaction as the state
# change that caused it; `published_at` is set once the broker confirmed it.
outbox = Table(
    "outbox",
    kit_metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(120), nullable=False),
    Column("message", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_outbox_unpublished", "created_at", postgresql_where="published_at IS NULL"),
)

# Inbox: which consumer already handled which event, written with the handler's effect.
inbox = Table(
    "inbox",
    kit_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("handled_at", DateTime(timezone=True), nullable=False),
)

# Events a handler could not process yet: `retrying` until the next attempt is due, `dead`
# after the last one (kept for ops to inspect, replay or discard). Undecodable messages are
# parked as `dead` at once with their raw body.
parked_events = Table(
    "parked_events",
    kit_metadata,
    Column("id", String(64), primary_key=True),
    Column("queue", String(255), nullable=False),
    Column("consumer", String(200), nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("event_type", String(120), nullable=True),
    Column("body", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_parked_due", "status", "next_attempt_at"),
)

# Idempotency keys: the first result of a create request, returned again on a retry.
idempotency_keys = Table(
    "idempotency_keys",
    kit_metadata,
    Column("scope", String(200), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
