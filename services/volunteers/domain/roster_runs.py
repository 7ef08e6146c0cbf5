"""Roster runs as background jobs: what a worker does with a run it finds, and the last check
before a solved roster is saved.

A run is solved outside the request that asked for it, and the world moves on while the
solver works: a volunteer signs up elsewhere, a place is taken, a shift is cancelled. So the
proposals are checked again, under lock, against the sign-up rules as they stand when they
are saved; one that no longer holds is dropped (its place stays open for the next run) and
reported with its reason, never saved against the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .roster import Assignment
from .signup_rules import ShiftTerms, Slot, Volunteer, refusals

# a run that made its worker die this many times is not tried again
MAX_ATTEMPTS = 3

# the rules a proposal is checked against again when it is saved; the sign-up window binds
# volunteers signing up themselves, not staff's roster
RECHECKED = frozenset(
    {
        "already-signed-up",
        "shift-full",
        "missing-qualification",
        "overlapping-shift",
        "too-little-rest",
        "daily-hour-limit",
        "weekly-hour-limit",
    }
)


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ClaimAction(StrEnum):
    RUN = "run"
    GIVE_UP = "give_up"


def on_claim(attempts: int) -> ClaimAction:
    """What a worker does with a run it claimed (queued, or running with a lease that ran
    out because its worker died): run it, unless it has already been tried `MAX_ATTEMPTS`
    times; then it most likely kills its worker, and it fails instead."""
    return ClaimAction.GIVE_UP if attempts >= MAX_ATTEMPTS else ClaimAction.RUN


def after_error(attempts: int) -> RunStatus:
    """A run whose worker hit an error goes back to the queue until it has had its tries."""
    return RunStatus.QUEUED if attempts < MAX_ATTEMPTS else RunStatus.FAILED


@dataclass(frozen=True)
class Dropped:
    assignment: Assignment
    code: str
    detail: str


def recheck(
    assignments: Iterable[Assignment],
    terms: Mapping[str, ShiftTerms],
    volunteers: Mapping[str, Volunteer],
    now: datetime,
    refused: Iterable[tuple[str, str]] = (),
) -> tuple[list[Assignment], list[Dropped]]:
    """Split a solved roster into the proposals that still pass every rule now and those that
    do not. `terms` hold each shift as it is now (places taken included); `volunteers` what
    each person holds now; `refused` the (volunteer, shift) pairs declined or cancelled since
    the run started. Kept proposals count for the next ones, in the order given."""
    filled = {shift_id: t.filled for shift_id, t in terms.items()}
    holding: dict[str, list[Slot]] = {v: list(person.shifts) for v, person in volunteers.items()}
    refused = set(refused)
    kept: list[Assignment] = []
    dropped: list[Dropped] = []
    for assignment in assignments:
        shift_terms = terms.get(assignment.shift_id)
        if shift_terms is None:
            dropped.append(
                Dropped(assignment, "shift-cancelled", "The shift was cancelled meanwhile.")
            )
            continue
        if (assignment.volunteer_id, assignment.shift_id) in refused:
            dropped.append(
                Dropped(
                    assignment,
                    "declined-meanwhile",
                    "The volunteer declined or cancelled this shift meanwhile.",
                )
            )
            continue
        person = volunteers.get(assignment.volunteer_id, Volunteer())
        now_terms = replace(shift_terms, filled=filled[assignment.shift_id])
        mine = tuple(holding.get(assignment.volunteer_id, ()))
        broken = [
            r for r in refusals(now_terms, replace(person, shifts=mine), now) if r.code in RECHECKED
        ]
        if broken:
            dropped.append(Dropped(assignment, broken[0].code, broken[0].detail))
            continue
        kept.append(assignment)
        filled[assignment.shift_id] += 1
        holding.setdefault(assignment.volunteer_id, []).append(shift_terms.slot)
    return kept, dropped
