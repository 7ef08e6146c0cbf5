"""Moving issues through their lifecycle: staff actions, the reporter's evaluation, merging
duplicates, "me too", comments and reassignment. Each change is one transaction with its
history row and its event."""

from __future__ import annotations

import uuid

from shared.db import utcnow
from shared.errors import Conflict, Forbidden
from shared.errors import ValidationFailed as Invalid
from shared.kit import KitHandle

from ..domain import lifecycle
from ..domain.catalogue import LEVELS
from ..domain.sla import resumed_deadline
from ..repository import Issue, IssueComment, IssueHistory, IssueRepository, IssueSupporter
from ..schemas import CommentInput, CommentOutput, EvaluationInput, IssueOutput, TransitionInput
from . import deliberation, sla_timer
from .common import Viewer, calendar, load, require_issue, transition_payload, view


def apply_transition(
    uow,
    issues: IssueRepository,
    issue: Issue,
    action: str,
    actor: str,
    actor_id: str,
    payload: dict,
    now,
    **extra,
) -> None:
    """Check and apply one transition: status, milestone, clocks, history row and event."""
    try:
        found = lifecycle.transition(issue.status, action, actor, payload)
    except lifecycle.IllegalTransition as exc:
        raise Conflict("illegal-transition", str(exc)) from None
    except lifecycle.NotAllowed as exc:
        raise Forbidden("action-not-allowed", str(exc)) from None
    except lifecycle.MissingReason as exc:
        raise Invalid(
            f"{exc.field}-required", str(exc), {exc.field: ["required for this action"]}
        ) from None
    before = issue.status
    issue.status = found.target
    issue.updated_at = now
    issue.version += 1
    note = payload.get("reason") or payload.get("note")
    if action == "accept" and issue.accepted_at is None:
        issue.accepted_at = now
        issues.cancel_alarms(issue.id, ("response_warning", "response_breach"))
    elif action == "wait_for_resident":
        issue.paused_at = now
    elif action == "resume":
        _resume_clocks(issues, issue, now)
    elif action == "resolve":
        issue.resolved_at = now
        issue.resolution_note = payload["note"]
        issue.photos = [*issue.photos, *payload.get("photos", [])]
        issues.cancel_alarms(issue.id, ("resolution_warning", "resolution_breach"))
        issues.set_alarm(issue.id, "evaluation_due", now + sla_timer.evaluation_wait())
    elif action == "close":
        issue.closed_at = now
        issues.cancel_alarms(issue.id, ("evaluation_due",))
    elif action == "reopen":
        issue.resolved_at = issue.evaluated_at = issue.closed_at = None
        issue.redo_count += 1
        issues.cancel_alarms(issue.id, ("evaluation_due",))
        sla_timer.restart_resolution_clock(issues, issue, now)
    elif action == "escalate":
        issue.level = payload.get("level") or _level_above(issue.level)
    elif action == "refer":
        issue.partner = payload.get("partner") or payload.get("reason")
    issues.record(
        IssueHistory(
            issue_id=issue.id,
            action=action,
            from_status=before,
            to_status=issue.status,
            actor_id=actor_id,
            note=note,
            at=now,
        )
    )
    publish_transition(
        uow,
        found.event,
        issue,
        transition_payload(issue, action, before, actor_id, now, note=note, **extra),
    )


def publish_transition(uow, event_type: str, issue: Issue, data: dict) -> None:
    """Record a transition's event. Each type is spelled out so that the event contract test
    (and a reader) sees every event this service publishes."""
    where = {"community": issue.community, "subject": issue.id}
    match event_type:
        case "issues.issue_accepted":
            uow.publish("issues.issue_accepted", data, **where)
        case "issues.issue_started":
            uow.publish("issues.issue_started", data, **where)
        case "issues.issue_waiting":
            uow.publish("issues.issue_waiting", data, **where)
        case "issues.issue_resumed":
            uow.publish("issues.issue_resumed", data, **where)
        case "issues.issue_resolved":
            uow.publish("issues.issue_resolved", data, **where)
        case "issues.issue_evaluated":
            uow.publish("issues.issue_evaluated", data, **where)
        case "issues.issue_closed":
            uow.publish("issues.issue_closed", data, **where)
        case "issues.issue_rejected":
            uow.publish("issues.issue_rejected", data, **where)
        case "issues.issue_escalated":
            uow.publish("issues.issue_escalated", data, **where)
        case "issues.issue_referred":
            uow.publish("issues.issue_referred", data, **where)
        case "issues.issue_reopened":
            uow.publish("issues.issue_reopened", data, **where)
        case "issues.issue_merged":
            uow.publish("issues.issue_merged", data, **where)
        case _:
            raise ValueError(f"no event type {event_type}")


