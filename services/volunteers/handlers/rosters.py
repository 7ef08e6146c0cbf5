"""Automatic filling of a node's open places over a horizon (a community's week, a street's
month) by the roster model in domain/roster.py, as a roster run.

A run is a row in `roster_runs`. `start_roster_run` queues it (the API answers 202 at once);
a worker takes it up on a timer (`run_next_roster`), with `SELECT ... FOR UPDATE SKIP LOCKED`
so replicas never take the same run, holds it under a lease it renews while solving, and
saves the proposals after checking them again under lock (domain/roster_runs.py). A run
whose worker died is taken up again once its lease runs out. `fill_roster` is the same run
done inside one RPC call, for horizons small enough to solve in a few seconds.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import eventlet
from eventlet import tpool
from eventlet.event import Event
from sqlalchemy import select

from shared.db import utcnow
from shared.db.unit_of_work import run_idempotent
from shared.errors import NotFound, PavilionError
from shared.kit import KitHandle
from shared.logging import get_logger

from .. import settings
from ..domain.roster import (
    Held,
    RosterProblem,
    RosterResult,
    RosterShift,
    RosterVolunteer,
    quota_due,
)
from ..domain.roster_runs import ClaimAction, RunStatus, after_error, on_claim, recheck
from ..domain.signup_rules import Volunteer
from ..repository import (
    HoursEntry,
    RosterRun,
    RosterRunRepository,
    Shift,
    ShiftRepository,
    Signup,
    VolunteerProfile,
)
from ..schemas import PageInput, RosterInput, RosterRunInput
from .common import (
    aware,
    confirmed_skills,
    decode_cursor,
    encode_cursor,
    limits_of,
    load,
    shift_facts,
    slot,
    terms_of,
)

ZONE = ZoneInfo("Asia/Shanghai")
# held places this far around the horizon count for overlaps, rest and weekly hours
MARGIN = timedelta(days=7)

log = get_logger(__name__)


def _horizon(first: date, last: date) -> tuple[datetime, datetime]:
    starts = datetime.combine(first, time(), ZONE).astimezone(UTC)
    ends = datetime.combine(last + timedelta(days=1), time(), ZONE).astimezone(UTC)
    return starts, ends


def _roster_shift(shift: Shift) -> RosterShift:
    return RosterShift(
        id=shift.id,
        starts_at=aware(shift.starts_at),
        ends_at=aware(shift.ends_at),
        needed=shift.capacity,
        community=shift.community,
        role=shift.role or "",
        required_skills=frozenset(shift.required_skills or ()),
    )


def _windows(profile: VolunteerProfile, first: date, last: date):
    """Weekly availability windows, as dated windows over the horizon; none given: any time."""
    if not profile.availability:
        return None
    windows = []
    day = first
    while day <= last:
        for window in profile.availability:
            if window["weekday"] == day.isoweekday():
                windows.append(
                    (
                        datetime.combine(day, time.fromisoformat(window["starts"]), ZONE),
                        datetime.combine(day, time.fromisoformat(window["ends"]), ZONE),
                    )
                )
        day += timedelta(days=1)
    return tuple(windows)


def _roster_volunteer(
    profile: VolunteerProfile, first: date, last: date, served_minutes: int
) -> RosterVolunteer:
    target = 0.0
    if profile.kind == "party_member" and profile.yearly_quota_hours:
        target = quota_due(profile.yearly_quota_hours, served_minutes / 60, last)
    return RosterVolunteer(
        id=profile.id,
        skills=confirmed_skills(profile),
        availability=_windows(profile, first, last),
        home_community=profile.home_community,
        preferred_roles=frozenset(profile.preferred_roles or ()),
        target_hours=target,
        limits=limits_of(profile),
    )


def _iso(value: datetime | None) -> str | None:
    value = aware(value)
    return value.isoformat() if value else None


def _run_view(run: RosterRun, *, with_assignments: bool = True) -> dict:
    """A run as the API shows it; a list leaves out the assignments (`with_assignments`),
    which are then never read from the database."""
    result = run.result
    if result is not None and with_assignments:
        result = {**result, **(run.assignments or {})}
    return {
        "id": run.id,
        "node": run.node,
        "starts_on": run.starts_on.isoformat(),
        "ends_on": run.ends_on.isoformat(),
        "time_limit_seconds": run.time_limit_seconds,
        "requested_by": run.requested_by,
        "status": run.status,
        "attempts": run.attempts,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "progress": run.progress,
        "result": result,
        "error": run.error,
    }


def _new_token() -> str:
    return f"wrk-{uuid.uuid4().hex}"


# -- use cases ------------------------------------------------------------------------------


def start_roster_run(kit: KitHandle, payload: dict, idempotency_key: str | None = None) -> dict:
    """Queue a roster run for a node and horizon; a worker solves it in the background.
    Pinned, confirmed and earlier proposed places are kept, as by `fill_roster`."""
    data = load(RosterRunInput(), payload)

    def create(uow) -> dict:
        if ShiftRepository(uow.session).node(data["node"]) is None:
            raise NotFound("node-not-found", f"No directory node {data['node']}.")
        run = RosterRun(
            id=f"ros-{uuid.uuid4().hex[:16]}",
            node=data["node"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            time_limit_seconds=data["time_limit_seconds"],
            requested_by=data["requested_by"],
            status=RunStatus.QUEUED.value,
            attempts=0,
            progress={"stage": "queued"},
            correlation_id=kit.correlation_id,
            created_at=utcnow(),
        )
        RosterRunRepository(uow.session).add(run)
        uow.session.flush()
        return _run_view(run)

    result, _ = run_idempotent(
        kit.unit_of_work,
        f"start_roster_run:{data['requested_by']}",
        idempotency_key,
        payload,
        create,
    )
    return result


def get_roster_run(kit: KitHandle, run_id: str) -> dict:
    with kit.unit_of_work() as uow:
        run = RosterRunRepository(uow.session).get(run_id)
        if run is None:
            raise NotFound("roster-run-not-found", f"No roster run {run_id}.")
        return _run_view(run)


def list_roster_runs(kit: KitHandle, node: str, query: dict) -> dict:
    """A node's roster runs, newest first, without their assignments; cursor pagination."""
    data = load(PageInput(), query)
    after = decode_cursor(
        data["cursor"], 2, lambda text: datetime.fromisoformat(text).astimezone(UTC)
    )
    key = tuple(after) if after is not None else None
    with kit.unit_of_work() as uow:
        page = RosterRunRepository(uow.session).of_node(node, data["limit"] + 1, key)
    more, page = len(page) > data["limit"], page[: data["limit"]]
    items = [_run_view(run, with_assignments=False) for run in page]
    last = page[-1] if page else None
    cursor = encode_cursor(_iso(last.created_at), last.id) if more and last else None
    return {"items": items, "next_cursor": cursor}


