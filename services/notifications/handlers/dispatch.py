"""The delivery loop: send queued deliveries whose time has come, decide after each attempt
(sent, retry with backoff, fail over, dead letter), log every attempt; fire due reminders and
escalate unread critical messages. Driven by a timer; safe with several replicas (rows are
claimed with SKIP LOCKED on PostgreSQL) and across restarts (all state is in the database)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import eventlet
from sqlalchemy import update

from shared.db import utcnow
from shared.kit import KitHandle
from shared.logging import get_logger

from .. import templates
from ..channels import Outgoing, Registry
from ..domain.delivery import PermanentFailure, RetryPolicy, TransientFailure, decide
from ..domain.digest import Pending, batch
from ..domain.rules import Rule
from ..repository import (
    Delivery,
    DeliveryAttempt,
    DeliveryRepository,
    InboxMessage,
    PeopleRepository,
    ReminderRepository,
    WebhookSubscription,
)
from .common import aware, new_id
from .fanout import send

log = get_logger(__name__)
STUCK_AFTER = timedelta(minutes=5)  # a claim older than this died with its worker
RATE_LIMITED_PAUSE = timedelta(seconds=1)
CONCURRENCY = 20  # deliveries attempted at once per pass
SWEEP_EVERY = 60.0  # seconds between looks for claims abandoned by a dead worker
_last_sweep = float("-inf")


def policy_of(kit: KitHandle) -> RetryPolicy:
    settings = kit.settings
    return RetryPolicy(
        max_attempts=settings.retry_max_attempts,
        base_delay=settings.retry_base_delay,
        max_delay=settings.retry_max_delay,
    )


def dispatch_due(
    kit: KitHandle, registry: Registry, policy: RetryPolicy, *, limit: int = 200
) -> int:
    """Attempt every due delivery once; returns how many were attempted."""
    global _last_sweep
    now = utcnow()
    with kit.unit_of_work() as uow:
        if time.monotonic() - _last_sweep > SWEEP_EVERY:
            _last_sweep = time.monotonic()
            uow.session.execute(
                update(Delivery)
                .where(Delivery.state == "sending", Delivery.updated_at < now - STUCK_AFTER)
                .values(state="queued", next_attempt_at=now)
            )
        ids = DeliveryRepository(uow.session).due_ids(now, limit)
        if ids:
            uow.session.execute(
                update(Delivery).where(Delivery.id.in_(ids)).values(state="sending", updated_at=now)
            )
        uow.commit()
    # concurrently: one slow webhook receiver or SMS gateway must not hold up the others
    pool = eventlet.GreenPool(CONCURRENCY)
    for delivery_id in ids:
        pool.spawn_n(_attempt_logged, kit, registry, policy, delivery_id)
    pool.waitall()
    return len(ids)


def _attempt_logged(kit, registry, policy, delivery_id) -> None:
    try:
        attempt_delivery(kit, registry, policy, delivery_id)
    except Exception as exc:  # noqa: BLE001 — the claim expires and the delivery is retried
        log.error("delivery.attempt_crashed", delivery_id=delivery_id, error=repr(exc))


def _outgoing(uow, delivery: Delivery) -> Outgoing:
    if delivery.channel == "webhook":
        subscription = uow.session.get(WebhookSubscription, delivery.recipient_id)
        return Outgoing(
            delivery.id,
            "webhook",
            delivery.address,
            delivery.event_type,
            "",
            delivery.kind,
            secret=subscription.secret if subscription else "",
            event=delivery.params.get("event"),
        )
    person = PeopleRepository(uow.session).get(delivery.recipient_id)
    locale = person.locale if person else templates.DEFAULT_LOCALE
    timezone = person.timezone if person else templates.DEFAULT_TIMEZONE
    text = templates.safe_render(
        delivery.kind, delivery.params, locale=locale, timezone=timezone, channel=delivery.channel
    )
    return Outgoing(
        delivery.id,
        delivery.channel,
        delivery.address,
        text["title"],
        text["body"],
        delivery.kind,
        params=delivery.params,
        sms_template_code=templates.SMS_TEMPLATE_CODES.get(delivery.kind),
    )


def attempt_delivery(
    kit: KitHandle, registry: Registry, policy: RetryPolicy, delivery_id: str
) -> str:
    """One attempt of one claimed delivery; returns the decision's outcome."""
    with kit.unit_of_work() as uow:
        delivery = DeliveryRepository(uow.session).get(delivery_id)
        message = _outgoing(uow, delivery)
        attempt, provider_index = delivery.attempts + 1, delivery.provider_index
    providers = registry.providers(delivery.channel)
    now = utcnow()
    if not providers:
        error: Exception | None = TransientFailure(f"no provider for {delivery.channel}")
        provider_name = "none"
    else:
        provider = providers[min(provider_index, len(providers) - 1)]
        provider_name = provider.name
        if not registry.limiter(provider).try_acquire():
            _requeue(kit, delivery_id, now + RATE_LIMITED_PAUSE)
            return "rate-limited"
        reference = None
        try:
            reference = provider.send(message)
            error = None
        except (TransientFailure, PermanentFailure) as exc:  # ProviderDown is transient
            error = exc
        except Exception as exc:  # noqa: BLE001 — an adapter bug must not lose the message
            error = TransientFailure(repr(exc))
    decision = decide(
        error=error,
        attempt=attempt,
        provider_index=provider_index,
        providers=max(1, len(providers)),
        now=now,
        policy=policy,
    )
    with kit.unit_of_work() as uow:
        delivery = DeliveryRepository(uow.session).get(delivery_id)
        uow.session.add(
            DeliveryAttempt(
                delivery_id=delivery_id,
                attempt=attempt,
                provider=provider_name,
                outcome="sent" if error is None else "failed",
                error=None if error is None else str(error),
                at=now,
            )
        )
        delivery.attempts = attempt
        delivery.updated_at = now
        delivery.last_error = None if error is None else str(error)
        if decision.outcome == "sent":
            delivery.state, delivery.provider_reference = "sent", reference
        elif decision.outcome == "dead":
            delivery.state = "dead"
            log.warning("delivery.dead", delivery_id=delivery_id, error=str(error))
        else:
            delivery.state = "queued"
            delivery.provider_index = decision.provider_index
            delivery.next_attempt_at = decision.next_attempt_at
        uow.commit()
    return decision.outcome


