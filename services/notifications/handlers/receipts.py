"""Delivery reports (回执): a `sent` SMS becomes `delivered` or `failed`.

Two ways in: ops relay reports by our delivery id (`deliveries.record_receipts`), and SMS
providers push them to the public callback, signed (`record_provider_reports`; the gateway
checks the signature). Both move a delivery through `apply_report`, so a report only ever
changes a delivery that is still `sent`: the same report twice changes nothing the second
time, and a late one cannot undo a later state (a replay, a dead letter).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from shared.db import utcnow
from shared.kit import KitHandle

from ..repository import Delivery, DeliveryAttempt


def apply_report(
    session, delivery: Delivery, delivered: bool, error: str | None, source: str, at: datetime
) -> str | None:
    """Record one report on `delivery`: its new state, or None if it was not `sent`."""
    if delivery.state != "sent":
        return None
    delivery.state = "delivered" if delivered else "failed"
    delivery.last_error = None if delivered else (error or "undelivered")
    delivery.updated_at = at
    session.add(
        DeliveryAttempt(
            delivery_id=delivery.id,
            attempt=delivery.attempts,
            provider=source[:60],
            outcome=delivery.state,
            error=delivery.last_error,
            at=at,
        )
    )
    return delivery.state


def _error_of(report: dict) -> str | None:
    if report["success"]:
        return None
    text = " ".join(part for part in (report.get("err_code"), report.get("err_msg")) if part)
    return text[:500] or None


def record_provider_reports(kit: KitHandle, provider: str, reports: list[dict]) -> dict:
    """A batch pushed by SMS provider `provider` (the name of its adapter: `sms-primary`), in
    the Aliyun SmsReport shape: `biz_id` (the provider's message id, our delivery's
    `provider_reference`), optional `out_id` (our delivery id, sent as `OutId`), `success`,
    `err_code`, `err_msg`, `report_time`. A report counts only for an SMS this provider sent
    with that `biz_id`; others are listed back as `unknown` without failing the batch.

    A report can overtake the send it is about: the provider has the SMS, our delivery is
    still `sending` until the send's answer is recorded. Such reports are listed as `early`
    and applied by none; the caller asks the provider to push them again later. Which provider
    sends is not recorded before the send's answer either, so any signed provider's report
    naming a delivery still `sending` is early (it changes nothing; the worst it does is ask
    that provider to push again). A report naming only the provider's id (`biz_id`, no
    `out_id`) cannot be matched before the send's answer is recorded and is `unknown`; our
    SMS adapter always sends `OutId`, so the provider's reports carry our id."""
    now = utcnow()
    result: dict = {"delivered": 0, "failed": 0, "unchanged": 0, "unknown": [], "early": []}
    with kit.unit_of_work() as uow:
        session = uow.session
        out_ids = {r["out_id"] for r in reports if r.get("out_id")}
        references = {r["biz_id"] for r in reports if not r.get("out_id")}
        found: dict[str, Delivery] = {}
        if out_ids:
            # locked: a report pushed twice at once is applied once (the second one waits,
            # then finds the delivery no longer `sent`)
            query = (
                select(Delivery)
                .where(Delivery.id.in_(out_ids), Delivery.channel == "sms")
                .with_for_update()
            )
            found.update((row.id, row) for row in session.scalars(query))
        by_reference: dict[str, Delivery] = {}
        if references:
            query = (
                select(Delivery)
                .where(Delivery.provider_reference.in_(references), Delivery.channel == "sms")
                .with_for_update()
            )
            by_reference = {row.provider_reference: row for row in session.scalars(query)}
        ids = {row.id for row in found.values()} | {row.id for row in by_reference.values()}
        sender: dict[str, str] = {}  # delivery id → the provider its last successful send used
        if ids:
            query = (
                select(DeliveryAttempt.delivery_id, DeliveryAttempt.provider)
                .where(DeliveryAttempt.delivery_id.in_(ids), DeliveryAttempt.outcome == "sent")
                .order_by(DeliveryAttempt.id)
            )
            sender.update((row.delivery_id, row.provider) for row in session.execute(query))
        for report in reports:
            out_id = report.get("out_id")
            delivery = found.get(out_id) if out_id else by_reference.get(report["biz_id"])
            if delivery is not None and delivery.state == "sending":
                result["early"].append(report["biz_id"])
                continue
            if (
                delivery is None
                or delivery.provider_reference != report["biz_id"]
                or sender.get(delivery.id) != provider
            ):
                result["unknown"].append(report["biz_id"])
                continue
            state = apply_report(
                session, delivery, report["success"], _error_of(report), f"receipt:{provider}", now
            )
            result[state or "unchanged"] += 1
        uow.commit()
    return result