def _level_above(level: str) -> str:
    index = LEVELS.index(level) if level in LEVELS else 0
    return LEVELS[min(index + 1, len(LEVELS) - 1)]


def _resume_clocks(issues: IssueRepository, issue: Issue, now) -> None:
    """Pending deadlines move on by the time the clock was paused (in working time)."""
    paused_at = issue.paused_at or now
    for alarm in issues.pending_alarms(issue.id):
        if alarm.kind != "evaluation_due":
            alarm.due_at = resumed_deadline(paused_at, now, alarm.due_at, calendar())
    for column in ("response_due_at", "resolution_due_at"):
        due = getattr(issue, column)
        if due is not None:
            setattr(issue, column, resumed_deadline(paused_at, now, due, calendar()))
    issue.paused_at = None


def act(kit: KitHandle, issue_id: str, action: str, viewer: dict, payload: dict) -> dict:
    """Staff move an issue: accept, start, wait_for_resident, resume, resolve, close,
    reject, escalate, refer, reopen. Illegal moves are a 409 `illegal-transition`."""
    who = Viewer.of(viewer)
    data = load(TransitionInput(), payload or {})
    if action in ("evaluate", "merge") or action not in lifecycle.TRANSITIONS:
        raise Invalid("unknown-action", f"No action {action} here.", {"action": ["unknown"]})
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issue = require_issue(issues, issue_id, who, lock=True)
        actor = who.actor_kind(issue)
        apply_transition(uow, issues, issue, action, actor, who.id, data, utcnow())
        uow.commit()
        return IssueOutput().dump(view(issue, who))


def evaluate(kit: KitHandle, issue_id: str, viewer: dict, payload: dict) -> dict:
    """The reporter rates the outcome (满意 / 基本满意 / 不满意, 1–5, comment). Unsatisfied
    reopens the issue to be redone (退回重办) and flags it."""
    who = Viewer.of(viewer)
    data = load(EvaluationInput(), payload or {})
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issue = require_issue(issues, issue_id, who, lock=True)
        if who.id != issue.reporter_id:
            raise Forbidden("reporter-only", "Only the reporter rates an issue.")
        now = utcnow()
        solved = data["solved"]
        if solved is None:
            solved = data["satisfaction"] != "unsatisfied"
        rating = {"satisfaction": data["satisfaction"], "score": data["score"]}
        apply_transition(uow, issues, issue, "evaluate", "reporter", who.id, data, now, **rating)
        issue.evaluated_at = now
        issue.satisfaction, issue.score = data["satisfaction"], data["score"]
        issue.solved, issue.evaluation_comment = solved, data["comment"]
        issue.callback_requested_at = None
        issues.cancel_alarms(issue.id, ("evaluation_due",))
        if data["satisfaction"] == "unsatisfied":
            reason = data["comment"] or "不满意,退回重办 (unsatisfied: redo)"
            apply_transition(
                uow,
                issues,
                issue,
                "reopen",
                "system",
                who.id,
                {"reason": reason},
                now,
                redo=True,
                **rating,
            )
            # the rating stays on record with the reopened issue; a redo is rated again
            issue.satisfaction, issue.score, issue.solved = (
                data["satisfaction"],
                data["score"],
                False,
            )
        uow.commit()
        return IssueOutput().dump(view(issue, who))


def merge(kit: KitHandle, issue_id: str, into: str, viewer: dict) -> dict:
    """Staff merge a duplicate into a surviving issue: supporters, comments and history carry
    over, the reporter becomes a supporter, and the duplicate points to the survivor."""
    who = Viewer.of(viewer)
    if not who.is_staff:
        raise Forbidden("staff-only", "Only staff merge issues.")
    if issue_id == into:
        raise Invalid("merge-into-itself", "An issue cannot merge into itself.", {"into": ["same"]})
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        # lock in id order so two opposite merges cannot deadlock
        first, second = sorted((issue_id, into))
        locked = {i: require_issue(issues, i, who, lock=True) for i in (first, second)}
        duplicate, survivor = locked[issue_id], locked[into]
        if survivor.status not in lifecycle.OPEN_STATUSES:
            raise Conflict("survivor-not-open", f"Issue {into} is {survivor.status}.")
        now = utcnow()
        if issues.supporter(survivor.id, duplicate.reporter_id) is None and (
            duplicate.reporter_id != survivor.reporter_id
        ):
            issues.session.add(
                IssueSupporter(issue_id=survivor.id, account_id=duplicate.reporter_id, at=now)
            )
        duplicate.merged_into = survivor.id
        apply_transition(
            uow,
            issues,
            duplicate,
            "merge",
            "staff",
            who.id,
            {"note": f"merged into {survivor.id}"},
            now,
            merged_into=survivor.id,
        )
        issues.session.flush()
        issues.move_children(duplicate.id, survivor.id)
        issues.cancel_alarms(duplicate.id, sla_timer.ALARM_KINDS)
        issues.session.flush()
        survivor.supporters = issues.count_supporters(survivor.id)
        survivor.updated_at, survivor.version = now, survivor.version + 1
        uow.commit()
        return IssueOutput().dump(view(survivor, who))


