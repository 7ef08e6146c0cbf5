"""What every use case of the issues service shares: input loading, the viewer, the catalogue
of a community, the view of an issue, and the payload of transition events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from marshmallow import ValidationError

from shared.calendar import load_calendar
from shared.db import aware  # noqa: F401  (re-exported to the handlers)
from shared.db.read_cache import TableCache
from shared.errors import NotFound
from shared.errors import ValidationFailed as Invalid

from ..domain import catalogue as catalogue_rules
from ..domain.lifecycle import REPORTER, STAFF, allowed_actions, coarse_status
from ..domain.routing import Node
from ..repository import (
    Issue,
    IssueRepository,
)

STAFF_ROLES = frozenset(
    {"grid_worker", "social_worker", "party_secretary", "committee_member", "admin"}
)


def load(schema, payload: dict) -> dict:
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise Invalid("invalid-request", "Some fields are not valid.", exc.messages) from None


def parse_time(value: str | datetime, field: str) -> datetime:
    """An aware date-time from an RPC payload (ISO 8601 with its offset), else a 422."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise Invalid(
                "invalid-request", f"{field} is not a date-time.", {field: ["invalid"]}
            ) from None
    if moment.tzinfo is None:
        raise Invalid("invalid-request", f"{field} needs a UTC offset.", {field: ["naive"]})
    return moment


def period(start: str | datetime, end: str | datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC; a period that ends before it starts is a 422."""
    start, end = parse_time(start, "from"), parse_time(end, "to")
    if end <= start:
        raise Invalid(
            "invalid-period", "The period ends before it starts.", {"to": ["before from"]}
        )
    return start.astimezone(UTC), end.astimezone(UTC)


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


CACHE_TTL = 5.0
# the resolved catalogue per community: two queries and a deep copy of the district default
CATALOGUES = TableCache("catalogue", CACHE_TTL, ("catalogue_overrides",))
# the local copy of the directory (nodes, who holds which role where), read to route reports
DIRECTORY = TableCache("directory", CACHE_TTL, ("directory_nodes", "role_assignments"))


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
