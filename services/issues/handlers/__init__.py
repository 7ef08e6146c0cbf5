"""Use cases of the issues service: load, call the domain, save, record events.

intake (report, similar issues), lifecycle (transitions, evaluation, merge, support, comments,
reassignment), sla_timer (warnings, breaches, call-backs), queries (one issue, lists, figures,
catalogue), directory (the local copy of the directory), deliberation (council settings,
topics, the five-step procedure, meetings, resolutions), projects (micro-projects, residents'
ratings, the problem → project → results lists and funnel)."""

from . import deliberation, projects
from .directory import record_node, record_role
from .intake import report_issue, similar_issues
from .lifecycle import act, comment, evaluate, merge, reassign, support
from .queries import catalogue, figures, fold_figures, get_issue, list_issues, put_override
from .sla_timer import tick

__all__ = [
    "act",
    "catalogue",
    "deliberation",
    "comment",
    "evaluate",
    "figures",
    "fold_figures",
    "get_issue",
    "list_issues",
    "merge",
    "projects",
    "put_override",
    "reassign",
    "record_node",
    "record_role",
    "report_issue",
    "similar_issues",
    "support",
    "tick",
]
