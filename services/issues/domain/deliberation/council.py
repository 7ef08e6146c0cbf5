"""The rules of the council itself: who raises topics, a community's settings, meetings and
their registrations and agendas, and what makes a resolution valid.

Plain functions over plain values; each refusal is a `CouncilRefused` with a stable code
that the API turns into a problem (409 for a state conflict, 422 for bad input, 403 for a
role that may not act)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MEETING_TYPES = {
    "pavilion_council": ("凉亭议事会", "Pavilion council"),
    "shade_tree": ("树荫下的议事会", "Meeting under the shade tree"),
    "neighbourhood_hub": ("邻里汇", "Neighbourhood hub"),
    "review_meeting": ("评议会", "Review meeting"),
}
INVITED_PARTIES = (
    "residents",
    "staff",
    "party_organisation",
    "partner_units",
    "two_reps_one_member",  # 两代表一委员: deputies to the people's congress, CPPCC member
)
MODES = ("in_person", "online", "hybrid")
OUTCOMES = ("project", "community", "referred", "rejected")
# staff of the council: they schedule meetings, set agendas, record resolutions and projects
COUNCIL_ROLES = frozenset({"party_secretary", "committee_member", "social_worker", "admin"})
# roles that may raise any issue of their scope as a topic
TOPIC_STAFF = COUNCIL_ROLES | {"grid_worker"}
DEFAULT_SUPPORT_THRESHOLD = 10
DEFAULT_QUORUM = 5


class CouncilRefused(Exception):
    """An action the council's rules refuse; `kind` is conflict, invalid or forbidden."""

    def __init__(self, kind: str, code: str, detail: str):
        super().__init__(code, detail)
        self.kind, self.code, self.detail = kind, code, detail


@dataclass(frozen=True)
class Settings:
    """A community's council settings after inheritance from its street and district."""

    support_threshold: int = DEFAULT_SUPPORT_THRESHOLD
    procedure_categories: frozenset[str] = frozenset()
    meeting_types: tuple[str, ...] = tuple(MEETING_TYPES)
    quorum: int = DEFAULT_QUORUM

    def as_dict(self) -> dict:
        return {
            "support_threshold": self.support_threshold,
            "procedure_categories": sorted(self.procedure_categories),
            "meeting_types": list(self.meeting_types),
            "quorum": self.quorum,
        }


def inherit(chain: list[dict]) -> Settings:
    """Settings from the most general node's choices to the most specific; a value left
    unset (None) keeps what the level above chose."""
    merged = Settings()
    for level in chain:
        merged = Settings(
            support_threshold=_pick(level.get("support_threshold"), merged.support_threshold),
            procedure_categories=frozenset(
                _pick(level.get("procedure_categories"), merged.procedure_categories)
            ),
            meeting_types=tuple(_pick(level.get("meeting_types"), merged.meeting_types)),
            quorum=_pick(level.get("quorum"), merged.quorum),
        )
    return merged


def _pick(value, default):
    return default if value is None else value


# -- topics ---------------------------------------------------------------------------------
def raising_via(role: str, actor_id: str, reporter_id: str) -> str:
    """How a person may raise an issue as a topic: its reporter, or staff; others support
    the issue until the community's threshold raises it."""
    if actor_id == reporter_id:
        return "reporter"
    if role in TOPIC_STAFF:
        return "staff"
    raise CouncilRefused(
        "forbidden",
        "topic-raised-by-reporter-or-staff",
        "Only the reporter or staff raise an issue as a topic; residents support it instead "
        "(it is raised when enough residents support it).",
    )


def passes_threshold(supporters: int, settings: Settings) -> bool:
    return supporters >= settings.support_threshold


def is_important(category: str, settings: Settings, asked: bool | None) -> bool:
    """Important matters pass the five-step procedure: those of a category the community
    named, or any topic staff mark important."""
    return bool(asked) or category in settings.procedure_categories


