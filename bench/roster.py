"""Roster benchmark: generated street and district weeks, solved by the volunteers service's
roster model (services/volunteers/domain/roster.py).

    /work/venv/bin/python -m bench.roster            # both instances
    /work/venv/bin/python -m bench.roster street     # one of them

For each instance it prints the places filled against an upper bound computed independently
of the solver (a max-flow that ignores overlaps, rest and daily limits, so no roster can beat
it), whether coverage was proven optimal, the fairness spread and the solve time.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ortools.graph.python import max_flow

from services.volunteers.domain.roster import (
    RosterProblem,
    RosterShift,
    RosterVolunteer,
    fairness_spread,
)
from services.volunteers.domain.signup_rules import Limits

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, tzinfo=ZONE)
SKILLS = ("first_aid", "driving", "sign_language", "elderly_care", "electrician")
ROLES = ("traffic", "patrol", "visit", "desk", "event")
STARTS = ((7, 10), (8, 0), (9, 0), (13, 30), (14, 0), (16, 30), (18, 0), (19, 0))
LENGTHS = (50, 60, 90, 120, 180, 240)  # minutes
WINDOWS = ((6, 0, 12, 0), (12, 0, 18, 0), (16, 0, 22, 0), (7, 0, 21, 0))


@dataclass(frozen=True)
class Instance:
    name: str
    streets: int
    volunteers: int
    shifts: int
    places: int
    time_limit: float
    candidates_per_place: int | None
    # the whole request's wall-clock budget: the solver gets what building the model left
    budget: float | None = None


INSTANCES = {
    "street": Instance("street week", 1, 300, 400, 1_000, 10.0, None),
    "district": Instance("district week", 10, 3_000, 4_000, 10_000, 55.0, 6, budget=60.0),
}


def generate(spec: Instance, seed: int = 2026):
    """Shifts spread over 8 communities per street; volunteers serve their own street and the
    next one (so a district is one connected problem, not ten small ones)."""
    rng = random.Random(seed)
    communities = [f"s{st:02d}c{c}" for st in range(spec.streets) for c in range(8)]
    needed = [1] * spec.shifts
    for _ in range(spec.places - spec.shifts):
        needed[rng.randrange(spec.shifts)] += 1
    shifts = []
    for i in range(spec.shifts):
        day = MONDAY + timedelta(days=rng.randrange(7))
        hour, minute = rng.choice(STARTS)
        starts = day.replace(hour=hour, minute=minute)
        shifts.append(
            RosterShift(
                id=f"shf{i:05d}",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=rng.choice(LENGTHS)),
                needed=needed[i],
                community=rng.choice(communities),
                role=rng.choice(ROLES),
                required_skills=frozenset([rng.choice(SKILLS)])
                if rng.random() < 0.3
                else frozenset(),
            )
        )
    volunteers = []
    limits = Limits(max_hours_per_day=6, max_hours_per_week=12, min_rest=timedelta(minutes=30))
    for i in range(spec.volunteers):
        street = rng.randrange(spec.streets)
        serves = {c for c in communities if c.startswith(f"s{street:02d}")}
        if spec.streets > 1:
            serves |= {
                c for c in communities if c.startswith(f"s{(street + 1) % spec.streets:02d}")
            }
        windows = []
        for day in rng.sample(range(7), rng.randint(2, 5)):
            h1, m1, h2, m2 = rng.choice(WINDOWS)
            base = MONDAY + timedelta(days=day)
            windows.append((base.replace(hour=h1, minute=m1), base.replace(hour=h2, minute=m2)))
        volunteers.append(
            RosterVolunteer(
                id=f"vol{i:05d}",
                skills=frozenset(s for s in SKILLS if rng.random() < 0.25),
                availability=tuple(windows),
                home_community=rng.choice(sorted(serves)[:8]),
                preferred_roles=frozenset(rng.sample(ROLES, 2)),
                target_hours=rng.choice((2.0, 3.0, 4.0)) if rng.random() < 0.15 else 0.0,
                serves_in=frozenset(serves),
                limits=limits,
            )
        )
    return shifts, volunteers


def flow_bound(problem: RosterProblem) -> int:
    """Max places fillable if nobody's shifts could overlap: shifts ← source (open places),
    shift → volunteer (allowed pair), volunteer → sink (as many shifts as their weekly hours
    allow at their shortest allowed shift). Every roster is a flow here, so it is an upper
    bound, computed without the solver and over every allowed pair (no candidate pruning)."""
    flow = max_flow.SimpleMaxFlow()
    shift_ids = list(problem.shifts)
    volunteer_ids = list(problem.volunteers)
    source, sink = 0, 1
    shift_node = {s: 2 + i for i, s in enumerate(shift_ids)}
    volunteer_node = {v: 2 + len(shift_ids) + i for i, v in enumerate(volunteer_ids)}
    shortest: dict[str, int] = {}
    count: dict[str, int] = {}
    for shift in problem.shifts.values():
        if problem.open[shift.id] == 0:
            continue
        flow.add_arc_with_capacity(source, shift_node[shift.id], problem.open[shift.id])
        for volunteer in problem.volunteers.values():
            if problem._allowed(volunteer, shift):
                flow.add_arc_with_capacity(shift_node[shift.id], volunteer_node[volunteer.id], 1)
                shortest[volunteer.id] = min(shortest.get(volunteer.id, 10**9), shift.minutes)
                count[volunteer.id] = count.get(volunteer.id, 0) + 1
    for volunteer in problem.volunteers.values():
        if volunteer.id in shortest:
            by_hours = int(volunteer.limits.max_hours_per_week * 60) // shortest[volunteer.id]
            flow.add_arc_with_capacity(
                volunteer_node[volunteer.id], sink, min(count[volunteer.id], by_hours)
            )
    flow.solve(source, sink)
    return flow.optimal_flow()


def run(spec: Instance) -> None:
    shifts, volunteers = generate(spec)
    built = time.monotonic()
    problem = RosterProblem(shifts, volunteers, candidates_per_place=spec.candidates_per_place)
    pairs = sum(len(v) for v in problem.pairs.values())
    build_seconds = time.monotonic() - built
    limit = spec.time_limit
    if spec.budget is not None:
        limit = min(limit, spec.budget - build_seconds - 1.0)
    result = problem.solve(time_limit=limit)
    bound = flow_bound(problem)
    busiest, deviation = fairness_spread(result, problem.volunteers)
    serving = sum(1 for m in result.load_minutes.values() if m > 0)
    gap = 100 * (bound - result.filled) / bound if bound else 0.0
    print(
        f"{spec.name}: {len(volunteers)} volunteers, {len(shifts)} shifts, "
        f"{problem.open_places} places, {pairs} candidate pairs "
        f"(model built in {build_seconds:.1f} s)\n"
        f"  filled {result.filled} / bound {bound} ({gap:.2f}% below the bound), "
        f"coverage proven optimal: {result.coverage_optimal}\n"
        f"  fairness: {serving} volunteers serve, busiest {busiest:g} h, "
        f"std dev {deviation:.2f} h\n"
        f"  coverage stage {result.coverage_seconds:.1f} s; total solve time "
        f"{result.seconds:.1f} s (limit {limit:.1f} s), final status {result.status}\n"
        f"  model and solve together: {build_seconds + result.seconds:.1f} s"
        + (f" (budget {spec.budget:g} s)" if spec.budget else "")
    )


def main(argv: list[str]) -> None:
    for name in argv or list(INSTANCES):
        run(INSTANCES[name])


if __name__ == "__main__":
    main(sys.argv[1:])
