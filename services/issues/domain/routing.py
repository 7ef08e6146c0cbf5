"""Who handles a new issue: the grid worker of its grid, else the community's staff.

The grid is the one given, or the grid above the given building or compound. The gateway has
already checked the places against its directory; this service's copy of the directory may lag
behind it, so a place it does not know yet is taken as given, and only a contradiction between
places it does know is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    community: str
    grid: str | None = None
    compound: str | None = None
    building: str | None = None


@dataclass(frozen=True)
class Node:
    code: str
    kind: str
    parent: str | None
    ancestors: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    account_id: str
    role: str


FindNode = Callable[[str], Node | None]
FindHolders = Callable[[str, str], list[str]]  # (role, node code) -> account ids, in order


class LocationError(ValueError):
    """A grid, compound or building that is not inside the issue's community."""


def resolve_grid(location: Location, find_node: FindNode) -> str | None:
    """The grid of a location, checking that every given place lies in its community."""
    grid = location.grid
    for code, expected in ((location.building, "building"), (location.compound, "compound")):
        if not code:
            continue
        node = find_node(code)
        if node is None:
            continue
        if node.kind != expected or location.community not in node.ancestors:
            raise LocationError(f"{expected} {code} is not in community {location.community}")
        enclosing = _enclosing_grid(node, find_node)
        if grid and enclosing and enclosing != grid:
            raise LocationError(f"{expected} {code} is not in grid {grid}")
        grid = grid or enclosing
    if grid:
        node = find_node(grid)
        if node is not None and (node.kind != "grid" or node.parent != location.community):
            raise LocationError(f"grid {grid} is not in community {location.community}")
    return grid


def _enclosing_grid(node: Node, find_node: FindNode) -> str | None:
    for code in reversed(node.ancestors):
        ancestor = find_node(code)
        if ancestor is not None and ancestor.kind == "grid":
            return ancestor.code
    return None


def route(grid: str | None, community: str, find_holders: FindHolders) -> Assignment | None:
    """The default assignee: grid worker of the grid, else a social worker of the community."""
    if grid:
        workers = find_holders("grid_worker", grid)
        if workers:
            return Assignment(workers[0], "grid_worker")
    staff = find_holders("social_worker", community)
    if staff:
        return Assignment(staff[0], "social_worker")
    return None
