"""The SLA timer: warns the assignee before a deadline, escalates one level up the category's
chain when it passes, and asks staff to call back (回访) when a resolved issue goes unrated.

Alarms are rows (`sla_alarms`); each is claimed with FOR UPDATE SKIP LOCKED and marked fired
in the transaction that records its event, so replicas never share one and a restart neither
loses nor repeats one.
"""

from __future__ import annotations

from datetime import timedelta

from shared.db import utcnow
from shared.kit import KitHandle
from shared.logging import get_logger

from .. import figures_repository as figures_store
from .. import settings
from ..domain import catalogue as catalogue_rules
from ..domain import lifecycle
from ..domain.sla import start_clock
from ..repository import Issue, IssueRepository, SlaAlarm
from .common import aware, calendar, community_catalogue

log = get_logger(__name__)
ALARM_KINDS = (
    "response_warning",
    "response_breach",
    "resolution_warning",
    "resolution_breach",
    "evaluation_due",
)
BATCH = 100


def evaluation_wait() -> timedelta:
    return settings.evaluation_wait()


def _category(issues: IssueRepository, issue: Issue) -> dict:
    categories = community_catalogue(issues, issue.community)
    try:
        return catalogue_rules.find(categories, issue.category)
    except catalogue_rules.CatalogueError:  # removed since: fall back to the defaults
        return catalogue_rules.normalise({"code": issue.category})


def restart_resolution_clock(issues: IssueRepository, issue: Issue, now) -> None:
    """A reopened issue gets a fresh resolution deadline (the redo is timed too)."""
    hours = _category(issues, issue)["resolution_hours"]
    clock = start_clock("resolution", now, timedelta(hours=hours), calendar())
    issue.resolution_due_at = clock.due_at
    for kind, due in (("resolution_warning", clock.warn_at), ("resolution_breach", clock.due_at)):
        existing = issues.session.get(SlaAlarm, (issue.id, kind))
        if existing is not None:
            existing.due_at, existing.fired_at = due, None
        else:
            issues.set_alarm(issue.id, kind, due)


def tick(kit: KitHandle, now=None) -> int:
    """Fire every due alarm, one transaction per batch; returns how many fired."""
    fired = 0
    while True:
        with kit.unit_of_work() as uow:
            issues = IssueRepository(uow.session)
            moment = now or utcnow()
            alarms = issues.claim_due_alarms(moment, BATCH)
            if not alarms:
                return fired
            for alarm in alarms:
                issue = issues.lock(alarm.issue_id)
                alarm.fired_at = moment
                if issue is not None:
                    _fire(uow, issues, issue, alarm, moment)
                    if alarm.kind.endswith("_breach"):  # now overdue: the figures change
                        figures_store.refresh(uow.session, issue, moment)
            uow.commit()
            fired += len(alarms)
            log.info("sla.fired", count=len(alarms))
        if len(alarms) < BATCH:
            return fired


def _fire(uow, issues: IssueRepository, issue: Issue, alarm: SlaAlarm, now) -> None:
    clock, _, what = alarm.kind.partition("_")
    if alarm.kind == "evaluation_due":
        if issue.status == "resolved" and issue.callback_requested_at is None:
            issue.callback_requested_at = now
            issue.updated_at, issue.version = now, issue.version + 1
            uow.publish(
                "issues.callback_requested",
                {
                    "issue_id": issue.id,
                    "community": issue.community,
                    "title": issue.title,
                    "reporter_id": issue.reporter_id,
                    "assignee_id": issue.assignee_id,
                    "resolved_at": aware(issue.resolved_at),
                },
                community=issue.community,
                subject=issue.id,
            )
        return
    deadline = {
        "issue_id": issue.id,
        "community": issue.community,
        "title": issue.title,
        "clock": clock,
        "due_at": aware(getattr(issue, f"{clock}_due_at") or alarm.due_at),
        "assignee_id": issue.assignee_id,
        "level": issue.level,
    }
    if what == "warning":
        uow.publish(
            "issues.deadline_approaching", deadline, community=issue.community, subject=issue.id
        )
        return
    _escalate_one_level(uow, issues, issue, now)
    deadline["level"] = issue.level
    uow.publish("issues.deadline_breached", deadline, community=issue.community, subject=issue.id)


def _escalate_one_level(uow, issues: IssueRepository, issue: Issue, now) -> None:
    """A breach hands the issue one level up its category's escalation chain."""
    from .lifecycle import apply_transition

    chain = _category(issues, issue)["escalation_chain"]
    above = catalogue_rules.next_level(chain, issue.level)
    if above is None or issue.status not in lifecycle.TRANSITIONS["escalate"].sources:
        return  # top of the chain: the breach event alone tells the leaders
    if above == "community":
        staff = issues.holders("social_worker", issue.community)
        if staff:
            issue.assignee_id, issue.assignee_role = staff[0].account_id, "social_worker"
    apply_transition(
        uow,
        issues,
        issue,
        "escalate",
        lifecycle.SYSTEM,
        "system",
        {"reason": f"deadline passed: escalated to {above}", "level": above},
        now,
    )
