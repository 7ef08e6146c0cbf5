"""The delivery log for staff and ops, dead deliveries, and their replay."""

from __future__ import annotations

from shared.db import utcnow
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.kit import KitHandle

from ..domain.delivery import STATES
from ..repository import Delivery, DeliveryRepository, InboxRepository
from .common import iso
from .receipts import apply_report


def view(delivery: Delivery, attempts=None) -> dict:
    view = {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "recipient_id": delivery.recipient_id,
        "channel": delivery.channel,
        "kind": delivery.kind,
        "state": delivery.state,
        "attempts": delivery.attempts,
        "provider_index": delivery.provider_index,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "last_error": delivery.last_error,
        "message_id": delivery.message_id,
        "provider_reference": delivery.provider_reference,
        "created_at": iso(delivery.created_at),
        "updated_at": iso(delivery.updated_at),
    }
    if attempts is not None:
        view["log"] = [
            {
                "attempt": row.attempt,
                "provider": row.provider,
                "outcome": row.outcome,
                "error": row.error,
                "at": iso(row.at),
            }
            for row in attempts
        ]
    return view


def list_deliveries(
    kit: KitHandle, state: str | None, event_id: str | None, limit: int
) -> list[dict]:
    if state is not None and state not in STATES:
        raise ValidationFailed("invalid-state", "Unknown state.", {"state": list(STATES)})
    with kit.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        if event_id:
            rows = repo.for_event(event_id)
        else:
            rows = repo.in_state(state or "dead", limit)
        return [view(row) for row in rows[:limit]]


def show_delivery(kit: KitHandle, delivery_id: str) -> dict:
    with kit.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        delivery = repo.get(delivery_id)
        if delivery is None:
            raise NotFound("delivery-not-found", f"No delivery {delivery_id}.")
        return view(delivery, repo.attempts(delivery_id))


def message_log(kit: KitHandle, recipient_id: str | None, message_id: str) -> dict:
    """An in-app message and every other delivery of it (SMS, e-mail...) with attempts.
    `recipient_id` None: staff/ops looking at anyone's message."""
    with kit.unit_of_work() as uow:
        inbox = InboxRepository(uow.session)
        from ..repository import InboxMessage

        message = (
            inbox.get(recipient_id, message_id)
            if recipient_id
            else uow.session.get(InboxMessage, message_id)
        )
        if message is None:
            raise NotFound("message-not-found", f"No message {message_id}.")
        repo = DeliveryRepository(uow.session)
        return {
            "message_id": message.id,
            "recipient_id": message.recipient_id,
            "community": message.community,
            "created_at": iso(message.created_at),
            "read_at": iso(message.read_at),
            "deliveries": [
                view(row, repo.attempts(row.id)) for row in repo.for_message(message.id)
            ],
        }


def record_receipts(kit: KitHandle, receipts: list[dict]) -> dict:
    """Delivery reports from providers (Aliyun/Tencent SMS status reports carry our delivery
    id as `out_id`): a sent message becomes `delivered`, or `failed` (ops may replay it).
    Unknown ids and reports for messages not in `sent` are ignored (reports repeat)."""
    updated = 0
    now = utcnow()
    with kit.unit_of_work() as uow:
        repo = DeliveryRepository(uow.session)
        for receipt in receipts:
            delivery = repo.get(receipt["delivery_id"], lock=True)  # a repeat waits, then skips
            if delivery is not None and apply_report(
                uow.session, delivery, receipt["delivered"], receipt.get("error"), "receipt", now
            ):
                updated += 1
        uow.commit()
    return {"updated": updated}


def replay_delivery(kit: KitHandle, delivery_id: str) -> dict:
    """Send a dead delivery again, from its first provider, with a fresh attempt budget."""
    with kit.unit_of_work() as uow:
        delivery = DeliveryRepository(uow.session).get(delivery_id)
        if delivery is None:
            raise NotFound("delivery-not-found", f"No delivery {delivery_id}.")
        if delivery.state not in ("dead", "failed"):
            raise Conflict(
                "not-dead", f"Delivery {delivery_id} is {delivery.state}, not dead or failed."
            )
        now = utcnow()
        delivery.state, delivery.attempts, delivery.provider_index = "queued", 0, 0
        delivery.next_attempt_at, delivery.updated_at = now, now
        uow.commit()
        return view(delivery)
