"""The pavilion council's use cases: settings, topics, the five-step procedure, meetings
(schedule, reschedule, cancel, registration, agenda, attendance, minutes) and resolutions.
Each change is one transaction with its event. Projects are in `projects.py`."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from shared.db import utcnow
from shared.errors import Conflict, Forbidden, NotFound
from shared.errors import ValidationFailed as Invalid
from shared.kit import KitHandle

from ..deliberation_repository import (
    AgendaItem,
    DeliberationRepository,
    DeliberationSettings,
    Meeting,
    MeetingRegistration,
    ProcedureStep,
    Resolution,
    Topic,
)
from ..domain import lifecycle
from ..domain.deliberation import council
from ..domain.deliberation.procedure import (
    ORDER,
    Procedure,
    ProcedureRefused,
    Step,
    StepRecord,
)
from ..repository import Issue, IssueRepository
from .common import Viewer, aware, parse_time

# attendance may be recorded from an hour before the start (people gather, sign in)
DOORS_OPEN = timedelta(hours=1)


def refused(exc: council.CouncilRefused):
    error = {"conflict": Conflict, "invalid": Invalid, "forbidden": Forbidden}[exc.kind]
    return error(exc.code, exc.detail)


@contextmanager
def council_rules():
    """Run council rule checks; a refusal becomes the API's problem."""
    try:
        yield
    except council.CouncilRefused as exc:
        raise refused(exc) from None


def scheduled_meeting(repo: DeliberationRepository, meeting_id: str, action: str) -> Meeting:
    """The meeting, locked, if it is still scheduled (409 otherwise)."""
    meeting = require_meeting(repo, meeting_id)
    with council_rules():
        council.require_status(meeting.status, ("scheduled",), action)
    return meeting


def procedure_refused(exc: ProcedureRefused):
    if exc.code == "role-not-allowed-for-step":
        return Forbidden(exc.code, exc.detail)
    return Conflict(exc.code, exc.detail)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment is not None else None


def require_council(who: Viewer) -> None:
    if who.role not in council.COUNCIL_ROLES:
        raise Forbidden(
            "council-staff-only",
            "Only the party secretary, committee members, social workers or admins do this.",
        )


# -- settings -------------------------------------------------------------------------------
def settings_for(issues: IssueRepository, repo: DeliberationRepository, node: str):
    found = issues.node(node)
    chain = [*(found.ancestors if found else []), node]
    rows = repo.settings_chain(chain)
    return council.inherit(
        [
            {
                "support_threshold": row.support_threshold,
                "procedure_categories": row.procedure_categories,
                "meeting_types": row.meeting_types,
                "quorum": row.quorum,
            }
            for row in rows
        ]
    )


def get_settings(kit: KitHandle, node: str) -> dict:
    with kit.unit_of_work() as uow:
        return settings_for(
            IssueRepository(uow.session), DeliberationRepository(uow.session), node
        ).as_dict()


SETTINGS_FIELDS = ("support_threshold", "procedure_categories", "meeting_types", "quorum")


def put_settings(kit: KitHandle, node: str, payload: dict, viewer: dict) -> dict:
    """A street or community sets its threshold, important categories, meeting types and
    quorum; a field left out (or null) is inherited from the level above."""
    require_council(Viewer.of(viewer))
    unknown = set(payload.get("meeting_types") or ()) - set(council.MEETING_TYPES)
    if unknown:
        raise Invalid(
            "unknown-meeting-type",
            f"Meeting types are among {', '.join(council.MEETING_TYPES)}.",
            {"meeting_types": sorted(unknown)},
        )
    try:
        return _save_settings(kit, node, payload)
    except IntegrityError:
        # two first settings of one node at once: the one that lost the insert sets them
        # again, now as an update (the last one wins, as with any two updates)
        return _save_settings(kit, node, payload)


def _save_settings(kit: KitHandle, node: str, payload: dict) -> dict:
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        row = repo.settings(node) or DeliberationSettings(node=node)
        for name in SETTINGS_FIELDS:
            setattr(row, name, payload.get(name))
        row.updated_at = utcnow()
        repo.add(row)
        uow.session.flush()
        found = settings_for(IssueRepository(uow.session), repo, node).as_dict()
        uow.commit()
        return found


