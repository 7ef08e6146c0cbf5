"""The five-step procedure: in order, each step once, by a principal holding the right role."""

from datetime import UTC, datetime, timedelta

import pytest

from services.issues.domain.deliberation.procedure import Procedure, ProcedureRefused, Step

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
BY = {
    Step.PROPOSE: "party_secretary",
    Step.CONSULT: "committee_member",
    Step.REVIEW: "resident_representative",
    Step.RESOLVE: "committee_member",
    Step.EVALUATE: "resident",
}


def through(*steps: Step) -> Procedure:
    procedure = Procedure("matter-1")
    for n, step in enumerate(steps):
        procedure = procedure.record(step, f"acc-{n}", BY[step], T0 + timedelta(days=n))
    return procedure


def test_the_five_steps_in_order_complete_the_procedure():
    procedure = through(*Step)
    assert procedure.complete and procedure.next_step is None
    assert [r.step for r in procedure.records] == list(Step)


def test_skipping_a_step_is_refused_with_the_step_that_is_due():
    with pytest.raises(ProcedureRefused) as refused:
        through(Step.PROPOSE).record(
            Step.REVIEW, "acc-x", "committee_member", T0 + timedelta(days=2)
        )
    assert refused.value.code == "step-out-of-order" and "consult" in refused.value.detail


def test_repeating_a_step_is_refused():
    with pytest.raises(ProcedureRefused) as refused:
        through(Step.PROPOSE, Step.CONSULT).record(
            Step.CONSULT, "a", "committee_member", T0 + timedelta(days=3)
        )
    assert refused.value.code == "step-already-recorded"


def test_a_step_needs_a_principal_holding_its_role():
    with pytest.raises(ProcedureRefused) as refused:
        Procedure("m").record(Step.PROPOSE, "acc-r", "resident", T0)
    assert refused.value.code == "role-not-allowed-for-step"
    with pytest.raises(ProcedureRefused):
        through(*list(Step)[:4]).record(
            Step.EVALUATE, "acc-s", "party_secretary", T0 + timedelta(days=9)
        )


def test_only_residents_evaluate_and_nothing_follows_the_evaluation():
    procedure = through(*Step)
    with pytest.raises(ProcedureRefused) as refused:
        procedure.record(Step.EVALUATE, "acc-r2", "resident", T0 + timedelta(days=10))
    assert refused.value.code == "step-already-recorded"


def test_a_step_cannot_be_dated_before_the_previous_one():
    with pytest.raises(ProcedureRefused) as refused:
        through(Step.PROPOSE).record(Step.CONSULT, "a", "committee_member", T0 - timedelta(days=1))
    assert refused.value.code == "step-before-previous"
