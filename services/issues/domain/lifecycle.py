"""The one state machine of an issue: which action moves it from which status to which, who
may take it, what it must carry, and the event each transition publishes.

    reported → accepted (响应) → in_progress → resolved (办结) → evaluated → closed
    plus waiting_resident (SLA paused), rejected (reason), merged, referred / escalated
    (吹哨报到: to a partner organisation, the street or the district) and reopened.
"""

from __future__ import annotations

from dataclasses import dataclass

OPEN_STATUSES = frozenset(
    {"reported", "accepted", "in_progress", "waiting_resident", "escalated", "referred", "reopened"}
)
# resolved and evaluated count as finished for the 311 view: the work is done
FINISHED_STATUSES = frozenset({"resolved", "evaluated", "closed"})
TERMINAL_STATUSES = frozenset({"rejected", "merged"})
STATUSES = OPEN_STATUSES | FINISHED_STATUSES | TERMINAL_STATUSES

STAFF = "staff"
REPORTER = "reporter"
SYSTEM = "system"


class IllegalTransition(ValueError):
    """The action is not possible from the issue's current status."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"cannot {action} an issue that is {status}")
        self.action = action
        self.status = status


class MissingReason(ValueError):
    """The action needs a reason or note it was not given."""

    def __init__(self, field: str) -> None:
        super().__init__(f"{field} is required")
        self.field = field


class NotAllowed(PermissionError):
    """The actor may not take this action."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    event: str
    actors: frozenset[str] = frozenset({STAFF})
    requires: str | None = None  # the payload field that must be non-empty
    description: str = ""


def _t(action, sources, target, event, actors=(STAFF,), requires=None, description=""):
    return Transition(
        action, frozenset(sources), target, event, frozenset(actors), requires, description
    )


ACTIVE = ("reported", "accepted", "in_progress", "waiting_resident", "reopened")
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            "accept",
            ("reported", "escalated", "referred", "reopened"),
            "accepted",
            "issues.issue_accepted",
            description="The assignee acknowledged the issue (响应); the response clock stops.",
        ),
        _t(
            "start",
            ("accepted",),
            "in_progress",
            "issues.issue_started",
            description="Work on the issue began.",
        ),
        _t(
            "wait_for_resident",
            ("accepted", "in_progress"),
            "waiting_resident",
            "issues.issue_waiting",
            requires="reason",
            description="Work waits on the resident; the SLA clocks pause.",
        ),
        _t(
            "resume",
            ("waiting_resident",),
            "in_progress",
            "issues.issue_resumed",
            description="The resident answered; the SLA clocks run again.",
        ),
        _t(
            "resolve",
            ("accepted", "in_progress"),
            "resolved",
            "issues.issue_resolved",
            requires="note",
            description="The work is done (办结); the reporter is asked to evaluate it.",
        ),
        _t(
            "evaluate",
            ("resolved",),
            "evaluated",
            "issues.issue_evaluated",
            actors=(REPORTER,),
            description="The reporter judged the outcome (评).",
        ),
        _t(
            "close",
            ("evaluated", "resolved"),
            "closed",
            "issues.issue_closed",
            actors=(STAFF, SYSTEM),
            description="The issue is closed.",
        ),
        _t(
            "reject",
            ("reported", "accepted", "escalated", "referred", "reopened"),
            "rejected",
            "issues.issue_rejected",
            requires="reason",
            description="The issue is not one to handle; the reason is told to the reporter.",
        ),
        _t(
            "escalate",
            (*ACTIVE, "referred"),
            "escalated",
            "issues.issue_escalated",
            actors=(STAFF, SYSTEM),
            requires="reason",
            description="Handed one level up the escalation chain (street, district: 吹哨).",
        ),
        _t(
            "refer",
            ACTIVE,
            "referred",
            "issues.issue_referred",
            requires="reason",
            description="Referred to a partner organisation (报到) that takes it on.",
        ),
        _t(
            "reopen",
            ("resolved", "evaluated", "closed"),
            "reopened",
            "issues.issue_reopened",
            actors=(STAFF, REPORTER, SYSTEM),
            requires="reason",
            description="Sent back to be redone (退回重办).",
        ),
        _t(
            "merge",
            (*ACTIVE, "escalated", "referred"),
            "merged",
            "issues.issue_merged",
            description="A duplicate, merged into a surviving issue.",
        ),
    )
}


def transition(status: str, action: str, actor: str, payload: dict | None = None) -> Transition:
    """The transition `action` takes from `status`, checked; raises when it is not allowed."""
    found = TRANSITIONS.get(action)
    if found is None or status not in found.sources:
        raise IllegalTransition(action, status)
    if actor not in found.actors:
        raise NotAllowed(f"a {actor} may not {action} an issue")
    if found.requires and not ((payload or {}).get(found.requires) or "").strip():
        raise MissingReason(found.requires)
    return found


def allowed_actions(status: str, actor: str) -> list[str]:
    """The actions an actor may take on an issue in `status` (for clients' buttons)."""
    return sorted(
        action for action, t in TRANSITIONS.items() if status in t.sources and actor in t.actors
    )


def coarse_status(status: str) -> str:
    """Open311's two-level status: open while work is to be done, closed afterwards."""
    return "open" if status in OPEN_STATUSES else "closed"