def support(kit: KitHandle, issue_id: str, viewer: dict) -> dict:
    """A resident says "me too" about an open issue instead of reporting it again."""
    who = Viewer.of(viewer)
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issue = require_issue(issues, issue_id, who, lock=True)
        if issue.status not in lifecycle.OPEN_STATUSES:
            raise Conflict("issue-not-open", f"Issue {issue_id} is {issue.status}.")
        if issue.reporter_id == who.id:
            raise Conflict("own-issue", "You reported this issue.")
        if issues.supporter(issue.id, who.id) is None:
            now = utcnow()
            issues.session.add(IssueSupporter(issue_id=issue.id, account_id=who.id, at=now))
            issues.session.flush()
            issue.supporters = issues.count_supporters(issue.id)
            issue.updated_at, issue.version = now, issue.version + 1
            uow.publish(
                "issues.issue_supported",
                {
                    "issue_id": issue.id,
                    "community": issue.community,
                    "title": issue.title,
                    "supporter_id": who.id,
                    "supporters": issue.supporters,
                    "assignee_id": issue.assignee_id,
                    "reporter_id": issue.reporter_id,
                },
                community=issue.community,
                subject=issue.id,
            )
            deliberation.raise_if_supported(uow, issues, issue, who.id)
            uow.commit()
        return IssueOutput().dump(view(issue, who))


def comment(kit: KitHandle, issue_id: str, viewer: dict, payload: dict) -> dict:
    """A public comment (reporter and staff) or an internal one (staff only), photos by URL."""
    who = Viewer.of(viewer)
    data = load(CommentInput(), payload or {})
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issue = require_issue(issues, issue_id, who, lock=True)
        if data["internal"] and not who.is_staff:
            raise Forbidden("staff-only", "Only staff write internal comments.")
        if not who.is_staff and who.id not in (issue.reporter_id, *(issue.parties or [])):
            raise Forbidden("not-a-party", "Only the reporter and staff comment on an issue.")
        now = utcnow()
        row = IssueComment(
            id=f"cmt-{uuid.uuid4().hex[:16]}",
            issue_id=issue.id,
            author_id=who.id,
            body=data["body"],
            internal=data["internal"],
            photos=data["photos"],
            at=now,
        )
        issues.session.add(row)
        issue.updated_at, issue.version = now, issue.version + 1
        uow.publish(
            "issues.issue_commented",
            {
                "issue_id": issue.id,
                "community": issue.community,
                "comment_id": row.id,
                "author_id": who.id,
                "internal": row.internal,
                "reporter_id": issue.reporter_id,
                "assignee_id": issue.assignee_id,
            },
            community=issue.community,
            subject=issue.id,
        )
        uow.commit()
        return CommentOutput().dump(row)


def reassign(kit: KitHandle, issue_id: str, assignee_id: str, viewer: dict) -> dict:
    """Staff hand an open issue to another handler."""
    who = Viewer.of(viewer)
    if not who.is_staff:
        raise Forbidden("staff-only", "Only staff reassign issues.")
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issue = require_issue(issues, issue_id, who, lock=True)
        if issue.status not in lifecycle.OPEN_STATUSES:
            raise Conflict("issue-not-open", f"Issue {issue_id} is {issue.status}.")
        previous, now = issue.assignee_id, utcnow()
        issue.assignee_id, issue.updated_at, issue.version = assignee_id, now, issue.version + 1
        role = issues.role_of(assignee_id)
        issue.assignee_role = role or issue.assignee_role
        uow.publish(
            "issues.issue_assigned",
            {
                "issue_id": issue.id,
                "community": issue.community,
                "title": issue.title,
                "assignee_id": assignee_id,
                "previous_assignee_id": previous,
                "actor_id": who.id,
            },
            community=issue.community,
            subject=issue.id,
        )
        uow.commit()
        return IssueOutput().dump(view(issue, who))
