"""What every use case of the issues service shares: input loading, the viewer, the catalogue
of a community, the view of an issue, and the payload of transition events."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC
from weakref import WeakKeyDictionary

from marshmallow import ValidationError
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from shared.calendar import load_calendar
from shared.errors import NotFound
from shared.errors import ValidationFailed as Invalid

from ..domain import catalogue as catalogue_rules
from ..domain.lifecycle import REPORTER, STAFF, allowed_actions, coarse_status
from ..domain.routing import Node
from ..repository import (
    CatalogueOverride,
    DirectoryNode,
    Issue,
    IssueRepository,
    RoleAssignment,
)

STAFF_ROLES = frozenset(
    {"grid_worker", "social_worker", "party_secretary", "committee_member", "admin"}
)


def aware(moment):
    """A datetime with its UTC offset (SQLite gives values back naive, in UTC)."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def load(schema, payload: dict) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise Invalid("invalid-request", "Some fields are not valid.", exc.messages) from None


def calendar():
    return load_calendar()


@dataclass(frozen=True)
class Viewer:
    """Who asks: the gateway has authenticated them and checked their scope."""

    id: str
    role: str

    @classmethod
    def of(cls, raw: dict | None) -> Viewer:
        raw = raw or {}
        return cls(str(raw.get("id", "")), str(raw.get("role", "")))

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def actor_kind(self, issue: Issue) -> str:
        return STAFF if self.is_staff else REPORTER if self.id == issue.reporter_id else "other"

    def may_see_contact(self, issue: Issue) -> bool:
        return self.role == "admin" or self.id in (issue.assignee_id, issue.reporter_id)

    def may_see(self, issue: Issue) -> bool:
        """A dispute (调解) is visible only to its parties, its mediator and admins."""
        if issue.kind != "dispute":
            return True
        return (
            self.role == "admin"
            or self.id in (issue.reporter_id, issue.assignee_id)
            or self.id in (issue.parties or [])
        )


def require_issue(issues: IssueRepository, issue_id: str, viewer: Viewer, lock=False) -> Issue:
    issue = issues.lock(issue_id) if lock else issues.get(issue_id)
    if issue is None or not viewer.may_see(issue):
        raise NotFound("issue-not-found", f"No issue {issue_id}.")
    return issue


class ReadCache:
    """Rows that change rarely but are read on every report, kept per database (engine) and
    key for `ttl` seconds.

    A write of one of `models` through this process empties the cache of its database when
    it is flushed and again when its transaction ends, and nothing is cached while a
    transaction that wrote one is open, so this process never serves what it changed from
    before the change, nor anything uncommitted. Other replicas see a change after at most
    `ttl` seconds."""

    def __init__(self, name: str, ttl: float, *models) -> None:
        self.flag = f"pavilion.cache.{name}.written"
        self.ttl = ttl
        self.models = models
        self._state: WeakKeyDictionary = WeakKeyDictionary()  # engine -> [generation, values]
        for model in models:
            for kind in ("after_insert", "after_update", "after_delete"):
                event.listen(model, kind, self._written)
        event.listen(Session, "after_transaction_end", self._transaction_ended)

    def get(self, session: Session, key, load):
        """The value for `key`: cached, or `load()` (then cached)."""
        if self.flag not in session.info and any(
            isinstance(row, self.models) for row in (*session.new, *session.dirty, *session.deleted)
        ):
            session.flush()  # a pending write of this transaction must not be read around
        if session.info.get(self.flag):
            return load()
        engine = session.get_bind()
        state = self._state.get(engine)
        if state is None:
            state = self._state.setdefault(engine, [0, {}])
        generation, values = state
        now = time.monotonic()
        hit = values.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        if state[0] == generation and not session.info.get(self.flag):
            values[key] = (now, value)  # unless a write came in while it loaded
        return value

    def forget(self, engine) -> None:
        state = self._state.get(engine)
        if state is not None:
            state[0] += 1
            state[1] = {}

    def _written(self, _mapper, connection, target) -> None:
        session = object_session(target)
        if session is not None:
            session.info[self.flag] = True
        self.forget(connection.engine)

    def _transaction_ended(self, session: Session, transaction) -> None:
        if transaction.parent is None and session.info.pop(self.flag, None):
            self.forget(session.get_bind())


CACHE_TTL = 5.0
# the resolved catalogue per community: two queries and a deep copy of the district default
CATALOGUES = ReadCache("catalogue", CACHE_TTL, CatalogueOverride)
# the local copy of the directory (nodes, who holds which role where), read to route reports
DIRECTORY = ReadCache("directory", CACHE_TTL, DirectoryNode, RoleAssignment)


def community_catalogue(issues: IssueRepository, community: str) -> list[dict]:
    """The categories a community offers: district default, then each node's overrides.

    Shared between callers (cached): read it, never change it."""

    def resolve() -> list[dict]:
        node = issues.node(community)
        chain = [*(node.ancestors if node else []), community]
        overrides = [
            catalogue_rules.Override(row.node, row.code, row.mode, row.definition)
            for row in issues.overrides(chain)
        ]
        return catalogue_rules.resolve(catalogue_rules.district_default(), overrides)

    return CATALOGUES.get(issues.session, community, resolve)


def directory_node(issues: IssueRepository, code: str) -> Node | None:
    """A node of the local directory copy (cached), as routing sees it."""

    def load() -> Node | None:
        row = issues.node(code)
        return row and Node(row.code, row.kind, row.parent, tuple(row.ancestors))

    return DIRECTORY.get(issues.session, ("node", code), load)


def role_holders(issues: IssueRepository, role: str, node: str) -> list[str]:
    """Account ids holding `role` at `node`, in routing order (cached)."""
    return DIRECTORY.get(
        issues.session,
        ("holders", role, node),
        lambda: tuple(h.account_id for h in issues.holders(role, node)),
    )


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return phone
    return phone[:3] + "*" * max(len(phone) - 7, 1) + phone[-4:] if len(phone) > 7 else "****"


def mask_name(name: str | None) -> str | None:
    return name[0] + "*" * (len(name) - 1) if name else name


def view(issue: Issue, viewer: Viewer | None = None) -> dict:
    """An issue as its viewer may see it: contact masked for anyone but the assignee and
    admins; an anonymous reporter hidden from everyone but admins."""
    data = {column: getattr(issue, column) for column in Issue.__table__.columns.keys()}
    data["open311_status"] = coarse_status(issue.status)
    if viewer is not None:
        if not viewer.may_see_contact(issue):
            data["contact_name"] = mask_name(issue.contact_name)
            data["contact_phone"] = mask_phone(issue.contact_phone)
        if issue.anonymous and viewer.role != "admin" and viewer.id != issue.reporter_id:
            data["reporter_id"] = "anonymous"
        data["allowed_actions"] = allowed_actions(issue.status, viewer.actor_kind(issue))
    return data


def transition_payload(issue: Issue, action: str, before: str, actor_id: str, at, **extra):
    return {
        "issue_id": issue.id,
        "community": issue.community,
        "category": issue.category,
        "title": issue.title,
        "kind": issue.kind,
        "action": action,
        "from_status": before,
        "to_status": issue.status,
        "actor_id": actor_id,
        "at": at,
        "reporter_id": issue.reporter_id,
        "assignee_id": issue.assignee_id,
        "level": issue.level,
        **extra,
    }