def _requeue(kit: KitHandle, delivery_id: str, when: datetime) -> None:
    with kit.unit_of_work() as uow:
        uow.session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(state="queued", next_attempt_at=when)
        )
        uow.commit()


# reminders planned by rules (`Rule.reminder_kind`) and the preference category they count in
REMINDER_CATEGORIES = {"shift_reminder": "volunteering", "meeting_reminder": "meetings"}


def reminder_rule(kind: str) -> Rule:
    category = REMINDER_CATEGORIES.get(kind, "volunteering")
    return Rule("reminder", kind, category, (), channels=("in_app", "sms"), actor_field=None)


def fire_due_reminders(kit: KitHandle, *, limit: int = 500) -> int:
    """Send the reminders whose time has come, escalate unread critical messages by SMS, and
    send the digests whose window closed."""
    now = utcnow()
    fired = 0
    with kit.unit_of_work() as uow:
        due = ReminderRepository(uow.session).due(now, limit)
        entries = []
        for reminder in due:
            reminder.state, reminder.updated_at = "sent", now
            if reminder.kind == "digest":
                entries.append(
                    Pending(
                        reminder.recipient_id, "digest", reminder.params, aware(reminder.due_at)
                    )
                )
                continue
            if reminder.kind == "escalate":
                message = uow.session.get(InboxMessage, reminder.subject)
                if message is None or message.read_at is not None:
                    continue
                # the same wording, again, by SMS (critical: no opt-out, no quiet hours)
                rule = Rule("escalation", message.kind, "sla", (), channels=("sms",), critical=True)
                params, subject = message.params, message.subject
            else:
                rule, params, subject = (
                    reminder_rule(reminder.kind),
                    reminder.params,
                    reminder.subject,
                )
            fired += send(
                uow.session,
                rule,
                [reminder.recipient_id],
                params,
                event_id=f"{reminder.kind}:{reminder.id}",
                event_type=rule.event_type,
                subject=subject,
                community=params.get("community"),
                now=now,
            )
        fired += _send_digests(uow.session, entries, now)
        uow.commit()
    return fired


def _send_digests(session, entries: list[Pending], now) -> int:
    for digest in batch(entries, now):
        items = [{"title": item.params.get("title", ""), **item.params} for item in digest.items]
        session.add(
            InboxMessage(
                id=new_id("msg"),
                recipient_id=digest.recipient_id,
                kind="digest",
                params={"count": digest.count, "items": items},
                event_id=f"digest:{digest.recipient_id}:{aware(digest.due_at).isoformat()}",
                subject=None,
                community=None,
                created_at=now,
                read_at=None,
            )
        )
    return len(entries)