def fill_roster(kit: KitHandle, payload: dict) -> dict:
    """Fill a small horizon within this call (at most a few seconds of solving): the run is
    recorded like a background one (`GET /v1/roster-runs/{id}` shows it afterwards)."""
    data = load(RosterInput(), payload)
    token = _new_token()
    now = utcnow()
    with kit.unit_of_work() as uow:
        if ShiftRepository(uow.session).node(data["node"]) is None:
            raise NotFound("node-not-found", f"No directory node {data['node']}.")
        run = RosterRun(
            id=f"ros-{uuid.uuid4().hex[:16]}",
            node=data["node"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            time_limit_seconds=data["time_limit_seconds"],
            requested_by=data["requested_by"],
            status=RunStatus.RUNNING.value,
            attempts=1,
            claimed_by=token,
            lease_until=now + settings.roster_lease(),
            progress={"stage": "loading"},
            correlation_id=kit.correlation_id,
            created_at=now,
            started_at=now,
        )
        RosterRunRepository(uow.session).add(run)
        uow.commit()
    _execute(kit, run.id, token, retry=False)
    view = get_roster_run(kit, run.id)
    return {
        "id": view["id"],
        "node": view["node"],
        "starts_on": view["starts_on"],
        "ends_on": view["ends_on"],
        "status": view["status"],
        **(view["result"] or {}),
    }


def run_next_roster(kit: KitHandle) -> str | None:
    """Take up the oldest queued roster run (or one whose worker died) and solve it; the id
    of the run worked on, or None when there was nothing to do."""
    while True:
        claimed = _claim(kit)
        if claimed is None:
            return None
        run_id, token, correlation_id = claimed
        if token is None:
            continue  # given up after too many attempts; look for the next one
        # the run's events carry the correlation id of the request that asked for it
        kit.correlation_id = correlation_id
        _execute(kit, run_id, token, retry=True)
        return run_id


# -- the worker's steps ---------------------------------------------------------------------


def _claim(kit: KitHandle) -> tuple[str, str | None, str | None] | None:
    now = utcnow()
    with kit.unit_of_work() as uow:
        run = RosterRunRepository(uow.session).next_claimable(now)
        if run is None:
            return None
        if on_claim(run.attempts) is ClaimAction.GIVE_UP:
            log.warning("roster run abandoned", roster_id=run.id, attempts=run.attempts)
            _finish_failed(
                uow,
                run,
                "roster-run-abandoned",
                f"The run was tried {run.attempts} times and its worker stopped each time.",
            )
            uow.commit()
            return run.id, None, None
        token = _new_token()
        run.status = RunStatus.RUNNING.value
        run.claimed_by = token
        run.lease_until = now + settings.roster_lease()
        run.attempts += 1
        run.started_at = run.started_at or now
        run.progress = {"stage": "loading"}
        uow.commit()
        return run.id, token, run.correlation_id


def _owned(run: RosterRun | None, token: str) -> bool:
    return run is not None and run.claimed_by == token and run.status == RunStatus.RUNNING


def _execute(kit: KitHandle, run_id: str, token: str, *, retry: bool) -> None:
    """Load, solve (off the event loop, renewing the lease) and save one claimed run."""
    try:
        with kit.unit_of_work() as uow:
            run = RosterRunRepository(uow.session).get(run_id)
            if not _owned(run, token):
                return
            problem_inputs, counts = _load_inputs(uow, run)
            time_limit = run.time_limit_seconds
            run.progress = {
                "stage": "solving",
                **counts,
                "solving_since": utcnow().isoformat(),
                "time_limit_seconds": time_limit,
            }
            uow.commit()
        result = _solve(kit, run_id, token, problem_inputs, time_limit)
        with kit.unit_of_work() as uow:
            if _save(uow, run_id, token, result, counts):
                uow.commit()
    except NotFound as exc:  # the node left the directory: trying again will not help
        _fail(kit, run_id, token, exc.code, exc.detail, final=True)
        if not retry:
            raise
    except Exception as exc:
        log.exception("roster run failed", roster_id=run_id)
        code = exc.code if isinstance(exc, PavilionError) else "roster-run-error"
        _fail(kit, run_id, token, code, str(exc)[:500], final=not retry)
        if not retry:
            raise


def _load_inputs(uow, run: RosterRun) -> tuple[dict, dict]:
    """The roster problem's inputs as the database holds them now."""
    repo = ShiftRepository(uow.session)
    if repo.node(run.node) is None:
        raise NotFound("node-not-found", f"No directory node {run.node}.")
    first, last = run.starts_on, run.ends_on
    starts, ends = _horizon(first, last)
    communities = repo.communities_under(run.node)
    shifts = repo.shifts_between(communities, starts, ends)
    profiles = repo.profiles_in(communities)
    volunteer_ids = [p.id for p in profiles]
    held = [
        Held(signup.volunteer_id, _roster_shift(shift))
        for signup, shift in repo.holding_of_volunteers(
            volunteer_ids, starts - MARGIN, ends + MARGIN
        )
    ]
    # places held by people without a profile still take their place
    known = set(volunteer_ids)
    shift_ids = [s.id for s in shifts]
    by_id = {s.id: s for s in shifts}
    for signup in repo.holding_signups(shift_ids):
        if signup.volunteer_id not in known:
            held.append(Held(signup.volunteer_id, _roster_shift(by_id[signup.shift_id])))
    # people who declined or cancelled a shift are not proposed for it again
    excluded = _refused(uow, shift_ids)
    year_start = datetime.combine(date(first.year, 1, 1), time(), ZONE).astimezone(UTC)
    served: dict[str, int] = defaultdict(int)
    if volunteer_ids:
        for volunteer_id, minutes in uow.session.execute(
            select(HoursEntry.volunteer_id, HoursEntry.minutes).where(
                HoursEntry.volunteer_id.in_(volunteer_ids),
                HoursEntry.verified_at.is_not(None),
                HoursEntry.recorded_at >= year_start,
            )
        ):
            served[volunteer_id] += minutes
    inputs = {
        "shifts": [_roster_shift(s) for s in shifts],
        "volunteers": [_roster_volunteer(p, first, last, served.get(p.id, 0)) for p in profiles],
        "held": held,
        "excluded": excluded,
    }
    counts = {"shifts": len(shifts), "volunteers": len(profiles), "held_places": len(held)}
    return inputs, counts


def _refused(uow, shift_ids: list[str]) -> set[tuple[str, str]]:
    if not shift_ids:
        return set()
    rows = uow.session.execute(
        select(Signup.volunteer_id, Signup.shift_id).where(
            Signup.shift_id.in_(shift_ids), Signup.status.in_(("declined", "cancelled"))
        )
    )
    return {(volunteer_id, shift_id) for volunteer_id, shift_id in rows}


def _build_and_solve(inputs: dict, time_limit: float, workers: int) -> RosterResult:
    problem = RosterProblem(
        inputs["shifts"], inputs["volunteers"], inputs["held"], excluded=inputs["excluded"]
    )
    return problem.solve(time_limit=time_limit, workers=workers)


def _solve(
    kit: KitHandle, run_id: str, token: str, inputs: dict, time_limit: float
) -> RosterResult:
    """Solve in a native thread, so the service keeps answering while CP-SAT works, and renew
    the run's lease meanwhile so that no other worker takes it up."""
    lease = settings.roster_lease()
    stop = Event()

    def renew() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                with kit.unit_of_work() as uow:
                    repo = RosterRunRepository(uow.session)
                    held = repo.renew_lease(run_id, token, utcnow() + lease)
                    uow.commit()
            except Exception as exc:  # a database blip must not throw the solve away
                log.warning("roster.lease_renewal_failed", run_id=run_id, error=str(exc))
                continue
            if not held:
                return

    renewer = eventlet.spawn(renew)
    try:
        return tpool.execute(_build_and_solve, inputs, time_limit, settings.roster_solver_workers())
    finally:
        stop.send(True)
        renewer.wait()


def _save(uow, run_id: str, token: str, result: RosterResult, counts: dict) -> bool:
    """Save the proposals that still pass every rule, announce them and the run; False when
    the run is no longer this worker's (its lease ran out and another worker took it)."""
    runs = RosterRunRepository(uow.session)
    run = runs.get(run_id, for_update=True)
    if not _owned(run, token):
        log.warning("roster run taken over by another worker", roster_id=run_id)
        return False
    repo = ShiftRepository(uow.session)
    shift_ids = sorted({a.shift_id for a in result.assignments})
    # locking the shifts (in id order, as sign-ups do one by one) makes the places counted
    # below the places that are free when the proposals are saved
    locked = {
        s.id: s
        for s in uow.session.scalars(
            select(Shift).where(Shift.id.in_(shift_ids)).order_by(Shift.id).with_for_update()
        )
    }
    live = {shift_id: s for shift_id, s in locked.items() if s.cancelled_at is None}
    taken: dict[str, int] = defaultdict(int)
    for signup in repo.holding_signups(list(live)):
        taken[signup.shift_id] += 1
    terms = {shift_id: terms_of(s, taken[shift_id]) for shift_id, s in live.items()}
    volunteer_ids = sorted({a.volunteer_id for a in result.assignments})
    starts, ends = _horizon(run.starts_on, run.ends_on)
    holding: dict[str, list] = defaultdict(list)
    for signup, shift in repo.holding_of_volunteers(volunteer_ids, starts - MARGIN, ends + MARGIN):
        holding[signup.volunteer_id].append(slot(shift))
    profiles = {
        p.id: p
        for p in uow.session.scalars(
            select(VolunteerProfile).where(VolunteerProfile.id.in_(volunteer_ids))
        )
    }
    people = {
        v: Volunteer(
            skills=confirmed_skills(profiles.get(v)),
            shifts=tuple(holding[v]),
            limits=limits_of(profiles.get(v)),
        )
        for v in volunteer_ids
    }
    now = utcnow()
    kept, dropped = recheck(result.assignments, terms, people, now, _refused(uow, shift_ids))
    assignments = []
    # earlier sign-ups of the same pairs (declined ones were refused above), read at once
    earlier = repo.signups_of_pairs((a.shift_id, a.volunteer_id) for a in kept)
    for assignment in kept:
        shift = live[assignment.shift_id]
        signup = earlier.get((shift.id, assignment.volunteer_id))
        if signup is None:
            signup = Signup(
                id=f"sig-{uuid.uuid4().hex[:16]}",
                shift_id=shift.id,
                volunteer_id=assignment.volunteer_id,
                created_at=now,
                pinned=False,
            )
            repo.add(signup)
        signup.status, signup.updated_at = "proposed", now
        signup.reasons, signup.decided_by = list(assignment.reasons), run.requested_by
        uow.publish(
            "volunteers.shift_assigned",
            {
                "signup_id": signup.id,
                **shift_facts(shift),
                "volunteer_id": assignment.volunteer_id,
                "roster_id": run.id,
                "reasons": list(assignment.reasons),
            },
            community=shift.community,
            subject=shift.id,
        )
        assignments.append(
            {
                "signup_id": signup.id,
                "shift_id": shift.id,
                "volunteer_id": assignment.volunteer_id,
                "reasons": list(assignment.reasons),
            }
        )
    summary = {
        "shifts": counts["shifts"],
        "volunteers": counts["volunteers"],
        "open_places": result.open_places,
        "filled": len(kept),
        "unfilled": result.open_places - len(kept),
        "dropped": len(dropped),
        "coverage_optimal": result.coverage_optimal,
        "solver_status": result.status,
        "fairness_status": result.fairness_status,
        "seconds": round(result.seconds, 3),
    }
    run.status = RunStatus.DONE.value
    run.result = summary
    run.assignments = {
        "assignments": assignments,
        "dropped_assignments": [
            {
                "shift_id": d.assignment.shift_id,
                "volunteer_id": d.assignment.volunteer_id,
                "code": d.code,
                "detail": d.detail,
            }
            for d in dropped
        ],
    }
    run.progress = {"stage": "done", **counts}
    run.finished_at, run.lease_until = now, None
    uow.publish(
        "volunteers.roster_filled",
        {
            "roster_id": run.id,
            "node": run.node,
            "starts_on": run.starts_on,
            "ends_on": run.ends_on,
            "requested_by": run.requested_by,
            **{k: summary[k] for k in ("shifts", "open_places", "filled", "unfilled", "dropped")},
            "coverage_optimal": result.coverage_optimal,
        },
        community=_community_or_none(repo, run.node),
        subject=run.id,
    )
    return True


def _community_or_none(repo: ShiftRepository, code: str) -> str | None:
    node = repo.node(code)
    return code if node is not None and node.kind == "community" else None


def _finish_failed(uow, run: RosterRun, code: str, detail: str) -> None:
    run.status = RunStatus.FAILED.value
    run.error = {"code": code, "detail": detail}
    run.progress = {"stage": "failed"}
    run.finished_at, run.lease_until = utcnow(), None
    uow.publish(
        "volunteers.roster_failed",
        {
            "roster_id": run.id,
            "node": run.node,
            "starts_on": run.starts_on,
            "ends_on": run.ends_on,
            "requested_by": run.requested_by,
            "attempts": run.attempts,
            "code": code,
            "detail": detail,
        },
        community=_community_or_none(ShiftRepository(uow.session), run.node),
        subject=run.id,
    )


def _fail(kit: KitHandle, run_id: str, token: str, code: str, detail: str, *, final: bool) -> None:
    """Put a run that hit an error back in the queue, or fail it after its last try."""
    try:
        with kit.unit_of_work() as uow:
            run = RosterRunRepository(uow.session).get(run_id, for_update=True)
            if not _owned(run, token):
                return
            if final or after_error(run.attempts) is RunStatus.FAILED:
                _finish_failed(uow, run, code, detail)
            else:
                run.status, run.claimed_by, run.lease_until = RunStatus.QUEUED.value, None, None
                run.error = {"code": code, "detail": detail}
                run.progress = {"stage": "queued"}
            uow.commit()
    except Exception:
        # the database is out of reach too: the lease runs out and another worker retries
        log.exception("could not record a roster run's failure", roster_id=run_id)
