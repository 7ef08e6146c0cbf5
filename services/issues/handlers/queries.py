"""Reading issues: one issue with its history and comments, lists with filters and cursors,
the figures leaders rank by, and the catalogue of a community."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from shared.db import utcnow
from shared.errors import Forbidden, NotFound
from shared.errors import ValidationFailed as Invalid
from shared.kit import KitHandle

from .. import figures_repository as figures_store
from ..deliberation_repository import DeliberationRepository
from ..domain import catalogue as catalogue_rules
from ..domain import figures_rollup, rates
from ..domain.deliberation.funnel import SATISFIED
from ..repository import IssueRepository
from ..schemas import CommentOutput, HistoryOutput, IssueOutput, ListInput, OverrideInput
from .common import (
    Viewer,
    aware,
    calendar,
    community_catalogue,
    load,
    period,
    require_issue,
    view,
)


def get_issue(kit: KitHandle, issue_id: str, viewer: dict | None = None) -> dict:
    """One issue as the viewer may see it, with its history and the comments they may read."""
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        if viewer is None:  # the gateway's v1 call: the issue alone, contact masked
            issue = issues.get(issue_id)
            if issue is None:
                raise NotFound("issue-not-found", f"No issue {issue_id}.")
            return IssueOutput().dump(view(issue, Viewer("", "")))
        who = Viewer.of(viewer)
        issue = require_issue(issues, issue_id, who)
        result = IssueOutput().dump(view(issue, who))
        result["history"] = HistoryOutput(many=True).dump(issues.history(issue.id))
        result["comments"] = CommentOutput(many=True).dump(issues.comments(issue.id, who.is_staff))
        return result


def _encode_cursor(position: tuple[datetime, str]) -> str:
    moment = position[0]
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    raw = json.dumps([moment.isoformat(), position[1]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, issue_id = json.loads(base64.urlsafe_b64decode(padded))
        return datetime.fromisoformat(moment), str(issue_id)
    except (ValueError, TypeError):
        raise Invalid(
            "invalid-cursor", "The cursor is not one this API gave.", {"cursor": ["invalid"]}
        ) from None


def list_issues(kit: KitHandle, query: dict, viewer: dict) -> dict:
    """A page of issues matching the filters in the communities the viewer's scope covers,
    newest first (`order=reported`) or as a change feed (`order=updated` with
    `updated_after`); `next_cursor` continues it."""
    who = Viewer.of(viewer)
    data = load(ListInput(), query)
    if data["overdue"]:
        data["overdue_at"] = utcnow()
    after = _decode_cursor(data["cursor"]) if data["cursor"] else None
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        _narrow_to_node(issues, data)
        rows = issues.page(data, after, data["limit"] + 1, data["order"])
        more = len(rows) > data["limit"]
        rows = rows[: data["limit"]]
        visible = [row for row in rows if who.may_see(row)]
        key = "updated_at" if data["order"] == "updated" else "reported_at"
        next_cursor = _encode_cursor((getattr(rows[-1], key), rows[-1].id)) if more else None
        return {
            "items": IssueOutput(many=True).dump([view(row, who) for row in visible]),
            "next_cursor": next_cursor,
        }


def _narrow_to_node(issues: IssueRepository, data: dict) -> None:
    """The node a list covers: a district, street or community covers its communities; a
    grid or compound covers only its own issues."""
    node = issues.node(data["node"])
    if node is not None and node.kind in ("grid", "compound", "building"):
        community = next(
            (code for code in node.ancestors if (n := issues.node(code)) and n.kind == "community"),
            None,
        )
        data["communities"] = [community] if community else []
        data["grid" if node.kind == "grid" else node.kind] = node.code
        if node.kind == "building":
            data["communities"] = []  # buildings are not a list scope
        return
    data["communities"] = issues.communities_under(data["node"])


def figures(kit: KitHandle, node: str, start, end, per_community: bool = True) -> dict:
    """The rates leaders rank by for a node and a period (issues reported in it), with each
    community's own figures (the problem list per community).

    Whole local months of the period are read from the rollup (`figures_repository.py`), the
    rest from the issues themselves; medians come from duration histograms."""
    start, end = period(start, end)
    now = utcnow()
    parts = figures_rollup.split(start, end, calendar().timezone)
    with kit.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            # one snapshot for the rollup, its pending changes and the edges: a fold that
            # commits meanwhile can then neither hide changes nor count them twice
            uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        issues = IssueRepository(uow.session)
        communities = issues.communities_under(node)
        if not communities:
            raise NotFound("node-not-found", f"No community at or under {node}.")
        counts, summed = figures_store.month_figures(uow.session, node, communities, parts.months)
        histograms: dict[str, dict[int, int]] = {"respond": {}, "resolve": {}}
        for key in histograms:
            for bucket, count in summed[f"{key}_hist"].items():
                figures_rollup.add_to_histogram(histograms[key], int(bucket), count)
        by_community = {
            community: rates.Counts(**{n: found.get(n, 0) for n in figures_rollup.FIELDS})
            for community, found in counts.items()
        }
        for edge_start, edge_end, sign in parts.edges:
            for community, values in issues.figure_counts(communities, edge_start, edge_end, now):
                found = by_community.get(community, rates.Counts())
                by_community[community] = found + rates.Counts(*(sign * v for v in values))
            for reported, accepted, resolved in issues.durations(communities, edge_start, edge_end):
                for key, done in (("respond", accepted), ("resolve", resolved)):
                    if done is not None:
                        hours = (aware(done) - aware(reported)).total_seconds() / 3600
                        figures_rollup.add_to_histogram(
                            histograms[key], figures_rollup.bucket_of(hours), sign
                        )
        verdicts = DeliberationRepository(uow.session).satisfaction_in(communities, start, end)
    total = rates.Counts()
    listed = []
    for community, counts in by_community.items():
        total = total + counts
        listed.append({"community": community, **rates.figures(counts)})
    listed.sort(key=lambda f: (-(f["response_overdue"] + f["resolution_overdue"]), f["community"]))
    answer = {
        "node": node,
        "from": start.isoformat(),
        "to": end.isoformat(),
        **rates.figures(total),
        "median_hours_to_respond": figures_rollup.median_hours(histograms["respond"]),
        "median_hours_to_resolve": figures_rollup.median_hours(histograms["resolve"]),
        # residents' verdicts on micro-projects (民生微实事) given in the period
        "project_ratings": len(verdicts),
        "project_satisfaction_rate": (
            round(sum(v in SATISFIED for v in verdicts) / len(verdicts), 4) if verdicts else None
        ),
    }
    if per_community:
        answer["communities"] = listed
    return answer


def fold_figures(kit: KitHandle) -> int:
    """Fold the recorded changes of issues into the monthly figures (the timer's job)."""
    folded = 0
    while True:
        with kit.unit_of_work() as uow:
            count = figures_store.fold(uow.session)
            uow.commit()
        folded += count
        if count < figures_store.FOLD_BATCH:
            return folded


def catalogue(kit: KitHandle, community: str) -> list[dict]:
    with kit.unit_of_work() as uow:
        return community_catalogue(IssueRepository(uow.session), community)


def put_override(kit: KitHandle, node: str, code: str, payload: dict, viewer: dict) -> list[dict]:
    """A street or community adds, overrides or removes a category of what it inherits."""
    who = Viewer.of(viewer)
    if who.role not in ("admin", "social_worker"):
        raise Forbidden("catalogue-editors-only", "Only admins and community staff edit it.")
    data = load(OverrideInput(), payload or {})
    problems = catalogue_rules.check_definition(data["definition"])
    if problems:
        raise Invalid("invalid-category", "The category definition is not valid.", problems)
    if data["mode"] == "add" and not data["definition"].get("name"):
        raise Invalid(
            "invalid-category", "A new category needs names.", {"definition.name": ["required"]}
        )
    with kit.unit_of_work() as uow:
        issues = IssueRepository(uow.session)
        issues.put_override(node, code, data["mode"], data["definition"], utcnow())
        uow.commit()
        return community_catalogue(issues, node)