# -- topics ---------------------------------------------------------------------------------
def topic_view(repo: DeliberationRepository, topic: Topic) -> dict:
    procedure = procedure_of(repo, topic)
    return {
        "id": topic.id,
        "issue_id": topic.issue_id,
        "community": topic.community,
        "title": topic.title,
        "category": topic.category,
        "via": topic.via,
        "raised_by": topic.raised_by,
        "important": topic.important,
        "status": topic.status,
        "raised_at": iso(topic.raised_at),
        "note": topic.note,
        "procedure": {
            "steps": [
                {
                    "step": r.step.value,
                    "actor_id": r.actor_id,
                    "actor_role": r.actor_role,
                    "at": iso(r.at),
                    "note": r.note,
                }
                for r in procedure.records
            ],
            "next_step": procedure.next_step.value if procedure.next_step else None,
        }
        if topic.important
        else None,
        "resolutions": [resolution_view(r) for r in repo.resolutions_of_topic(topic.id)],
    }


def procedure_of(repo: DeliberationRepository, topic: Topic) -> Procedure:
    return Procedure(
        topic.id,
        tuple(
            StepRecord(Step(s.step), s.actor_id, s.actor_role, aware(s.at), s.note)
            for s in repo.steps(topic.id)
        ),
    )


def raise_topic(kit: KitHandle, issue_id: str, viewer: dict, payload: dict) -> dict:
    """The reporter or staff raise an open issue for deliberation (居民点题)."""
    who = Viewer.of(viewer)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        issue = issues.lock(issue_id)
        if issue is None or not who.may_see(issue):
            raise NotFound("issue-not-found", f"No issue {issue_id}.")
        with council_rules():
            via = council.raising_via(who.role, who.id, issue.reporter_id)
        if payload.get("important") and via != "staff":
            raise Forbidden("staff-only", "Only staff mark a topic as an important matter.")
        topic = open_topic(uow, issues, repo, issue, via, who.id, payload)
        uow.commit()
        return topic_view(repo, topic)


def open_topic(uow, issues, repo, issue: Issue, via: str, actor_id: str, payload: dict) -> Topic:
    if issue.kind == "dispute":
        # a mediation is private to its parties (调解): it is never put before a council
        raise Conflict("dispute-not-a-topic", "A dispute for mediation is not a council topic.")
    if repo.topic_of_issue(issue.id) is not None:
        raise Conflict("already-a-topic", f"Issue {issue.id} is already a topic.")
    if issue.status not in lifecycle.OPEN_STATUSES:
        raise Conflict("issue-not-open", f"Issue {issue.id} is {issue.status}.")
    settings = settings_for(issues, repo, issue.community)
    now = utcnow()
    topic = Topic(
        id=new_id("top"),
        issue_id=issue.id,
        community=issue.community,
        title=issue.title,
        category=issue.category,
        via=via,
        raised_by=actor_id,
        important=council.is_important(issue.category, settings, payload.get("important")),
        status="open",
        raised_at=now,
        note=payload.get("note"),
    )
    repo.add(topic)
    uow.publish(
        "issues.topic_raised",
        {
            "topic_id": topic.id,
            "issue_id": issue.id,
            "community": issue.community,
            "title": issue.title,
            "category": issue.category,
            "via": via,
            "important": topic.important,
            "actor_id": actor_id,
            "reporter_id": issue.reporter_id,
            "at": now,
        },
        community=issue.community,
        subject=topic.id,
    )
    return topic


def raise_if_supported(uow, issues: IssueRepository, issue: Issue, supporter_id: str) -> None:
    """Called when a resident supports an issue: past the community's threshold the issue
    becomes a topic by itself (once)."""
    repo = DeliberationRepository(uow.session)
    settings = settings_for(issues, repo, issue.community)
    if (
        issue.kind != "dispute"
        and council.passes_threshold(issue.supporters, settings)
        and repo.topic_of_issue(issue.id) is None
    ):
        open_topic(uow, issues, repo, issue, "supporters", supporter_id, {})


def get_topic(kit: KitHandle, topic_id: str) -> dict:
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        topic = repo.topic(topic_id)
        if topic is None:
            raise NotFound("topic-not-found", f"No topic {topic_id}.")
        return topic_view(repo, topic)


def list_topics(kit: KitHandle, node: str, status: list[str] | None) -> list[dict]:
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        return [topic_view(repo, t) for t in repo.topics(issues.communities_under(node), status)]


