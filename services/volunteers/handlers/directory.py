"""The local copy of the district directory."""

from __future__ import annotations

from shared.events import Envelope
from shared.kit import KitHandle

from ..repository import ShiftRepository


def record_node(kit: KitHandle, event: Envelope) -> None:
    with kit.unit_of_work() as uow:
        if not uow.first_time_handling(kit.consumer, event.id):
            return
        data = event.data
        ShiftRepository(uow.session).upsert_node(
            data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=data["parent"],
            ancestors=data["ancestors"],
            timezone=data["timezone"],
        )
        uow.commit()
