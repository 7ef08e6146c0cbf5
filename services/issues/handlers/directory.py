"""The issues service's copy of the gateway's directory (nodes and role holders)."""

from __future__ import annotations

from shared.events import Envelope
from shared.kit import KitHandle

from ..repository import IssueRepository


def record_node(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        IssueRepository(uow.session).upsert_node(
            data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
            ancestors=data["ancestors"],
        )
        uow.commit()


def record_role(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        IssueRepository(uow.session).assign_role(
            data["account_id"], data["role"], data["node"], data["name"]
        )
        uow.commit()
