"""The problem list → project list → results list funnel (问题清单 → 项目清单 → 成果清单)
that a community reports for a period: topics raised, projects formed, projects completed,
and the share of residents' ratings of completed projects that were satisfied."""

from __future__ import annotations

from dataclasses import dataclass

SATISFIED = {"satisfied", "basically_satisfied"}


@dataclass(frozen=True)
class Funnel:
    topics_raised: int
    projects_formed: int
    projects_completed: int
    ratings: int
    satisfied_ratings: int

    @property
    def satisfied_share(self) -> float | None:
        """Satisfied (满意 or 基本满意) ratings over all ratings; None before any rating."""
        return round(self.satisfied_ratings / self.ratings, 4) if self.ratings else None

    def as_dict(self) -> dict:
        return {
            "topics_raised": self.topics_raised,
            "projects_formed": self.projects_formed,
            "projects_completed": self.projects_completed,
            "ratings": self.ratings,
            "satisfied_share": self.satisfied_share,
        }


def funnel(topics: int, project_statuses: list[str], ratings: list[str]) -> Funnel:
    return Funnel(
        topics_raised=topics,
        projects_formed=sum(1 for s in project_statuses if s != "cancelled"),
        projects_completed=sum(1 for s in project_statuses if s == "completed"),
        ratings=len(ratings),
        satisfied_ratings=sum(1 for r in ratings if r in SATISFIED),
    )
