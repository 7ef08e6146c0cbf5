"""Micro-project progress: status defaults, explicit values, weighted roll-up; the funnel."""

import pytest

from services.issues.domain.deliberation.funnel import funnel
from services.issues.domain.deliberation.projects import Project, ProjectStatus, progress_of

S = ProjectStatus


def test_a_status_carries_a_default_progress_that_an_explicit_one_overrides():
    assert progress_of(Project("p", S.IN_PROGRESS)) == 50
    assert progress_of(Project("p", S.IN_PROGRESS, progress=70)) == 70
    assert progress_of(Project("p", S.COMPLETED)) == 100


def test_a_parent_rolls_up_the_weighted_progress_of_its_children():
    parent = Project(
        "bike-shed",
        S.IN_PROGRESS,
        progress=5,  # ignored: children decide
        children=(
            Project("roof", S.COMPLETED, weight=3),  # 100 × 3
            Project("racks", S.IN_PROGRESS, progress=40, weight=1),  # 40 × 1
        ),
    )
    assert progress_of(parent) == 85.0


def test_roll_up_is_recursive_and_ignores_cancelled_children():
    tree = Project(
        "heating",
        S.IN_PROGRESS,
        children=(
            Project(
                "pipes",
                S.IN_PROGRESS,
                children=(Project("a", S.COMPLETED), Project("b", S.PLANNED)),
            ),
            Project("valves", S.CANCELLED, weight=10),
            Project("boiler", S.ACCEPTANCE),
        ),
    )
    assert progress_of(tree) == 70.0  # mean of pipes (50) and boiler (90)


def test_progress_outside_0_to_100_is_refused():
    with pytest.raises(ValueError):
        Project("p", S.IN_PROGRESS, progress=120)


def test_the_articles_review_meeting_reads_6_3_3():
    result = funnel(
        6,
        ["completed", "completed", "completed"],
        ["satisfied"] * 5 + ["basically_satisfied", "unsatisfied"],
    )
    assert (result.topics_raised, result.projects_formed, result.projects_completed) == (6, 3, 3)
    assert result.satisfied_share == round(6 / 7, 4)
    assert funnel(2, ["cancelled", "in_progress"], []).as_dict()["projects_formed"] == 1
    assert funnel(0, [], []).satisfied_share is None


def test_a_progress_report_moves_forward_and_back_only_where_allowed():
    from services.issues.domain.deliberation.projects import IllegalProjectMove, move

    assert move(S.PLANNED, S.FUNDED) is S.FUNDED
    assert move(S.IN_PROGRESS, S.IN_PROGRESS) is S.IN_PROGRESS  # progress only
    assert move(S.ACCEPTANCE, S.IN_PROGRESS) is S.IN_PROGRESS  # failed acceptance
    for current, target in (
        (S.IN_PROGRESS, S.PLANNED),
        (S.COMPLETED, S.IN_PROGRESS),
        (S.CANCELLED, S.FUNDED),
        (S.IN_PROGRESS, S.COMPLETED),  # completion needs its evidence step
    ):
        with pytest.raises(IllegalProjectMove):
            move(current, target)


def test_completion_needs_work_under_way_and_a_note():
    from services.issues.domain.deliberation.projects import IllegalProjectMove, check_completion

    check_completion(S.ACCEPTANCE, "验收通过")
    with pytest.raises(IllegalProjectMove):
        check_completion(S.PLANNED, "done")
    with pytest.raises(ValueError, match="note"):
        check_completion(S.IN_PROGRESS, "  ")
