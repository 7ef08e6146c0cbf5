"""Automatic, fair rosters: fill a horizon's open places with volunteers, obeying every
sign-up rule and everyone's availability (why CP-SAT: docs/decisions/0003-roster-solver.md).

Objectives, in strict order:
1. fill as many places as possible (solved alone first, and proven optimal when time allows);
2. then, keeping that many places filled: fairness — the busiest volunteer works as little as
   possible, and party members who report to a community (在职党员) stay on track for their
   yearly quota;
3. then preferences (preferred roles) and proximity (serving one's home community).

Pinned and confirmed assignments are inputs, never moved: re-running the roster only fills
what is still open. Each new assignment comes with the reasons it was chosen.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from .signup_rules import Limits


@dataclass(frozen=True)
class RosterShift:
    id: str
    starts_at: datetime
    ends_at: datetime
    needed: int  # places in all, held ones included
    community: str = ""
    role: str = ""
    required_skills: frozenset[str] = frozenset()

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class RosterVolunteer:
    id: str
    skills: frozenset[str] = frozenset()
    # (start, end) windows in which the volunteer can serve; None: any time
    availability: tuple[tuple[datetime, datetime], ...] | None = None
    home_community: str = ""
    preferred_roles: frozenset[str] = frozenset()
    # hours this volunteer should serve within the horizon to stay on track (party quota)
    target_hours: float = 0.0
    # communities they are willing to serve in; None: anywhere in the roster's node
    serves_in: frozenset[str] | None = None
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Held:
    """An assignment the solver must keep: pinned by staff, confirmed by the volunteer, or a
    shift outside the horizon that still counts for overlaps and hour limits."""

    volunteer_id: str
    shift: RosterShift


@dataclass(frozen=True)
class Assignment:
    volunteer_id: str
    shift_id: str
    reasons: tuple[str, ...]


@dataclass
class RosterResult:
    assignments: list[Assignment]
    filled: int  # places filled by this run
    open_places: int  # places open before this run
    coverage_optimal: bool  # the solver proved no roster fills more places
    status: str
    seconds: float
    load_minutes: dict[str, int]  # per volunteer, held shifts included
    coverage_seconds: float = 0.0  # time to stage 1's answer (its proof, when optimal)
    # stage 2 (fairness, then preferences): OPTIMAL or FEASIBLE when it found a roster;
    # otherwise the stage-1 roster stands and the reasons make no fairness claim
    fairness_status: str = "NOT_RUN"

    @property
    def fairness_applied(self) -> bool:
        return self.fairness_status in ("OPTIMAL", "FEASIBLE")

    @property
    def unfilled(self) -> int:
        return self.open_places - self.filled


def available(volunteer: RosterVolunteer, shift: RosterShift) -> bool:
    if volunteer.availability is None:
        return True
    return any(
        start <= shift.starts_at and shift.ends_at <= end for start, end in volunteer.availability
    )


def eligible(volunteer: RosterVolunteer, shift: RosterShift) -> bool:
    """Skills, availability and where they serve: what makes a pair possible at all."""
    if volunteer.serves_in is not None and shift.community not in volunteer.serves_in:
        return False
    return shift.required_skills <= volunteer.skills and available(volunteer, shift)


def _clashes(a: RosterShift, b: RosterShift, rest: timedelta) -> bool:
    return a.starts_at < b.ends_at + rest and b.starts_at < a.ends_at + rest


def _cliques(shifts: list[RosterShift], rest: timedelta) -> list[list[RosterShift]]:
    """Maximal groups of mutually clashing shifts (an interval graph: a sweep finds them all),
    so "at most one of each group" forbids every overlap with one constraint per group."""
    cliques: list[list[RosterShift]] = []
    active: list[RosterShift] = []
    added_since_recorded = False
    for shift in sorted(shifts, key=lambda s: s.starts_at):
        still = [s for s in active if s.ends_at + rest > shift.starts_at]
        if len(still) < len(active) and added_since_recorded:
            if len(active) > 1:
                cliques.append(active)
            added_since_recorded = False
        active = [*still, shift]
        added_since_recorded = True
    if added_since_recorded and len(active) > 1:
        cliques.append(active)
    return cliques


class RosterProblem:
    def __init__(
        self,
        shifts: Sequence[RosterShift],
        volunteers: Sequence[RosterVolunteer],
        held: Iterable[Held] = (),
        *,
        candidates_per_place: int | None = None,
        excluded: Iterable[tuple[str, str]] = (),
    ) -> None:
        # (volunteer, shift) pairs never to propose: declined or cancelled by the volunteer
        self.excluded = set(excluded)
        self.shifts = {s.id: s for s in shifts}
        self.volunteers = {v.id: v for v in volunteers}
        self.held = list(held)
        self.held_by_volunteer: dict[str, list[RosterShift]] = defaultdict(list)
        held_count: dict[str, int] = defaultdict(int)
        for h in self.held:
            self.held_by_volunteer[h.volunteer_id].append(h.shift)
            held_count[h.shift.id] += 1
        self.open = {s.id: max(0, s.needed - held_count[s.id]) for s in shifts}
        self.pairs = self._pairs(candidates_per_place)

    def _allowed(self, volunteer: RosterVolunteer, shift: RosterShift) -> bool:
        if (volunteer.id, shift.id) in self.excluded or not eligible(volunteer, shift):
            return False
        rest = volunteer.limits.min_rest
        for other in self.held_by_volunteer.get(volunteer.id, ()):
            if other.id == shift.id or _clashes(other, shift, rest):
                return False
        return True

    def _preference(self, volunteer: RosterVolunteer, shift: RosterShift) -> int:
        score = 0
        if shift.community and shift.community == volunteer.home_community:
            score += 2
        if shift.role and shift.role in volunteer.preferred_roles:
            score += 1
        return score

    def _pairs(self, per_place: int | None) -> dict[str, list[str]]:
        """Candidate volunteers per shift. With `per_place`, only the best-placed few per open
        place are kept (home community and preferences first, then the least busy), which
        keeps a district-wide model small; the benchmark measures what that costs."""
        pairs: dict[str, list[str]] = {}
        anywhere = [v for v in self.volunteers.values() if v.serves_in is None]
        serving_in: dict[str, list[RosterVolunteer]] = defaultdict(list)
        for volunteer in self.volunteers.values():
            for community in volunteer.serves_in or ():
                serving_in[community].append(volunteer)
        for shift in self.shifts.values():
            if self.open[shift.id] == 0:
                continue
            nearby = [*anywhere, *serving_in.get(shift.community, ())]
            found = [v for v in nearby if self._allowed(v, shift)]
            if per_place is not None:
                limit = per_place * self.open[shift.id]
                if len(found) > limit:
                    found.sort(key=lambda v: (-self._preference(v, shift), v.id))
                    found = found[:limit]
            pairs[shift.id] = [v.id for v in found]
        return pairs

    @property
    def open_places(self) -> int:
        return sum(self.open.values())

    def _model(self):
        model = cp_model.CpModel()
        x: dict[tuple[str, str], cp_model.IntVar] = {}
        by_volunteer: dict[str, list[str]] = defaultdict(list)
        for shift_id, volunteer_ids in self.pairs.items():
            for volunteer_id in volunteer_ids:
                x[volunteer_id, shift_id] = model.new_bool_var(f"x_{volunteer_id}_{shift_id}")
                by_volunteer[volunteer_id].append(shift_id)
        for shift_id, volunteer_ids in self.pairs.items():
            model.add(sum(x[v, shift_id] for v in volunteer_ids) <= self.open[shift_id])
        load: dict[str, cp_model.LinearExpr] = {}
        for volunteer_id, shift_ids in by_volunteer.items():
            volunteer = self.volunteers[volunteer_id]
            limits = volunteer.limits
            mine = [self.shifts[s] for s in shift_ids]
            for clique in _cliques(mine, limits.min_rest):
                model.add_at_most_one(x[volunteer_id, s.id] for s in clique)
            zone = ZoneInfo(limits.timezone)
            held = self.held_by_volunteer.get(volunteer_id, [])
            for key_of, cap in (
                (
                    lambda s, zone=zone: s.starts_at.astimezone(zone).date(),
                    limits.max_hours_per_day,
                ),
                (
                    lambda s, zone=zone: tuple(
                        s.starts_at.astimezone(zone).date().isocalendar()[:2]
                    ),
                    limits.max_hours_per_week,
                ),
            ):
                groups: dict[object, list[RosterShift]] = defaultdict(list)
                for s in mine:
                    groups[key_of(s)].append(s)
                for key, group in groups.items():
                    used = sum(h.minutes for h in held if key_of(h) == key)
                    budget = int(cap * 60) - used
                    if sum(s.minutes for s in group) > budget:
                        model.add(sum(s.minutes * x[volunteer_id, s.id] for s in group) <= budget)
            load[volunteer_id] = sum(s.minutes * x[volunteer_id, s.id] for s in mine)
        return model, x, load

    def solve(self, time_limit: float = 10.0, workers: int = 2) -> RosterResult:
        started = time.monotonic()
        model, x, load = self._model()
        filled_expr = sum(x.values())
        # Stage 1: as many places as possible, alone, so that fairness never costs a place.
        model.maximize(filled_expr)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = workers
        solver.parameters.linearization_level = 2  # the LP relaxation proves coverage sooner
        solver.parameters.max_time_in_seconds = max(0.1, time_limit * 0.9)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return RosterResult(
                [],
                0,
                self.open_places,
                False,
                solver.status_name(status),
                time.monotonic() - started,
                {},
            )
        coverage_seconds = time.monotonic() - started
        best = int(round(solver.objective_value))
        coverage_optimal = status == cp_model.OPTIMAL
        hint = {key: solver.boolean_value(var) for key, var in x.items()}

        # Stage 2: keep that many places and spread the work fairly; then preferences.
        model.add(filled_expr >= best)
        held_minutes = {
            v: sum(s.minutes for s in shifts) for v, shifts in self.held_by_volunteer.items()
        }
        total_load = {v: held_minutes.get(v, 0) + load.get(v, 0) for v in self.volunteers}
        # the most anyone could carry: what they hold plus every shift they are a candidate
        # for (a month's horizon goes well past a week's minutes)
        candidate_minutes: dict[str, int] = defaultdict(int)
        for v, s in x:
            candidate_minutes[v] += self.shifts[s].minutes
        most = max(
            (held_minutes.get(v, 0) + candidate_minutes.get(v, 0) for v in self.volunteers),
            default=0,
        )
        busiest = model.new_int_var(0, max(most, 1), "busiest")
        for v, expr in total_load.items():
            if v in load:
                model.add(busiest >= expr)
            else:
                model.add(busiest >= held_minutes.get(v, 0))
        shortfalls = []
        for v, volunteer in self.volunteers.items():
            if volunteer.target_hours > 0 and v in load:
                short = model.new_int_var(0, int(volunteer.target_hours * 60), f"short_{v}")
                model.add(short >= int(volunteer.target_hours * 60) - total_load[v])
                shortfalls.append(short)
        preference = sum(
            self._preference(self.volunteers[v], self.shifts[s]) * var for (v, s), var in x.items()
        )
        # weights keep the order: a minute less for the busiest outweighs all preferences
        pref_scale = 1 + 3 * len(x)
        model.minimize(pref_scale * 4 * busiest + pref_scale * sum(shortfalls) - preference)
        for key, var in x.items():
            model.add_hint(var, hint[key])
        solver2 = cp_model.CpSolver()
        solver2.parameters.num_workers = workers
        solver2.parameters.max_time_in_seconds = max(0.1, time_limit - (time.monotonic() - started))
        status2 = solver2.solve(model)
        fair = status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        chosen = solver2 if fair else solver
        picked = [key for key, var in x.items() if chosen.boolean_value(var)]
        minutes = dict(held_minutes)
        for v, s in picked:
            minutes[v] = minutes.get(v, 0) + self.shifts[s].minutes
        assignments = [
            Assignment(v, s, self._reasons(self.volunteers[v], self.shifts[s], minutes, fair))
            for v, s in sorted(picked, key=lambda p: (p[1], p[0]))
        ]
        return RosterResult(
            assignments=assignments,
            filled=len(picked),
            open_places=self.open_places,
            coverage_optimal=coverage_optimal,
            status=solver2.status_name(status2)
            if chosen is solver2
            else solver.status_name(status),
            seconds=time.monotonic() - started,
            load_minutes=minutes,
            coverage_seconds=coverage_seconds,
            fairness_status=solver2.status_name(status2),
        )

    def _reasons(
        self,
        volunteer: RosterVolunteer,
        shift: RosterShift,
        minutes: dict[str, int],
        fair: bool = True,
    ) -> tuple[str, ...]:
        reasons = []
        if shift.required_skills:
            reasons.append(
                "has the required qualifications: " + ", ".join(sorted(shift.required_skills))
            )
        reasons.append("available at that time, no overlap, within hour and rest limits")
        if shift.community and shift.community == volunteer.home_community:
            reasons.append("lives in the shift's community")
        if shift.role and shift.role in volunteer.preferred_roles:
            reasons.append(f"prefers the role {shift.role}")
        hours = minutes.get(volunteer.id, 0) / 60
        if fair:
            reasons.append(
                f"{hours:g} h in this roster, keeping the busiest volunteer as light as possible"
            )
        else:
            reasons.append(f"{hours:g} h in this roster (no time was left to balance the load)")
        if volunteer.target_hours > 0:
            reasons.append(f"party-member quota: {volunteer.target_hours:g} h due in this period")
        return tuple(reasons)


def quota_due(quota_hours: float, served_hours: float, horizon_end: date) -> float:
    """Hours a party member should still serve by the horizon's end to be on track for
    their yearly quota (pro rata of the year), after what they served this year."""
    year_start = date(horizon_end.year, 1, 1)
    elapsed = ((horizon_end - year_start).days + 1) / (
        date(horizon_end.year, 12, 31).timetuple().tm_yday
    )
    return max(0.0, round(quota_hours * elapsed - served_hours, 2))


def fairness_spread(result: RosterResult, volunteer_ids: Iterable[str]) -> tuple[float, float]:
    """(busiest volunteer's hours, standard deviation of hours) among those who serve."""
    hours = [result.load_minutes.get(v, 0) / 60 for v in volunteer_ids]
    serving = [h for h in hours if h > 0]
    if not serving:
        return 0.0, 0.0
    mean = sum(serving) / len(serving)
    return max(serving), (sum((h - mean) ** 2 for h in serving) / len(serving)) ** 0.5
