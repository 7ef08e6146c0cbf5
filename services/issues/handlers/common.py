"""What every use case of the issues service shares: input loading, the viewer, the catalogue
of a community, the view of an issue, and the payload of transition events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

from marshmallow import ValidationError

from shared.calendar import load_calendar
from shared.errors import NotFound
from shared.errors import ValidationFailed as Invalid

from ..domain import catalogue as catalogue_rules
from ..domain.lifecycle import REPORTER, STAFF, allowed_actions, coarse_status
from ..repository import Issue, IssueRepository

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


def community_catalogue(issues: IssueRepository, community: str) -> list[dict]:
    """The categories a community offers: district default, then each node's overrides."""
    node = issues.node(community)
    chain = [*(node.ancestors if node else []), community]
    overrides = [
        catalogue_rules.Override(row.node, row.code, row.mode, row.definition)
        for row in issues.overrides(chain)
    ]
    return catalogue_rules.resolve(catalogue_rules.district_default(), overrides)


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
