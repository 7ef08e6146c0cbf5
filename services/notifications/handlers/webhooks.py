"""Webhook subscriptions for API consumers: event types within their scope, signed calls."""

from __future__ import annotations

import secrets

from shared.db import utcnow
from shared.errors import NotFound, ValidationFailed
from shared.events import CATALOGUE
from shared.kit import KitHandle

from ..repository import DeliveryRepository, WebhookRepository, WebhookSubscription
from .common import iso, new_id
from .deliveries import replay_delivery
from .deliveries import view as delivery_view


def _view(subscription: WebhookSubscription, *, with_secret: bool = False) -> dict:
    view = {
        "id": subscription.id,
        "url": subscription.url,
        "scope": subscription.scope,
        "event_types": list(subscription.event_types),
        "created_at": iso(subscription.created_at),
    }
    if with_secret:
        view["secret"] = subscription.secret
    return view


def create_subscription(
    kit: KitHandle, owner_id: str, scope: str, url: str, event_types: list[str]
) -> dict:
    """Subscribe `url` to `event_types` happening within `scope`; the signing secret is
    returned once, now."""
    unknown = sorted(set(event_types) - set(CATALOGUE.names()))
    if unknown:
        raise ValidationFailed(
            "unknown-event-type", "Unknown event types.", {"event_types": unknown}
        )
    subscription = WebhookSubscription(
        id=new_id("whk"),
        owner_id=owner_id,
        scope=scope,
        url=url,
        secret=secrets.token_hex(32),
        event_types=sorted(set(event_types)),
        created_at=utcnow(),
    )
    with kit.unit_of_work() as uow:
        WebhookRepository(uow.session).add(subscription)
        uow.commit()
    return _view(subscription, with_secret=True)


def list_subscriptions(kit: KitHandle, owner_id: str) -> list[dict]:
    with kit.unit_of_work() as uow:
        return [_view(row) for row in WebhookRepository(uow.session).of_owner(owner_id)]


def subscription_deliveries(
    kit: KitHandle, owner_id: str, subscription_id: str, limit: int
) -> list[dict]:
    """The delivery log of one of the owner's subscriptions, newest first, with attempts."""
    with kit.unit_of_work() as uow:
        subscription = uow.session.get(WebhookSubscription, subscription_id)
        if subscription is None or subscription.owner_id != owner_id:
            raise NotFound("webhook-not-found", f"No webhook {subscription_id} of yours.")
        repo = DeliveryRepository(uow.session)
        rows = repo.for_recipient(subscription_id, limit)
        return [delivery_view(row, repo.attempts(row.id)) for row in rows]


def replay_subscription_delivery(
    kit: KitHandle, owner_id: str, subscription_id: str, delivery_id: str
) -> dict:
    """The owner sends a dead call to their webhook again (after fixing their receiver)."""
    with kit.unit_of_work() as uow:
        subscription = uow.session.get(WebhookSubscription, subscription_id)
        delivery = DeliveryRepository(uow.session).get(delivery_id)
        if (
            subscription is None
            or subscription.owner_id != owner_id
            or delivery is None
            or delivery.recipient_id != subscription_id
        ):
            raise NotFound("webhook-delivery-not-found", f"No call {delivery_id} of yours.")
    return replay_delivery(kit, delivery_id)