# -- meetings -------------------------------------------------------------------------------
def check_schedule(
    meeting_type: str,
    settings: Settings,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    mode: str,
    place: str | None,
    online_url: str | None,
) -> None:
    if meeting_type not in settings.meeting_types:
        raise CouncilRefused(
            "invalid",
            "meeting-type-not-offered",
            f"This community holds {', '.join(settings.meeting_types)}, not {meeting_type}.",
        )
    if ends_at <= starts_at:
        raise CouncilRefused(
            "invalid", "meeting-ends-before-start", "A meeting ends after it starts."
        )
    if starts_at <= now:
        raise CouncilRefused("invalid", "meeting-in-the-past", "A meeting is scheduled ahead.")
    if mode in ("in_person", "hybrid") and not place:
        raise CouncilRefused("invalid", "place-required", "An in-person meeting needs a place.")
    if mode in ("online", "hybrid") and not online_url:
        raise CouncilRefused("invalid", "online-url-required", "An online meeting needs a link.")


def require_status(status: str, allowed: tuple[str, ...], action: str) -> None:
    if status not in allowed:
        raise CouncilRefused(
            "conflict", "meeting-not-" + allowed[0], f"Cannot {action} a meeting that is {status}."
        )


def check_registration(capacity: int | None, registered: int, starts_at: datetime, now) -> None:
    if starts_at <= now:
        raise CouncilRefused("conflict", "meeting-started", "The meeting has already started.")
    if capacity is not None and registered >= capacity:
        raise CouncilRefused(
            "conflict", "meeting-full", f"All {capacity} places of this meeting are taken."
        )


def check_agenda(topic_ids: list[str], topics: dict[str, tuple[str, str]], community: str):
    """`topics`: id → (community, status) of the topics found (a topic already on this
    meeting's agenda counts as open). An agenda lists distinct open topics of the meeting's
    community, in order; a topic on another meeting's agenda is refused."""
    if len(set(topic_ids)) != len(topic_ids):
        raise CouncilRefused("invalid", "agenda-repeats-topic", "A topic is on the agenda once.")
    for topic_id in topic_ids:
        found = topics.get(topic_id)
        if found is None:
            raise CouncilRefused("invalid", "topic-not-found", f"No topic {topic_id}.")
        if found[0] != community:
            raise CouncilRefused(
                "invalid", "topic-of-another-community", f"Topic {topic_id} is not of {community}."
            )
        if found[1] == "on_agenda":
            raise CouncilRefused(
                "conflict", "topic-on-another-agenda", f"Topic {topic_id} is on another agenda."
            )
        if found[1] != "open":
            raise CouncilRefused(
                "conflict", "topic-already-decided", f"Topic {topic_id} is {found[1]}."
            )


# -- resolutions ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Vote:
    for_: int
    against: int
    abstain: int

    def __post_init__(self):
        if min(self.for_, self.against, self.abstain) < 0:
            raise CouncilRefused("invalid", "negative-vote", "Votes cannot be negative.")

    @property
    def cast(self) -> int:
        return self.for_ + self.against + self.abstain

    @property
    def carried(self) -> bool:
        """A simple majority of the votes cast is for."""
        return self.for_ * 2 > self.cast


def check_resolution(
    outcome: str, reasons: str | None, vote: Vote, present: int, quorum: int
) -> bool:
    """Whether quorum was met; refuses a resolution that cannot stand. Adopting (a project,
    community handling, a referral) needs quorum and a majority for; a rejection needs its
    reasons. More votes than people present is refused."""
    if outcome not in OUTCOMES:
        raise CouncilRefused("invalid", "unknown-outcome", f"Outcome is one of {OUTCOMES}.")
    quorum_met = present >= quorum
    if not quorum_met and outcome != "rejected":
        raise CouncilRefused(
            "conflict",
            "quorum-not-met",
            f"{present} present, {quorum} needed: the meeting cannot adopt a decision.",
        )
    if vote.cast > present:
        raise CouncilRefused(
            "invalid",
            "more-votes-than-present",
            f"{vote.cast} votes were cast but {present} people are recorded present.",
        )
    if outcome == "rejected":
        if not (reasons or "").strip():
            raise CouncilRefused("invalid", "reasons-required", "A rejection gives its reasons.")
        return quorum_met
    if not vote.carried:
        raise CouncilRefused(
            "conflict",
            "motion-not-carried",
            f"{vote.for_} for out of {vote.cast} cast is not a majority.",
        )
    return quorum_met


TOPIC_STATUS_AFTER = {
    "project": "adopted",
    "community": "handled",
    "referred": "referred",
    "rejected": "rejected",
}
