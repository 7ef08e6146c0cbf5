"""The gateway's own use cases: the directory and accounts (everything else is translated to
RPC calls to the domain services)."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from shared.db import UnitOfWork, utcnow
from shared.errors import NotFound, ValidationFailed

from .directory import Directory, DirectoryNode, parse_directory
from .identity import NAME_MAX, ROLES, Principal, mint_token
from .repository import Account, DirectoryRepository, Node


def import_directory(uow: UnitOfWork, directory: Directory) -> dict:
    """Create or update every node and role holder; announce what changed."""
    repo = DirectoryRepository(uow.session)
    changed = 0
    for node in directory.nodes:
        if repo.upsert_node(
            node.code,
            name=node.name,
            name_en=node.name_en,
            kind=node.kind,
            parent=node.parent,
            ancestors=list(node.ancestors),
            timezone=node.timezone,
        ):
            changed += 1
            uow.publish(
                "directory.node_upserted",
                {
                    "code": node.code,
                    "name": node.name,
                    "name_en": node.name_en,
                    "kind": node.kind,
                    "parent": node.parent,
                    "ancestors": list(node.ancestors),
                    "timezone": node.timezone,
                },
                community=_community_of(node),
                subject=node.code,
            )
    uow.session.flush()
    people = sum(
        1
        for holder in directory.people
        if ensure_account(uow, holder.name, holder.role, holder.node)[1]
    )
    return {"nodes": len(directory.nodes), "nodes_changed": changed, "people_added": people}


def _community_of(node: DirectoryNode) -> str | None:
    if node.kind == "community":
        return node.code
    # codes below a community are prefixed by it; above it there is no community
    for code in node.ancestors:
        if len(code) == 12 and code.isdigit():
            return code
    return None


def ensure_account(uow: UnitOfWork, name: str, role: str, scope: str) -> tuple[Account, bool]:
    """The account for (name, role, scope), created if new and announced, so that the
    services learn who can be routed to (staff) and who can be reached (everyone)."""
    if role not in ROLES:
        raise ValidationFailed("unknown-role", f"Unknown role {role!r}.", {"role": sorted(ROLES)})
    if not name.strip() or len(name) > NAME_MAX:
        # the name is shown to others and signs what the account does (a partner's referrals)
        raise ValidationFailed(
            "invalid-name",
            f"A person's name is 1 to {NAME_MAX} characters, not blank.",
            {"name": [f"1 to {NAME_MAX} characters, not blank"]},
        )
    repo = DirectoryRepository(uow.session)
    node = repo.node(scope)
    if node is None:
        raise NotFound("node-not-found", f"No node {scope} in the directory.")
    account = repo.find_account(name, role, scope)
    if account is not None:
        return account, False
    account = Account(
        id=f"acc-{uuid.uuid4().hex[:16]}", name=name, role=role, scope=scope, created_at=utcnow()
    )
    repo.add_account(account)
    uow.publish(
        "directory.role_assigned",
        {"account_id": account.id, "name": name, "role": role, "node": scope},
        community=_community_of(
            DirectoryNode(node.code, node.name, node.kind, node.parent, tuple(node.ancestors))
        ),
        subject=account.id,
    )
    return account, True


def issue_token(engine: Engine, secret: str, role: str, scope: str, name: str) -> str:
    """Mint a token for a person (creating the account if needed) — `pavilion token`."""
    with UnitOfWork(engine) as uow:
        account, _ = ensure_account(uow, name.strip(), role, scope)
        uow.commit()
    return mint_token(secret, Principal(account.id, account.name, account.role, account.scope))


def import_directory_file(engine: Engine, text: str) -> tuple[dict, Directory]:
    directory = parse_directory(text, ROLES)
    with UnitOfWork(engine) as uow:
        counts = import_directory(uow, directory)
        uow.commit()
    return counts, directory


def node_view(repo: DirectoryRepository, node: Node, names: dict[str, Node] | None = None) -> dict:
    names = names if names is not None else repo.nodes(list(node.ancestors))
    return {
        "code": node.code,
        "name": node.name,
        "name_en": node.name_en,
        "kind": node.kind,
        "parent": node.parent,
        "path": [
            {"code": code, "name": names[code].name if code in names else code}
            for code in node.ancestors
        ],
    }


def search_nodes(uow: UnitOfWork, q: str, kind: str | None, limit: int, cursor: str | None) -> dict:
    repo = DirectoryRepository(uow.session)
    nodes = repo.search(q, kind, limit + 1, cursor)
    page, more = nodes[:limit], len(nodes) > limit
    names = repo.nodes(sorted({code for node in page for code in node.ancestors}))
    return {
        "items": [node_view(repo, node, names) for node in page],
        "next_cursor": page[-1].code if more and page else None,
    }


def issue_ops_token(engine: Engine, secret: str) -> str:
    """A token for the `pavilion` ops commands: role ops at the top of the tree."""
    from sqlalchemy import select

    with UnitOfWork(engine) as uow:
        root = uow.session.scalars(select(Node).where(Node.parent.is_(None)).limit(1)).first()
    if root is None:
        raise NotFound("directory-empty", "Import a directory first (pavilion import-directory).")
    return issue_token(engine, secret, "ops", root.code, "pavilion-cli")
