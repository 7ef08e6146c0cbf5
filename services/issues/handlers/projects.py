"""Micro-projects (民生微实事): formed from a resolution, progressing with milestones,
completed with evidence (which resolves the issues they came from), rated by residents;
and the problem → project → results lists and funnel of a node and period."""

from __future__ import annotations

from decimal import Decimal

from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.errors import ValidationFailed as Invalid
from shared.kit import KitHandle

from ..deliberation_repository import DeliberationRepository, Project, ProjectRating
from ..domain.deliberation import projects as rules
from ..domain.deliberation.funnel import SATISFIED, funnel
from ..domain.deliberation.procedure import Step
from ..repository import IssueRepository
from .common import Viewer, period
from .deliberation import add_step, iso, new_id, require_council
from .lifecycle import apply_transition

# the staff actions that carry an open issue to `resolved` when its project completes
TO_RESOLVED = {
    "reported": ("accept", "start"),
    "escalated": ("accept", "start"),
    "referred": ("accept", "start"),
    "reopened": ("accept", "start"),
    "accepted": ("start",),
    "waiting_resident": ("resume",),
    "in_progress": (),
}
# and to `in_progress` when its project is formed
TO_IN_PROGRESS = {key: value for key, value in TO_RESOLVED.items() if key != "in_progress"}


def _status(project: Project) -> rules.ProjectStatus:
    return rules.ProjectStatus(project.status)


def _tree(repo: DeliberationRepository, project: Project, depth: int = 0) -> rules.Project:
    children = repo.children(project.id) if depth < 5 else []
    return rules.Project(
        project.id,
        _status(project),
        project.progress,
        project.weight,
        tuple(_tree(repo, child, depth + 1) for child in children),
    )


def project_view(repo: DeliberationRepository, project: Project, full: bool = True) -> dict:
    ratings = repo.ratings([project.id])
    data = {
        "id": project.id,
        "community": project.community,
        "title": project.title,
        "description": project.description,
        "resolution_id": project.resolution_id,
        "meeting_id": project.meeting_id,
        "parent_id": project.parent_id,
        "weight": project.weight,
        "budget": str(Decimal(project.budget_cents) / 100),
        "funding_source": project.funding_source,
        "responsible_unit": project.responsible_unit,
        "responsible_kind": project.responsible_kind,
        "responsible_ids": list(project.responsible_ids),
        "status": project.status,
        "progress": rules.progress_of(_tree(repo, project)),
        "issue_ids": list(project.issue_ids),
        "milestones": list(project.milestones),
        "completion_note": project.completion_note,
        "evidence": list(project.evidence),
        "created_by": project.created_by,
        "created_at": iso(project.created_at),
        "completed_at": iso(project.completed_at),
        "ratings": len(ratings),
        "satisfied_share": (
            round(sum(r.satisfaction in SATISFIED for r in ratings) / len(ratings), 4)
            if ratings
            else None
        ),
        "version": project.version,
    }
    if full:
        data["children"] = [project_view(repo, c, full=False) for c in repo.children(project.id)]
    return data


def _event(project: Project, repo, issues: IssueRepository, actor_id: str, now, **extra) -> dict:
    followers: set[str] = set()
    for issue_id in project.issue_ids:
        issue = issues.get(issue_id)
        if issue is not None:
            followers.add(issue.reporter_id)
            followers |= {s.account_id for s in issues.supporters_of(issue_id)}
    return {
        "project_id": project.id,
        "community": project.community,
        "title": project.title,
        "status": project.status,
        "progress": rules.progress_of(_tree(repo, project)),
        "issue_ids": list(project.issue_ids),
        "follower_ids": sorted(followers),
        "resolution_id": project.resolution_id,
        "parent_id": project.parent_id,
        "actor_id": actor_id,
        "at": now,
        **extra,
    }


def _move_issues(uow, issues: IssueRepository, project: Project, plan: dict, final, who, now):
    """Carry each linked open issue along `plan` (and then `final`, if given)."""
    for issue_id in project.issue_ids:
        issue = issues.lock(issue_id)
        if issue is None or issue.status not in plan:
            continue
        note = f"民生微实事 {project.title} ({project.id})"
        for action in (*plan[issue.status], *([final] if final else [])):
            apply_transition(uow, issues, issue, action, "staff", who.id, {"note": note}, now)


