"""Resident registrations and volunteer sign-ups beyond capacity wait in line; a cancellation
promotes the longest-waiting one who still may take the place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Waiting:
    id: str
    person_id: str
    joined_at: datetime


def promote(
    waiting: Sequence[Waiting], free_places: int, eligible: Callable[[Waiting], bool]
) -> list[Waiting]:
    """Who moves up when `free_places` open: first come, first served, skipping those who may
    no longer take the place (e.g. they took an overlapping shift meanwhile)."""
    promoted: list[Waiting] = []
    for entry in sorted(waiting, key=lambda w: (w.joined_at, w.id)):
        if len(promoted) >= free_places:
            break
        if eligible(entry):
            promoted.append(entry)
    return promoted
