"""Audiences: who an event concerns, named as data and resolved against the local read copy
of the directory (learned from the gateway's events), never by calling another service.

An audience is a small frozen record; `resolve` turns a tuple of them into account ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol


class Directory(Protocol):
    """What audience resolution needs to know about people and places."""

    def holders(self, role: str, node: str) -> set[str]:
        """Accounts holding `role` exactly at `node`."""

    def holders_within(self, role: str, node: str) -> set[str]:
        """Accounts holding `role` at `node` or anywhere below it."""

    def parent(self, node: str) -> str | None: ...

    def followers(self, subject: str) -> set[str]:
        """Accounts following a subject (supporters of an issue, volunteers of a shift,
        attendees of a meeting)."""


@dataclass(frozen=True)
class Person:
    """The account named by a field of the event (the reporter, the assignee)."""

    field: str


@dataclass(frozen=True)
class People:
    """The accounts listed by a field of the event."""

    field: str


@dataclass(frozen=True)
class RoleAt:
    """Holders of a role at the node named by a field ('grid workers of grid X')."""

    role: str
    node_field: str
    levels_up: int = 0  # 1 = the level above (escalations go to the street above a community)


@dataclass(frozen=True)
class Within:
    """Every holder of a role at or below the node named by a field ('all residents of
    community Y', 'the volunteers of a community')."""

    role: str
    node_field: str


@dataclass(frozen=True)
class Followers:
    """Followers of the subject named by a field (supporters, shift volunteers, attendees)."""

    subject_field: str


Audience = Person | People | RoleAt | Within | Followers


def _node_up(directory: Directory, node: str | None, levels: int) -> str | None:
    for _ in range(levels):
        if node is None:
            return None
        node = directory.parent(node)
    return node


def resolve_one(audience: Audience, data: dict[str, Any], directory: Directory) -> set[str]:
    match audience:
        case Person(field):
            value = data.get(field)
            return {value} if value else set()
        case People(field):
            return {value for value in data.get(field) or () if value}
        case RoleAt(role, node_field, levels_up):
            node = _node_up(directory, data.get(node_field), levels_up)
            return directory.holders(role, node) if node else set()
        case Within(role, node_field):
            node = data.get(node_field)
            return directory.holders_within(role, node) if node else set()
        case Followers(subject_field):
            subject = data.get(subject_field)
            return directory.followers(subject) if subject else set()
    raise TypeError(f"not an audience: {audience!r}")


def resolve(
    audiences: Iterable[Audience],
    data: dict[str, Any],
    directory: Directory,
    *,
    exclude: Iterable[str] = (),
) -> list[str]:
    """The distinct recipients of all `audiences`, sorted, without `exclude` (the actor:
    nobody is told about what they did themselves)."""
    recipients: set[str] = set()
    for audience in audiences:
        recipients |= resolve_one(audience, data, directory)
    return sorted(recipients - {person for person in exclude if person})