def create_project(kit: KitHandle, community: str, payload: dict, viewer: dict) -> dict:
    """A project from a resolution adopted as a project (its issues move to in progress),
    or a sub-project of a parent (whose progress then rolls up from its children)."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        resolution_id, parent_id = payload.get("resolution_id"), payload.get("parent_id")
        meeting_id, issue_ids = None, list(payload.get("issue_ids") or [])
        if resolution_id:
            resolution = repo.resolution(resolution_id, lock=True)  # one project per resolution
            if resolution is None or resolution.community != community:
                raise NotFound("resolution-not-found", f"No resolution {resolution_id} here.")
            if resolution.outcome != "project":
                raise Conflict(
                    "resolution-not-a-project",
                    f"Resolution {resolution_id} decided '{resolution.outcome}', not a project.",
                )
            if repo.project_of_resolution(resolution_id) is not None:
                raise Conflict("project-exists", f"Resolution {resolution_id} has its project.")
            topic = repo.topic(resolution.topic_id)
            meeting_id = resolution.meeting_id
            issue_ids = sorted({*issue_ids, topic.issue_id}) if topic else issue_ids
        elif parent_id:
            parent = repo.project(parent_id, lock=True)
            if parent is None or parent.community != community:
                raise NotFound("project-not-found", f"No project {parent_id} here.")
            if parent.status in ("completed", "cancelled"):
                raise Conflict("parent-finished", f"Project {parent_id} is {parent.status}.")
            meeting_id = parent.meeting_id
        else:
            raise Invalid(
                "resolution-or-parent-required",
                "A project comes from a resolution, or is part of a parent project.",
                {"resolution_id": ["required without parent_id"]},
            )
        for issue_id in issue_ids:
            issue = issues.get(issue_id)
            if issue is None or issue.community != community:
                raise Invalid(
                    "issue-not-found",
                    f"No issue {issue_id} in {community}.",
                    {"issue_ids": [issue_id]},
                )
        now = utcnow()
        milestones = [
            {"id": f"ms-{n}", "title": m["title"], "due_on": m["due_on"], "done_at": None}
            for n, m in enumerate(payload.get("milestones") or [], start=1)
        ]
        project = Project(
            id=new_id("prj"),
            community=community,
            title=payload["title"],
            description=payload.get("description") or "",
            resolution_id=resolution_id,
            meeting_id=meeting_id,
            parent_id=parent_id,
            weight=payload.get("weight") or 1.0,
            budget_cents=int(Decimal(str(payload.get("budget") or 0)) * 100),
            funding_source=payload["funding_source"],
            responsible_unit=payload["responsible_unit"],
            responsible_kind=payload.get("responsible_kind") or "community",
            responsible_ids=payload.get("responsible_ids") or [who.id],
            status="planned",
            progress=None,
            issue_ids=issue_ids,
            milestones=milestones,
            evidence=[],
            created_by=who.id,
            created_at=now,
            updated_at=now,
            version=1,
        )
        repo.add(project)
        uow.session.flush()
        _move_issues(uow, issues, project, TO_IN_PROGRESS, None, who, now)
        uow.publish(
            "issues.project_created",
            _event(project, repo, issues, who.id, now),
            community=community,
            subject=project.id,
        )
        uow.commit()
        return project_view(repo, project)


def require_project(repo: DeliberationRepository, project_id: str, lock=True) -> Project:
    project = repo.project(project_id, lock=lock)
    if project is None:
        raise NotFound("project-not-found", f"No project {project_id}.")
    return project


def get_project(kit: KitHandle, project_id: str) -> dict:
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        return project_view(repo, require_project(repo, project_id, lock=False))


def list_projects(kit: KitHandle, node: str, status: list[str] | None) -> list[dict]:
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        found = repo.projects(issues.communities_under(node), status)
        return [project_view(repo, p, full=False) for p in found]


def progress_project(kit: KitHandle, project_id: str, payload: dict, viewer: dict) -> dict:
    """A progress report: a new status (its default progress applies), an explicit
    percentage, milestones done, a note. Followers of the linked issues are told."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        project = require_project(repo, project_id)
        current = _status(project)
        try:
            target = rules.move(current, rules.ProjectStatus(payload.get("status") or current))
        except rules.IllegalProjectMove as exc:
            raise Conflict("illegal-project-move", str(exc)) from None
        if target is rules.ProjectStatus.CANCELLED and not (payload.get("note") or "").strip():
            raise Invalid("note-required", "A cancellation says why.", {"note": ["required"]})
        now = utcnow()
        known = {m["id"] for m in project.milestones}
        unknown = set(payload.get("milestones_done") or ()) - known
        if unknown:
            raise Invalid(
                "milestone-not-found", "Unknown milestones.", {"milestones_done": sorted(unknown)}
            )
        project.milestones = [
            {
                **m,
                "done_at": m["done_at"]
                or (now.isoformat() if m["id"] in (payload.get("milestones_done") or ()) else None),
            }
            for m in project.milestones
        ]
        if target is not current:
            project.progress = None  # the new status's default, unless one is given
        if payload.get("progress") is not None:
            project.progress = float(payload["progress"])
        project.status = target.value
        project.updated_at, project.version = now, project.version + 1
        uow.session.flush()
        uow.publish(
            "issues.project_progressed",
            _event(project, repo, issues, who.id, now, note=payload.get("note")),
            community=project.community,
            subject=project.id,
        )
        uow.commit()
        return project_view(repo, project)


