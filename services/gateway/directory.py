"""The district directory: the administrative tree and who holds which role where.

Plain domain code: parsing and checking a directory file, and the scope rule (a principal's
scope is a node and covers its whole subtree).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from .identity import NAME_MAX

# from the top of the tree down; a child is always of a later kind than its parent
KINDS = ("city", "district", "street", "community", "grid", "compound", "building")
DEFAULT_TIMEZONE = "Asia/Shanghai"


class DirectoryError(ValueError):
    pass


@dataclass(frozen=True)
class DirectoryNode:
    code: str
    name: str
    kind: str
    parent: str | None
    ancestors: tuple[str, ...]
    name_en: str | None = None
    timezone: str = DEFAULT_TIMEZONE


@dataclass(frozen=True)
class RoleHolder:
    name: str
    role: str
    node: str


@dataclass
class Directory:
    nodes: list[DirectoryNode] = field(default_factory=list)
    people: list[RoleHolder] = field(default_factory=list)
    demo_tokens: list[RoleHolder] = field(default_factory=list)


def covers(scope: str, code: str, ancestors: tuple[str, ...] | list[str]) -> bool:
    """True when a principal scoped at `scope` may act on the node `code`."""
    return scope == code or scope in ancestors


def parse_directory(text: str, roles: frozenset[str]) -> Directory:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DirectoryError(f"not valid YAML: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("root"), dict):
        raise DirectoryError("a directory file needs a 'root' node")
    timezone = str(document.get("timezone") or DEFAULT_TIMEZONE)
    directory = Directory()
    seen: set[str] = set()
    _walk(document["root"], None, (), timezone, directory.nodes, seen)
    for key, target in (("people", directory.people), ("demo_tokens", directory.demo_tokens)):
        for entry in document.get(key) or []:
            node = str(entry.get("node") or entry.get("scope") or "")
            holder = RoleHolder(str(entry.get("name", "")).strip(), str(entry.get("role")), node)
            if not holder.name:
                raise DirectoryError(f"{key}: an entry has no name")
            if len(holder.name) > NAME_MAX:
                raise DirectoryError(f"{key}: {holder.name[:20]}… is over {NAME_MAX} characters")
            if holder.role not in roles:
                raise DirectoryError(f"{key}: unknown role {holder.role!r} for {holder.name}")
            if holder.node not in seen:
                raise DirectoryError(f"{key}: {holder.name} is placed at unknown node {node!r}")
            target.append(holder)
    return directory


def _walk(raw, parent, ancestors, timezone, out, seen) -> None:
    if not isinstance(raw, dict):
        raise DirectoryError(f"a node under {parent} is not a mapping")
    code = str(raw.get("code") or "").strip()
    name = str(raw.get("name") or "").strip()
    kind = raw.get("kind")
    if not code or not name:
        raise DirectoryError(f"a node under {parent} lacks a code or a name")
    if code in seen:
        raise DirectoryError(f"node code {code} appears twice")
    if kind not in KINDS:
        raise DirectoryError(f"node {code} has unknown kind {kind!r}")
    if out and parent is not None:
        parent_kind = next(n.kind for n in reversed(out) if n.code == parent)
        if KINDS.index(kind) <= KINDS.index(parent_kind):
            raise DirectoryError(f"node {code} ({kind}) cannot sit under a {parent_kind}")
    timezone = str(raw.get("timezone") or timezone)
    seen.add(code)
    out.append(
        DirectoryNode(
            code=code,
            name=name,
            kind=kind,
            parent=parent,
            ancestors=ancestors,
            name_en=raw.get("name_en"),
            timezone=timezone,
        )
    )
    for child in raw.get("children") or []:
        _walk(child, code, (*ancestors, code), timezone, out, seen)
