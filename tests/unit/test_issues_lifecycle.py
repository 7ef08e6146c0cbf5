"""The issue lifecycle: one state machine, each transition checked for its source status,
its actor and the reason or note it must carry."""

import pytest

from services.issues.domain.lifecycle import (
    REPORTER,
    STAFF,
    SYSTEM,
    TRANSITIONS,
    IllegalTransition,
    MissingReason,
    NotAllowed,
    allowed_actions,
    coarse_status,
    transition,
)
from shared.events import CATALOGUE


def walk(*steps):
    status = "reported"
    for action, actor, payload in steps:
        status = transition(status, action, actor, payload).target
    return status


def test_the_main_path_runs_from_reported_to_closed():
    assert (
        walk(
            ("accept", STAFF, {}),
            ("start", STAFF, {}),
            ("resolve", STAFF, {"note": "修好了"}),
            ("evaluate", REPORTER, {}),
            ("close", STAFF, {}),
        )
        == "closed"
    )


def test_waiting_on_the_resident_pauses_and_resumes_into_progress():
    assert walk(
        ("accept", STAFF, {}), ("wait_for_resident", STAFF, {"reason": "等待居民在家"})
    ) == ("waiting_resident")
    assert transition("waiting_resident", "resume", STAFF).target == "in_progress"


@pytest.mark.parametrize(
    "status, action",
    [
        ("reported", "close"),
        ("reported", "resolve"),
        ("closed", "accept"),
        ("rejected", "reopen"),
        ("merged", "accept"),
        ("resolved", "start"),
        ("waiting_resident", "resolve"),
    ],
)
def test_an_action_from_a_status_it_does_not_leave_is_illegal(status, action):
    with pytest.raises(IllegalTransition):
        transition(status, action, STAFF, {"note": "x", "reason": "x"})


def test_an_unknown_action_is_illegal():
    with pytest.raises(IllegalTransition):
        transition("reported", "teleport", STAFF)


@pytest.mark.parametrize(
    "status, action, field",
    [
        ("in_progress", "resolve", "note"),
        ("reported", "reject", "reason"),
        ("reported", "escalate", "reason"),
        ("reported", "refer", "reason"),
        ("closed", "reopen", "reason"),
    ],
)
def test_some_actions_need_a_reason_or_a_note(status, action, field):
    with pytest.raises(MissingReason) as raised:
        transition(status, action, STAFF, {field: "   "})
    assert raised.value.field == field


def test_only_the_reporter_evaluates_and_staff_cannot():
    assert transition("resolved", "evaluate", REPORTER).target == "evaluated"
    with pytest.raises(NotAllowed):
        transition("resolved", "evaluate", STAFF)


def test_a_reporter_cannot_accept_or_resolve():
    with pytest.raises(NotAllowed):
        transition("reported", "accept", REPORTER)


def test_the_timer_may_escalate_but_not_resolve():
    assert transition("in_progress", "escalate", SYSTEM, {"reason": "超时"}).target == "escalated"
    with pytest.raises(NotAllowed):
        transition("in_progress", "resolve", SYSTEM, {"note": "x"})


def test_an_escalated_or_referred_issue_is_accepted_at_its_new_level():
    assert transition("escalated", "accept", STAFF).target == "accepted"
    assert transition("referred", "accept", STAFF).target == "accepted"


def test_a_resolved_issue_reopens_for_redo():
    assert transition("resolved", "reopen", SYSTEM, {"reason": "不满意"}).target == "reopened"
    assert transition("reopened", "accept", STAFF).target == "accepted"


def test_allowed_actions_tell_a_client_which_buttons_to_show():
    assert allowed_actions("resolved", REPORTER) == ["evaluate", "reopen"]
    assert "accept" in allowed_actions("reported", STAFF)
    assert allowed_actions("merged", STAFF) == []


def test_the_open311_status_is_open_until_the_work_is_done():
    assert coarse_status("in_progress") == "open"
    assert coarse_status("resolved") == "closed"
    assert coarse_status("rejected") == "closed"


def test_every_transition_publishes_a_catalogued_event():
    for found in TRANSITIONS.values():
        assert CATALOGUE.latest(found.event).name == found.event


def test_every_transition_event_is_spelled_out_for_the_outbox():
    from services.issues.handlers.lifecycle import publish_transition

    class Recorder:
        def __init__(self):
            self.types = []

        def publish(self, event_type, data, **where):
            self.types.append(event_type)

    class Issue:
        community, id = "C", "i"

    recorder = Recorder()
    for found in TRANSITIONS.values():
        publish_transition(recorder, found.event, Issue(), {})
    assert recorder.types == [t.event for t in TRANSITIONS.values()]