def complete_project(kit: KitHandle, project_id: str, payload: dict, viewer: dict) -> dict:
    """Completion with evidence (note, photos by URL). Every linked open issue is resolved
    with the project's note, and its reporter and supporters are told."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        project = require_project(repo, project_id)
        try:
            rules.check_completion(_status(project), payload.get("note") or "")
        except rules.IllegalProjectMove as exc:
            raise Conflict("illegal-project-move", str(exc)) from None
        except ValueError as exc:
            raise Invalid("note-required", str(exc), {"note": ["required"]}) from None
        unfinished = [
            c.id for c in repo.children(project.id) if c.status not in ("completed", "cancelled")
        ]
        if unfinished:
            raise Conflict(
                "children-not-complete", f"Sub-projects still open: {', '.join(unfinished)}."
            )
        now = utcnow()
        project.status, project.progress = "completed", None
        project.completion_note = payload["note"]
        project.evidence = list(payload.get("photos") or [])
        project.completed_at = now
        project.updated_at, project.version = now, project.version + 1
        project.milestones = [
            {**m, "done_at": m["done_at"] or now.isoformat()} for m in project.milestones
        ]
        uow.session.flush()
        for issue_id in project.issue_ids:
            issue = issues.lock(issue_id)
            if issue is None or issue.status not in TO_RESOLVED:
                continue
            note = f"民生微实事「{project.title}」已完成：{payload['note']}"
            for action in (*TO_RESOLVED[issue.status], "resolve"):
                data = (
                    {"note": note, "photos": project.evidence}
                    if action == "resolve"
                    else {"note": note}
                )
                apply_transition(uow, issues, issue, action, "staff", who.id, data, now)
        uow.publish(
            "issues.project_completed",
            _event(project, repo, issues, who.id, now, note=payload["note"]),
            community=project.community,
            subject=project.id,
        )
        uow.commit()
        return project_view(repo, project)


def rate_project(kit: KitHandle, project_id: str, viewer: dict, payload: dict) -> dict:
    """A resident's verdict on a completed project (satisfaction as for issues). For an
    important matter the first residents' verdict is its 评议 step."""
    who = Viewer.of(viewer)
    if who.role not in ("resident", "resident_representative", "volunteer"):
        raise Forbidden("residents-only", "Residents rate projects.")
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        project = require_project(repo, project_id)
        if project.status != "completed":
            raise Conflict("project-not-completed", f"Project {project_id} is {project.status}.")
        now = utcnow()
        rating = repo.rating(project.id, who.id) or ProjectRating(
            project_id=project.id, account_id=who.id
        )
        rating.satisfaction, rating.score = payload["satisfaction"], payload.get("score")
        rating.comment, rating.at = payload.get("comment"), now
        repo.add(rating)
        if project.resolution_id and who.role in ("resident", "resident_representative"):
            resolution = repo.resolution(project.resolution_id)
            topic = repo.topic(resolution.topic_id, lock=True) if resolution else None
            if topic is not None and topic.important and _awaits_evaluation(repo, topic.id):
                add_step(uow, repo, topic, Step.EVALUATE, who, payload.get("comment") or "", now)
        uow.session.flush()
        uow.publish(
            "issues.project_rated",
            {
                "project_id": project.id,
                "community": project.community,
                "title": project.title,
                "rater_id": who.id,
                "satisfaction": rating.satisfaction,
                "score": rating.score,
                "responsible_ids": list(project.responsible_ids),
            },
            community=project.community,
            subject=project.id,
        )
        uow.commit()
        return project_view(repo, project)


def _awaits_evaluation(repo: DeliberationRepository, topic_id: str) -> bool:
    steps = [s.step for s in repo.steps(topic_id)]
    return steps == ["propose", "consult", "review", "resolve"]


# -- lists and funnel -----------------------------------------------------------------------
def deliberation_report(kit: KitHandle, node: str, start: str, end: str) -> dict:
    """问题清单 → 项目清单 → 成果清单 for the communities at or under `node` in [start, end):
    topics raised, projects formed, projects completed (with residents' ratings) and the
    funnel counts."""
    since, until = period(start, end)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        communities = issues.communities_under(node)
        topics = repo.topics_raised(communities, since, until)
        formed = [p for p in repo.projects_formed(communities, since, until) if p.parent_id is None]
        completed = [
            p for p in repo.projects_completed(communities, since, until) if p.parent_id is None
        ]
        ratings = repo.ratings([p.id for p in completed])
        counts = funnel(
            len(topics),
            [p.status for p in formed],
            [r.satisfaction for r in ratings],
        )
        return {
            "node": node,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "funnel": {
                **counts.as_dict(),
                # projects formed in the period that are completed by now
                "formed_and_completed": sum(p.status == "completed" for p in formed),
            },
            "problems": [_problem_row(t, repo) for t in topics],
            "projects": [project_view(repo, p, full=False) for p in formed],
            "results": [project_view(repo, p, full=False) for p in completed],
        }


def _problem_row(topic, repo: DeliberationRepository) -> dict:
    decided = repo.resolutions_of_topic(topic.id)
    return {
        "topic_id": topic.id,
        "issue_id": topic.issue_id,
        "community": topic.community,
        "title": topic.title,
        "category": topic.category,
        "via": topic.via,
        "important": topic.important,
        "status": topic.status,
        "raised_at": iso(topic.raised_at),
        "outcome": decided[-1].outcome if decided else None,
    }
