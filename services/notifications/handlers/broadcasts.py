"""Broadcasts: an announcement to every resident of a node. A community-wide one goes out at
once; one for a street or anything larger waits for a second admin's approval. The fan-out
runs in chunks on its own timer, each chunk one short transaction, so event consumers and
the delivery loop keep their pace while 10,000 inboxes fill."""

from __future__ import annotations

from sqlalchemy import insert, select

from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.kit import KitHandle

from ..repository import Broadcast, DirectoryCopy, InboxMessage
from .common import iso, new_id

NEEDS_APPROVAL = frozenset({"city", "district", "street"})
CHUNK = 1000


def _view(broadcast: Broadcast) -> dict:
    return {
        "id": broadcast.id,
        "node": broadcast.node,
        "title": broadcast.title,
        "body": broadcast.body,
        "state": broadcast.state,
        "created_by": broadcast.created_by,
        "approved_by": broadcast.approved_by,
        "delivered": broadcast.delivered,
        "created_at": iso(broadcast.created_at),
        "finished_at": iso(broadcast.finished_at),
    }


def create(
    kit: KitHandle,
    creator_id: str,
    node: str,
    node_kind: str,
    title: str,
    body: str,
    critical: bool = False,
) -> dict:
    """Announce to every resident of `node` (the gateway checked it lies in the creator's
    scope)."""
    needs_approval = node_kind in NEEDS_APPROVAL
    broadcast = Broadcast(
        id=new_id("bc"),
        node=node,
        node_kind=node_kind,
        title=title,
        body=body,
        critical=critical,
        created_by=creator_id,
        approved_by=None,
        state="awaiting_approval" if needs_approval else "sending",
        cursor="",
        delivered=0,
        created_at=utcnow(),
        finished_at=None,
    )
    with kit.unit_of_work() as uow:
        uow.session.add(broadcast)
        uow.commit()
    return _view(broadcast)


def approve(kit: KitHandle, broadcast_id: str, approver_id: str) -> dict:
    """The second admin's approval of a street-wide (or larger) announcement."""
    with kit.unit_of_work() as uow:
        broadcast = uow.session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise NotFound("broadcast-not-found", f"No announcement {broadcast_id}.")
        if broadcast.state != "awaiting_approval":
            raise Conflict("not-awaiting-approval", f"The announcement is {broadcast.state}.")
        if broadcast.created_by == approver_id:
            raise Forbidden("second-approver-required", "Another admin must approve it.")
        broadcast.approved_by, broadcast.state = approver_id, "sending"
        uow.commit()
        return _view(broadcast)


def show(kit: KitHandle, broadcast_id: str) -> dict:
    with kit.unit_of_work() as uow:
        broadcast = uow.session.get(Broadcast, broadcast_id)
        if broadcast is None:
            raise NotFound("broadcast-not-found", f"No announcement {broadcast_id}.")
        return _view(broadcast)


def fan_out(kit: KitHandle, *, chunk: int = CHUNK, max_chunks: int = 5) -> int:
    """Deliver up to `max_chunks` chunks of the sending broadcasts; returns messages written.
    Each chunk commits its inbox messages with the broadcast's cursor, so a restart resumes
    where it stopped and nobody gets the announcement twice."""
    written = 0
    for _ in range(max_chunks):
        with kit.unit_of_work() as uow:
            query = (
                select(Broadcast)
                .where(Broadcast.state == "sending")
                .order_by(Broadcast.created_at)
                .limit(1)
            )
            if uow.session.bind.dialect.name == "postgresql":
                # replicas take turns per chunk: never the same residents twice
                query = query.with_for_update(skip_locked=True)
            broadcast = uow.session.scalar(query)
            if broadcast is None:
                return written
            residents = DirectoryCopy(uow.session).holders_within_after(
                "resident", broadcast.node, broadcast.cursor, chunk
            )
            now = utcnow()
            if residents:
                uow.session.execute(
                    insert(InboxMessage),
                    [
                        {
                            "id": new_id("msg"),
                            "recipient_id": resident,
                            "kind": "announcement",
                            "params": {"title": broadcast.title, "body": broadcast.body},
                            "event_id": broadcast.id,
                            "subject": broadcast.id,
                            "community": broadcast.node,
                            "created_at": now,
                            "read_at": None,
                        }
                        for resident in residents
                    ],
                )
                broadcast.cursor = residents[-1]
                broadcast.delivered += len(residents)
                written += len(residents)
            if len(residents) < chunk:
                broadcast.state, broadcast.finished_at = "done", now
            uow.commit()
    return written
