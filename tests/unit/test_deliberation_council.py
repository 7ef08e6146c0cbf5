"""The council's rules: inherited settings, who raises topics, meeting scheduling, agendas,
registration and what makes a resolution stand."""

from datetime import UTC, datetime, timedelta

import pytest

from services.issues.domain.deliberation.council import (
    CouncilRefused,
    Settings,
    Vote,
    check_agenda,
    check_registration,
    check_resolution,
    check_schedule,
    inherit,
    is_important,
    passes_threshold,
    raising_via,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def refused_with(code, call, *args):
    with pytest.raises(CouncilRefused) as caught:
        call(*args)
    assert caught.value.code == code
    return caught.value


def test_a_community_inherits_what_it_does_not_set_and_overrides_what_it_does():
    district = {"support_threshold": 20, "procedure_categories": ["heating"], "quorum": 9}
    street = {"support_threshold": None, "meeting_types": ["pavilion_council", "shade_tree"]}
    community = {"support_threshold": 5, "procedure_categories": []}
    found = inherit([district, street, community])
    assert found.support_threshold == 5
    assert found.procedure_categories == frozenset()  # an empty list is a choice, not unset
    assert found.meeting_types == ("pavilion_council", "shade_tree")
    assert found.quorum == 9
    assert inherit([]) == Settings()


def test_the_reporter_or_staff_raise_a_topic_and_other_residents_support_it_instead():
    assert raising_via("resident", "r1", "r1") == "reporter"
    assert raising_via("committee_member", "c1", "r1") == "staff"
    assert (
        refused_with("topic-raised-by-reporter-or-staff", raising_via, "resident", "r2", "r1").kind
        == "forbidden"
    )
    settings = Settings(support_threshold=3, procedure_categories=frozenset({"heating"}))
    assert not passes_threshold(2, settings) and passes_threshold(3, settings)
    assert is_important("heating", settings, None)
    assert not is_important("drainage", settings, None)
    assert is_important("drainage", settings, True)


def test_a_meeting_is_scheduled_ahead_with_a_place_or_a_link_as_its_mode_needs():
    settings = Settings(meeting_types=("pavilion_council",))
    later = NOW + timedelta(days=2)
    check_schedule(
        "pavilion_council",
        settings,
        later,
        later + timedelta(hours=1),
        NOW,
        "in_person",
        "凉亭",
        None,
    )
    cases = (
        ("meeting-type-not-offered", ("shade_tree", later, "in_person", "凉亭", None)),
        ("meeting-ends-before-start", ("pavilion_council", later, "in_person", "凉亭", None, True)),
        (
            "meeting-in-the-past",
            ("pavilion_council", NOW - timedelta(hours=1), "in_person", "凉亭", None),
        ),
        ("place-required", ("pavilion_council", later, "hybrid", None, "https://m.example.org/1")),
        ("online-url-required", ("pavilion_council", later, "online", None, None)),
    )
    for code, (kind, start, mode, place, url, *backwards) in cases:
        end = start - timedelta(minutes=1) if backwards else start + timedelta(hours=1)
        refused_with(code, check_schedule, kind, settings, start, end, NOW, mode, place, url)


def test_registration_stops_when_the_meeting_is_full_or_has_started():
    start = NOW + timedelta(hours=3)
    check_registration(10, 9, start, NOW)
    check_registration(None, 500, start, NOW)
    refused_with("meeting-full", check_registration, 10, 10, start, NOW)
    refused_with("meeting-started", check_registration, 10, 0, NOW, NOW)


def test_an_agenda_lists_distinct_open_topics_of_the_meetings_community():
    topics = {
        "t1": ("C1", "open"),
        "t2": ("C1", "on_agenda"),  # on another meeting's agenda
        "t3": ("C2", "open"),
        "t4": ("C1", "adopted"),
        "t5": ("C1", "open"),
    }
    check_agenda(["t5", "t1"], topics, "C1")
    refused_with("agenda-repeats-topic", check_agenda, ["t1", "t1"], topics, "C1")
    refused_with("topic-not-found", check_agenda, ["t9"], topics, "C1")
    refused_with("topic-of-another-community", check_agenda, ["t3"], topics, "C1")
    refused_with("topic-already-decided", check_agenda, ["t4"], topics, "C1")
    refused_with("topic-on-another-agenda", check_agenda, ["t2"], topics, "C1")


def test_adopting_needs_quorum_and_a_majority_and_rejecting_needs_reasons():
    assert check_resolution("project", None, Vote(6, 2, 1), present=10, quorum=7) is True
    refused_with("quorum-not-met", check_resolution, "project", None, Vote(4, 0, 0), 5, 7)
    refused_with("motion-not-carried", check_resolution, "community", None, Vote(4, 3, 1), 10, 7)
    refused_with(
        "more-votes-than-present", check_resolution, "referred", None, Vote(9, 1, 1), 10, 7
    )
    refused_with("reasons-required", check_resolution, "rejected", " ", Vote(1, 8, 0), 10, 7)
    # a rejection stands without quorum, and says so
    assert check_resolution("rejected", "无空地", Vote(1, 2, 0), present=3, quorum=7) is False
    refused_with("negative-vote", Vote, -1, 0, 0)
