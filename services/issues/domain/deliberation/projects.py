"""Micro-projects (民生微实事) and their progress.

A status carries a default progress (as in Decidim's accountability results); an explicit
progress overrides it; a parent project's progress is the weighted mean of its children's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    FUNDED = "funded"
    IN_PROGRESS = "in_progress"
    ACCEPTANCE = "acceptance"  # 验收
    COMPLETED = "completed"
    CANCELLED = "cancelled"


DEFAULT_PROGRESS = {
    ProjectStatus.PLANNED: 0,
    ProjectStatus.FUNDED: 10,
    ProjectStatus.IN_PROGRESS: 50,
    ProjectStatus.ACCEPTANCE: 90,
    ProjectStatus.COMPLETED: 100,
    ProjectStatus.CANCELLED: 0,
}


@dataclass(frozen=True)
class Project:
    id: str
    status: ProjectStatus
    progress: float | None = None  # None: the status's default
    weight: float = 1.0
    children: tuple[Project, ...] = field(default_factory=tuple)

    def __post_init__(self):
        if self.progress is not None and not 0 <= self.progress <= 100:
            raise ValueError("progress is a percentage from 0 to 100")
        if self.weight <= 0:
            raise ValueError("a weight must be positive")


def progress_of(project: Project) -> float:
    """0–100. Cancelled children do not count towards their parent."""
    counted = [c for c in project.children if c.status is not ProjectStatus.CANCELLED]
    if counted:
        total = sum(c.weight for c in counted)
        return round(sum(progress_of(c) * c.weight for c in counted) / total, 1)
    if project.progress is not None:
        return float(project.progress)
    return float(DEFAULT_PROGRESS[project.status])


# the moves a project's status may make; completion (with evidence) is its own step
MOVES: dict[ProjectStatus, frozenset[ProjectStatus]] = {
    ProjectStatus.PLANNED: frozenset(
        {ProjectStatus.FUNDED, ProjectStatus.IN_PROGRESS, ProjectStatus.CANCELLED}
    ),
    ProjectStatus.FUNDED: frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.CANCELLED}),
    ProjectStatus.IN_PROGRESS: frozenset({ProjectStatus.ACCEPTANCE, ProjectStatus.CANCELLED}),
    ProjectStatus.ACCEPTANCE: frozenset({ProjectStatus.IN_PROGRESS}),  # failed acceptance
    ProjectStatus.COMPLETED: frozenset(),
    ProjectStatus.CANCELLED: frozenset(),
}
COMPLETABLE = frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.ACCEPTANCE})


class IllegalProjectMove(ValueError):
    def __init__(self, current: ProjectStatus, target: ProjectStatus | str):
        super().__init__(f"a {current.value} project cannot become {target}")
        self.current, self.target = current, target


def move(current: ProjectStatus, target: ProjectStatus) -> ProjectStatus:
    """The status after a progress report; the same status only updates the progress."""
    if target is ProjectStatus.COMPLETED:
        raise IllegalProjectMove(current, "completed without evidence (use completion)")
    if target is not current and target not in MOVES[current]:
        raise IllegalProjectMove(current, target.value)
    return target


def check_completion(current: ProjectStatus, note: str) -> None:
    if current not in COMPLETABLE:
        raise IllegalProjectMove(current, ProjectStatus.COMPLETED.value)
    if not note.strip():
        raise ValueError("a completion records a note on what was done")
