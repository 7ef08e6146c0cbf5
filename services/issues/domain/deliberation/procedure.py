"""The five-step procedure for important matters (五步议事法):

    提议 propose → 商议 consult → 审议 review → 决议 resolve → 评议 evaluate

the party organisation proposes, the two committees consult, multiple parties review, the
meeting resolves, residents evaluate. A matter marked important passes the steps in this
order, each recorded once by a principal holding a role allowed for it; skipping or
repeating a step is refused with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum


class Step(StrEnum):
    PROPOSE = "propose"  # 提议
    CONSULT = "consult"  # 商议
    REVIEW = "review"  # 审议
    RESOLVE = "resolve"  # 决议
    EVALUATE = "evaluate"  # 评议


ORDER: tuple[Step, ...] = tuple(Step)

NAMES = {
    Step.PROPOSE: ("提议", "Proposal by the party organisation"),
    Step.CONSULT: ("商议", "Consultation of the two committees"),
    Step.REVIEW: ("审议", "Review by the parties concerned"),
    Step.RESOLVE: ("决议", "Resolution of the meeting"),
    Step.EVALUATE: ("评议", "Evaluation by residents"),
}

# who may record each step (roles of the directory)
ALLOWED_ROLES: dict[Step, frozenset[str]] = {
    Step.PROPOSE: frozenset({"party_secretary"}),
    Step.CONSULT: frozenset({"party_secretary", "committee_member"}),
    Step.REVIEW: frozenset(
        {"committee_member", "social_worker", "partner", "resident_representative"}
    ),
    Step.RESOLVE: frozenset({"party_secretary", "committee_member"}),
    Step.EVALUATE: frozenset({"resident", "resident_representative"}),
}


class ProcedureRefused(Exception):
    """A step that may not be recorded now; `code` is stable for API callers."""

    def __init__(self, code: str, detail: str):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class StepRecord:
    step: Step
    actor_id: str
    actor_role: str
    at: datetime
    note: str


@dataclass(frozen=True)
class Procedure:
    """The record of one important matter's way through the five steps."""

    matter_id: str
    records: tuple[StepRecord, ...] = field(default_factory=tuple)

    @property
    def next_step(self) -> Step | None:
        return ORDER[len(self.records)] if len(self.records) < len(ORDER) else None

    @property
    def complete(self) -> bool:
        return self.next_step is None

    def record(
        self, step: Step, actor_id: str, actor_role: str, at: datetime, note: str = ""
    ) -> Procedure:
        """The procedure with `step` recorded, or ProcedureRefused with the reason."""
        if any(r.step == step for r in self.records):
            raise ProcedureRefused(
                "step-already-recorded", f"The step {step.value} was already recorded."
            )
        expected = self.next_step
        if expected is None:
            raise ProcedureRefused("procedure-complete", "All five steps are recorded.")
        if step != expected:
            raise ProcedureRefused(
                "step-out-of-order",
                f"The next step is {expected.value} ({NAMES[expected][0]}), not {step.value}.",
            )
        if actor_role not in ALLOWED_ROLES[step]:
            allowed = ", ".join(sorted(ALLOWED_ROLES[step]))
            raise ProcedureRefused(
                "role-not-allowed-for-step",
                f"A {actor_role} may not record {step.value}; it needs one of: {allowed}.",
            )
        if self.records and at < self.records[-1].at:
            raise ProcedureRefused(
                "step-before-previous", "A step cannot precede the one before it."
            )
        return replace(
            self, records=(*self.records, StepRecord(step, actor_id, actor_role, at, note))
        )
