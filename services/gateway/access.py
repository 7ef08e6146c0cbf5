"""Who may do what where. A principal's scope is a node and covers its subtree; a request
outside it is refused before anything is touched (403 when the caller may know the target
exists, 404 when even its existence is not theirs to know)."""

from __future__ import annotations

from shared.errors import Forbidden, NotFound

from .directory import covers
from .identity import STAFF_ROLES, Principal
from .repository import Node

REPORTING_ROLES = STAFF_ROLES | {"resident", "resident_representative", "volunteer", "partner"}
SHIFT_MANAGERS = frozenset({"social_worker", "admin"})
SIGNUP_ROLES = frozenset({"volunteer", "resident", "social_worker"})
OPS_ROLES = frozenset({"ops", "admin"})


def require_in_scope(principal: Principal, node: Node) -> None:
    if not covers(principal.scope, node.code, node.ancestors):
        raise Forbidden("out-of-scope", f"Your scope {principal.scope} does not cover {node.code}.")


def require_role(principal: Principal, roles: frozenset[str], action: str) -> None:
    if principal.role not in roles:
        raise Forbidden("role-not-allowed", f"A {principal.role} may not {action}.")


def require_community(node: Node | None, code: str) -> Node:
    if node is None or node.kind != "community":
        raise NotFound("community-not-found", f"No community {code} in the directory.")
    return node


def require_place_in(node: Node | None, kind: str, code: str, community: str) -> None:
    """A grid, compound or building named in a request must lie in the community."""
    if node is None or node.kind != kind or community not in node.ancestors:
        raise NotFound(f"{kind}-not-found", f"No {kind} {code} in community {community}.")


def can_read_issue(principal: Principal, issue: dict, issue_node: Node | None) -> bool:
    if issue["reporter_id"] == principal.id:
        return True
    if principal.role not in STAFF_ROLES or issue_node is None:
        return False
    return covers(principal.scope, issue_node.code, issue_node.ancestors)


def require_ops(principal: Principal, root: Node | None) -> None:
    if principal.role not in OPS_ROLES or root is None or root.parent is not None:
        raise Forbidden("ops-only", "Only ops or admins scoped at the top of the tree may do this.")