def record_step(kit: KitHandle, topic_id: str, step: str, viewer: dict, note: str) -> dict:
    """Record one step of the five-step procedure of an important matter; out of order,
    repeated, or by the wrong role is refused."""
    who = Viewer.of(viewer)
    try:
        wanted = Step(step)
    except ValueError:
        raise NotFound(
            "step-not-found", f"No step {step}; one of {[s.value for s in ORDER]}."
        ) from None
    if wanted in (Step.RESOLVE, Step.EVALUATE):
        raise Conflict(
            "step-recorded-by-its-act",
            "决议 is recorded by the meeting's resolution, 评议 by the residents' rating of "
            "the project.",
        )
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        topic = repo.topic(topic_id, lock=True)
        if topic is None:
            raise NotFound("topic-not-found", f"No topic {topic_id}.")
        add_step(uow, repo, topic, wanted, who, note, utcnow())
        uow.commit()
        return topic_view(repo, topic)


def add_step(uow, repo, topic: Topic, step: Step, who: Viewer, note: str, now) -> None:
    if not topic.important:
        raise Conflict(
            "not-an-important-matter",
            "Only an important matter follows the five-step procedure.",
        )
    try:
        procedure = procedure_of(repo, topic).record(step, who.id, who.role, now, note)
    except ProcedureRefused as exc:
        raise procedure_refused(exc) from None
    repo.add(
        ProcedureStep(
            topic_id=topic.id,
            step=step.value,
            position=len(procedure.records),
            actor_id=who.id,
            actor_role=who.role,
            note=note,
            at=now,
        )
    )
    uow.publish(
        "issues.procedure_step_recorded",
        {
            "topic_id": topic.id,
            "issue_id": topic.issue_id,
            "community": topic.community,
            "title": topic.title,
            "step": step.value,
            "actor_id": who.id,
            "actor_role": who.role,
            "next_step": procedure.next_step.value if procedure.next_step else None,
            "at": now,
        },
        community=topic.community,
        subject=topic.id,
    )


# -- meetings -------------------------------------------------------------------------------
def meeting_view(repo: DeliberationRepository, meeting: Meeting, full: bool = True) -> dict:
    registered = repo.registrations(meeting.id)
    data = {
        "id": meeting.id,
        "community": meeting.community,
        "meeting_type": meeting.meeting_type,
        "meeting_type_name": council.MEETING_TYPES.get(meeting.meeting_type, ("", ""))[0],
        "title": meeting.title,
        "starts_at": iso(meeting.starts_at),
        "ends_at": iso(meeting.ends_at),
        "place": meeting.place,
        "mode": meeting.mode,
        "online_url": meeting.online_url,
        "invited": meeting.invited,
        "capacity": meeting.capacity,
        "registered": len(registered),
        "quorum": meeting.quorum,
        "status": meeting.status,
        "organiser_id": meeting.organiser_id,
        "present": len(meeting.attendee_ids) + meeting.other_attendees,
        "minutes": meeting.minutes,
        "closing_report": meeting.closing_report,
        "cancel_reason": meeting.cancel_reason,
        "version": meeting.version,
    }
    if full:
        data["agenda"] = [
            {"position": item.position, "topic_id": item.topic_id}
            for item in repo.agenda(meeting.id)
        ]
        data["registrations"] = [
            {"account_id": r.account_id, "name": r.name, "registered_at": iso(r.registered_at)}
            for r in registered
        ]
        data["attendee_ids"] = list(meeting.attendee_ids)
        data["resolutions"] = [resolution_view(r) for r in repo.resolutions_of_meeting(meeting.id)]
    return data


def _meeting_event(meeting: Meeting, repo, actor_id: str, **extra) -> dict:
    return {
        "meeting_id": meeting.id,
        "community": meeting.community,
        "meeting_type": meeting.meeting_type,
        "title": meeting.title,
        "starts_at": aware(meeting.starts_at),
        "ends_at": aware(meeting.ends_at),
        "place": meeting.place,
        "mode": meeting.mode,
        "status": meeting.status,
        "actor_id": actor_id,
        "attendee_ids": [r.account_id for r in repo.registrations(meeting.id)],
        **extra,
    }


def require_meeting(repo: DeliberationRepository, meeting_id: str, lock=True) -> Meeting:
    meeting = repo.meeting(meeting_id, lock=lock)
    if meeting is None:
        raise NotFound("meeting-not-found", f"No meeting {meeting_id}.")
    return meeting


