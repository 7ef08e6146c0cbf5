"""The local read copy of the directory, kept from the gateway's events."""

from __future__ import annotations

from shared.db import utcnow
from shared.events import Envelope
from shared.kit import KitHandle

from ..repository import DirectoryCopy, PeopleRepository


def node_upserted(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        DirectoryCopy(uow.session).upsert_node(
            data["code"], data["kind"], data["parent"], list(data["ancestors"]), data["timezone"]
        )
        uow.commit()


def role_assigned(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        PeopleRepository(uow.session).ensure(data["account_id"], data["name"], utcnow())
        DirectoryCopy(uow.session).hold(data["account_id"], data["role"], data["node"])
        uow.commit()