def schedule_meeting(kit: KitHandle, community: str, payload: dict, viewer: dict) -> dict:
    who = Viewer.of(viewer)
    require_council(who)
    starts_at = parse_time(payload["starts_at"], "starts_at")
    ends_at = parse_time(payload["ends_at"], "ends_at")
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        settings = settings_for(issues, repo, community)
        now = utcnow()
        with council_rules():
            council.check_schedule(
                payload["meeting_type"],
                settings,
                starts_at,
                ends_at,
                now,
                payload["mode"],
                payload.get("place"),
                payload.get("online_url"),
            )
        meeting = Meeting(
            id=new_id("mtg"),
            community=community,
            meeting_type=payload["meeting_type"],
            title=payload["title"],
            starts_at=starts_at,
            ends_at=ends_at,
            place=payload.get("place"),
            mode=payload["mode"],
            online_url=payload.get("online_url"),
            invited=payload.get("invited") or [],
            capacity=payload.get("capacity"),
            quorum=payload.get("quorum") or settings.quorum,
            status="scheduled",
            organiser_id=who.id,
            attendee_ids=[],
            other_attendees=0,
            created_at=now,
            updated_at=now,
            version=1,
        )
        repo.add(meeting)
        uow.session.flush()
        uow.publish(
            "issues.meeting_scheduled",
            _meeting_event(meeting, repo, who.id),
            community=community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def get_meeting(kit: KitHandle, meeting_id: str) -> dict:
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        return meeting_view(repo, require_meeting(repo, meeting_id, lock=False))


def list_meetings(kit: KitHandle, node: str, start: str | None, end: str | None) -> list[dict]:
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        found = repo.meetings(
            issues.communities_under(node),
            parse_time(start, "from") if start else None,
            parse_time(end, "to") if end else None,
        )
        return [meeting_view(repo, m, full=False) for m in found]


def reschedule_meeting(kit: KitHandle, meeting_id: str, payload: dict, viewer: dict) -> dict:
    """Move a scheduled meeting (time, place, mode); everyone registered is told and their
    reminders move."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "reschedule")
        previous = aware(meeting.starts_at)
        starts_at = (
            parse_time(payload["starts_at"], "starts_at") if payload.get("starts_at") else previous
        )
        ends_at = (
            parse_time(payload["ends_at"], "ends_at")
            if payload.get("ends_at")
            else starts_at + (aware(meeting.ends_at) - previous)
        )
        mode = payload.get("mode") or meeting.mode
        place = payload["place"] if "place" in payload else meeting.place
        url = payload["online_url"] if "online_url" in payload else meeting.online_url
        with council_rules():
            council.check_schedule(
                meeting.meeting_type,
                council.Settings(meeting_types=(meeting.meeting_type,)),
                starts_at,
                ends_at,
                utcnow(),
                mode,
                place,
                url,
            )
        meeting.starts_at, meeting.ends_at, meeting.mode = starts_at, ends_at, mode
        meeting.place, meeting.online_url = place, url
        meeting.updated_at, meeting.version = utcnow(), meeting.version + 1
        uow.publish(
            "issues.meeting_rescheduled",
            _meeting_event(
                meeting, repo, who.id, previous_starts_at=previous, reason=payload.get("reason")
            ),
            community=meeting.community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def cancel_meeting(kit: KitHandle, meeting_id: str, reason: str, viewer: dict) -> dict:
    who = Viewer.of(viewer)
    require_council(who)
    if not (reason or "").strip():
        raise Invalid(
            "reason-required", "A cancellation gives its reason.", {"reason": ["required"]}
        )
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "cancel")
        if repo.resolutions_of_meeting(meeting.id):
            raise Conflict(
                "meeting-has-resolutions", "The meeting has decided items: close it with minutes."
            )
        meeting.status, meeting.cancel_reason = "cancelled", reason
        meeting.updated_at, meeting.version = utcnow(), meeting.version + 1
        for topic in repo.lock_topics(item.topic_id for item in repo.agenda(meeting.id)).values():
            if topic.status == "on_agenda":
                topic.status = "open"
        uow.publish(
            "issues.meeting_cancelled",
            _meeting_event(meeting, repo, who.id, reason=reason),
            community=meeting.community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def register(kit: KitHandle, meeting_id: str, viewer: dict) -> dict:
    """A resident takes a place at a meeting (idempotent: registering twice keeps one)."""
    who = Viewer.of(viewer)
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "register for")
        existing = repo.registration(meeting.id, who.id)
        if existing is not None and existing.status == "registered":
            return meeting_view(repo, meeting)
        now = utcnow()
        with council_rules():
            council.check_registration(
                meeting.capacity, repo.registered_count(meeting.id), aware(meeting.starts_at), now
            )
        if existing is None:
            existing = MeetingRegistration(meeting_id=meeting.id, account_id=who.id)
            repo.add(existing)
        existing.name = str((viewer or {}).get("name") or "")
        existing.status, existing.registered_at = "registered", now
        uow.session.flush()
        uow.publish(
            "issues.meeting_registered",
            _registration_event(meeting, who.id),
            community=meeting.community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def unregister(kit: KitHandle, meeting_id: str, viewer: dict) -> dict:
    who = Viewer.of(viewer)
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "withdraw from")
        existing = repo.registration(meeting.id, who.id)
        if existing is None or existing.status != "registered":
            raise NotFound("registration-not-found", "You are not registered for this meeting.")
        existing.status = "cancelled"
        uow.session.flush()
        uow.publish(
            "issues.registration_cancelled",
            _registration_event(meeting, who.id),
            community=meeting.community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def _registration_event(meeting: Meeting, account_id: str) -> dict:
    return {
        "meeting_id": meeting.id,
        "community": meeting.community,
        "title": meeting.title,
        "account_id": account_id,
        "starts_at": aware(meeting.starts_at),
        "place": meeting.place,
    }


def set_agenda(kit: KitHandle, meeting_id: str, topic_ids: list[str], viewer: dict) -> dict:
    """The agenda, in order: open topics of the meeting's community. Setting it again
    replaces it (topics taken off go back to open)."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = require_meeting(repo, meeting_id)
        with council_rules():
            council.require_status(meeting.status, ("scheduled",), "set the agenda of")
            here = {item.topic_id for item in repo.agenda(meeting.id)}
            # the topics asked for and those on the agenda now, locked in one order for every
            # caller (two meetings' agendas set at once cannot deadlock on shared topics)
            locked = repo.lock_topics(set(topic_ids) | here)
            found = {k: locked[k] for k in topic_ids if k in locked}
            council.check_agenda(
                topic_ids,
                {
                    k: (t.community, "open" if k in here and t.status == "on_agenda" else t.status)
                    for k, t in found.items()
                },
                meeting.community,
            )
        for topic_id in sorted(here - set(topic_ids)):  # taken off: open again, unless decided
            old = locked.get(topic_id)
            if (
                old is not None
                and old.status == "on_agenda"
                and repo.resolution_of(meeting.id, topic_id) is None
            ):
                old.status = "open"
        repo.clear_agenda(meeting.id)
        for position, topic_id in enumerate(topic_ids, start=1):
            repo.add(AgendaItem(meeting_id=meeting.id, topic_id=topic_id, position=position))
            found[topic_id].status = "on_agenda"
        meeting.updated_at, meeting.version = utcnow(), meeting.version + 1
        uow.commit()
        return meeting_view(repo, meeting)


def record_attendance(kit: KitHandle, meeting_id: str, payload: dict, viewer: dict) -> dict:
    """Who came: registered accounts present plus a count of others (walk-ins, guests)."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "record attendance of")
        if utcnow() < aware(meeting.starts_at) - DOORS_OPEN:
            raise Conflict("meeting-not-started", "Attendance is taken when the meeting gathers.")
        meeting.attendee_ids = sorted(set(payload.get("present") or []))
        meeting.other_attendees = int(payload.get("others") or 0)
        meeting.updated_at, meeting.version = utcnow(), meeting.version + 1
        uow.commit()
        return meeting_view(repo, meeting)


def record_resolution(kit: KitHandle, meeting_id: str, payload: dict, viewer: dict) -> dict:
    """The council decides one agenda item. For an important matter this is the 决议 step of
    the five-step procedure, and the steps before it must be on record."""
    who = Viewer.of(viewer)
    require_council(who)
    with kit.unit_of_work() as uow:
        issues, repo = IssueRepository(uow.session), DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "record a resolution of")
        topic_id = payload["topic_id"]
        if topic_id not in {item.topic_id for item in repo.agenda(meeting.id)}:
            raise Conflict("topic-not-on-agenda", f"Topic {topic_id} is not on this agenda.")
        if repo.resolution_of(meeting.id, topic_id) is not None:
            raise Conflict("already-resolved", f"Topic {topic_id} already has a resolution here.")
        topic = repo.topic(topic_id, lock=True)
        if topic is None or topic.status != "on_agenda":
            raise Conflict("topic-already-decided", f"Topic {topic_id} is not open for a decision.")
        present = len(meeting.attendee_ids) + meeting.other_attendees
        if not present or utcnow() < aware(meeting.starts_at) - DOORS_OPEN:
            raise Conflict(
                "attendance-not-recorded", "A meeting decides once it has met and taken attendance."
            )
        with council_rules():
            vote = council.Vote(
                payload["votes_for"], payload["votes_against"], payload["votes_abstain"]
            )
            quorum_met = council.check_resolution(
                payload["outcome"], payload.get("reasons"), vote, present, meeting.quorum
            )
        now = utcnow()
        if topic.important:
            add_step(uow, repo, topic, Step.RESOLVE, who, payload.get("reasons") or "", now)
        resolution = Resolution(
            id=new_id("res"),
            meeting_id=meeting.id,
            topic_id=topic.id,
            community=meeting.community,
            outcome=payload["outcome"],
            reasons=payload.get("reasons"),
            votes_for=vote.for_,
            votes_against=vote.against,
            votes_abstain=vote.abstain,
            quorum_met=quorum_met,
            recorded_by=who.id,
            recorded_at=now,
        )
        repo.add(resolution)
        topic.status = council.TOPIC_STATUS_AFTER[resolution.outcome]
        issue = issues.lock(topic.issue_id)
        uow.publish(
            "issues.resolution_recorded",
            {
                "resolution_id": resolution.id,
                "meeting_id": meeting.id,
                "topic_id": topic.id,
                "issue_id": topic.issue_id,
                "community": meeting.community,
                "title": topic.title,
                "outcome": resolution.outcome,
                "reasons": resolution.reasons,
                "votes_for": vote.for_,
                "votes_against": vote.against,
                "votes_abstain": vote.abstain,
                "quorum_met": quorum_met,
                "actor_id": who.id,
                "reporter_id": issue.reporter_id if issue else topic.raised_by,
                "at": now,
            },
            community=meeting.community,
            subject=resolution.id,
        )
        uow.commit()
        return resolution_view(resolution)


def close_meeting(kit: KitHandle, meeting_id: str, payload: dict, viewer: dict) -> dict:
    """The meeting is over: minutes and the closing report are recorded; agenda items left
    undecided go back to the open topics for a later meeting."""
    who = Viewer.of(viewer)
    require_council(who)
    if not (payload.get("minutes") or "").strip():
        raise Invalid(
            "minutes-required", "Closing a meeting records its minutes.", {"minutes": ["required"]}
        )
    with kit.unit_of_work() as uow:
        repo = DeliberationRepository(uow.session)
        meeting = scheduled_meeting(repo, meeting_id, "close")
        if not meeting.attendee_ids and not meeting.other_attendees:
            raise Conflict("attendance-not-recorded", "Record who attended before closing.")
        meeting.status = "held"
        meeting.minutes, meeting.closing_report = payload["minutes"], payload.get("closing_report")
        meeting.updated_at, meeting.version = utcnow(), meeting.version + 1
        for topic in repo.lock_topics(item.topic_id for item in repo.agenda(meeting.id)).values():
            if topic.status == "on_agenda":
                topic.status = "open"
        uow.publish(
            "issues.meeting_held",
            _meeting_event(meeting, repo, who.id),
            community=meeting.community,
            subject=meeting.id,
        )
        uow.commit()
        return meeting_view(repo, meeting)


def resolution_view(resolution: Resolution) -> dict:
    return {
        "id": resolution.id,
        "meeting_id": resolution.meeting_id,
        "topic_id": resolution.topic_id,
        "community": resolution.community,
        "outcome": resolution.outcome,
        "reasons": resolution.reasons,
        "votes": {
            "for": resolution.votes_for,
            "against": resolution.votes_against,
            "abstain": resolution.votes_abstain,
        },
        "quorum_met": resolution.quorum_met,
        "recorded_by": resolution.recorded_by,
        "recorded_at": iso(resolution.recorded_at),
    }
