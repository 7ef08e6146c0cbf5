"""The notifications service's decisions, without broker or database: who hears, on which
channel, when (quiet hours, digests), and what happens after a failed attempt."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from services.notifications.domain.audiences import Followers, Person, RoleAt, Within, resolve
from services.notifications.domain.delivery import (
    PermanentFailure,
    ProviderDown,
    RateLimiter,
    RetryPolicy,
    TransientFailure,
    decide,
)
from services.notifications.domain.digest import Pending, batch, window_end
from services.notifications.domain.quiet_hours import QuietHours, hold_until
from services.notifications.domain.rules import (
    IGNORED,
    ChannelChoice,
    channels_for,
    covered_event_types,
    rules_for,
)
from shared.events import CATALOGUE

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


class District:
    """An in-memory directory: grid G01 in community C in street S."""

    parents = {"G01": "C", "C": "S", "S": None}
    roles = {
        ("grid_worker", "G01"): {"acc-wf"},
        ("social_worker", "C"): {"acc-zl"},
        ("social_worker", "S"): {"acc-street"},
    }
    residents = {"C": {"acc-r1", "acc-r2"}, "G01": {"acc-r1"}}
    follows = {"iss-1": {"acc-s1", "acc-s2"}}

    def holders(self, role, node):
        return set(self.roles.get((role, node), set()))

    def holders_within(self, role, node):
        return set(self.residents.get(node, set())) if role == "resident" else set()

    def parent(self, node):
        return self.parents.get(node)

    def followers(self, subject):
        return set(self.follows.get(subject, set()))


def test_the_grid_workers_of_a_grid_are_found_by_role_at_the_node():
    assert resolve([RoleAt("grid_worker", "grid")], {"grid": "G01"}, District()) == ["acc-wf"]


def test_the_level_above_is_one_step_up_the_tree():
    audience = RoleAt("social_worker", "community", levels_up=1)
    assert resolve([audience], {"community": "C"}, District()) == ["acc-street"]


def test_all_residents_of_a_community_include_those_of_its_grids():
    assert resolve([Within("resident", "community")], {"community": "C"}, District()) == [
        "acc-r1",
        "acc-r2",
    ]


def test_supporters_and_reporter_hear_once_each_and_the_actor_not_at_all():
    data = {"issue_id": "iss-1", "reporter_id": "acc-s1", "actor_id": "acc-s2"}
    audiences = [Person("reporter_id"), Followers("issue_id")]
    assert resolve(audiences, data, District(), exclude=["acc-s2"]) == ["acc-s1"]


def test_a_missing_person_field_names_nobody():
    assert resolve([Person("assignee_id")], {"assignee_id": None}, District()) == []


def test_every_catalogued_event_type_has_a_rule_or_is_knowingly_ignored():
    assert set(CATALOGUE.names()) <= covered_event_types()
    assert IGNORED <= set(CATALOGUE.names())


def test_a_new_issue_goes_to_its_assignee_and_a_breach_also_to_the_level_above():
    [reported] = rules_for("issues.issue_reported", {})
    assert reported.kind == "issue_assigned" and reported.audiences == (Person("assignee_id"),)
    [breached] = rules_for("issues.deadline_breached", {})
    assert breached.critical and RoleAt("social_worker", "community") in breached.audiences


def test_internal_comments_notify_nobody_outside_staff():
    assert rules_for("issues.issue_commented", {"internal": True}) == ()
    assert len(rules_for("issues.issue_commented", {"internal": False})) == 1


def test_an_opted_out_channel_is_skipped_but_critical_messages_override_it():
    [approaching] = rules_for("issues.deadline_approaching", {})
    [breached] = rules_for("issues.deadline_breached", {})
    choice = ChannelChoice(frozenset({("sla", "sms")}), frozenset({"in_app", "sms"}))
    assert channels_for(approaching, choice) == ("in_app",)
    assert channels_for(breached, choice) == ("in_app", "sms")


def test_a_channel_without_an_address_is_skipped():
    [breached] = rules_for("issues.deadline_breached", {})
    assert channels_for(breached, ChannelChoice()) == ("in_app",)


SHANGHAI_NIGHTS = QuietHours(time(22), time(7), "Asia/Shanghai")


def test_quiet_hours_hold_a_message_until_the_local_morning():
    late_evening = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    assert hold_until(SHANGHAI_NIGHTS, late_evening, critical=False) == datetime(
        2026, 11, 27, 23, 0, tzinfo=UTC
    )  # 07:00 next day in Shanghai


def test_quiet_hours_are_kept_in_the_recipients_own_time_zone():
    moment = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)  # 23:30 Shanghai, 16:30 Berlin
    berlin = QuietHours(time(22), time(7), "Europe/Berlin")
    assert hold_until(berlin, moment, critical=False) == moment
    assert SHANGHAI_NIGHTS.contains(moment)


def test_after_midnight_the_hold_ends_the_same_morning():
    early = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # 03:00 Shanghai on the 28th
    assert SHANGHAI_NIGHTS.release_at(early) == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)


def test_critical_messages_ignore_quiet_hours():
    night = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert hold_until(SHANGHAI_NIGHTS, night, critical=True) == night


def test_hourly_digest_windows_close_on_the_local_hour_and_daily_at_eight():
    moment = datetime(2026, 11, 27, 1, 20, tzinfo=UTC)  # 09:20 Shanghai
    assert window_end(moment, "hourly", "Asia/Shanghai") == datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert window_end(moment, "daily", "Asia/Shanghai") == datetime(
        2026, 11, 28, 0, 0, tzinfo=UTC
    )  # 08:00 next local day


def test_digests_batch_due_entries_per_recipient_and_window():
    due, later = NOW - timedelta(minutes=1), NOW + timedelta(hours=1)
    entries = [
        Pending("acc-wf", "issue_assigned", {"title": "a"}, due),
        Pending("acc-wf", "issue_assigned", {"title": "b"}, due),
        Pending("acc-li", "issue_assigned", {"title": "c"}, due),
        Pending("acc-wf", "issue_assigned", {"title": "d"}, later),
    ]
    digests = batch(entries, NOW)
    assert [(d.recipient_id, d.count) for d in digests] == [("acc-li", 1), ("acc-wf", 2)]


POLICY = RetryPolicy(max_attempts=5, base_delay=2, max_delay=60)


def decision(error, attempt=1, provider_index=0, providers=2):
    return decide(
        error=error,
        attempt=attempt,
        provider_index=provider_index,
        providers=providers,
        now=NOW,
        policy=POLICY,
    )


def test_success_is_sent():
    assert decision(None).outcome == "sent"


def test_a_transient_failure_retries_the_same_provider_with_exponential_backoff():
    first, third = decision(TransientFailure()), decision(TransientFailure(), attempt=3)
    assert (first.outcome, first.provider_index) == ("retry", 0)
    assert first.next_attempt_at == NOW + timedelta(seconds=2)
    assert third.next_attempt_at == NOW + timedelta(seconds=8)


def test_backoff_is_capped():
    assert POLICY.backoff(20) == timedelta(seconds=60)


def test_a_provider_that_is_down_fails_over_at_once():
    result = decision(ProviderDown())
    assert (result.outcome, result.provider_index, result.next_attempt_at) == ("failover", 1, NOW)


def test_a_down_last_provider_is_retried_later():
    assert decision(ProviderDown(), provider_index=1).outcome == "retry"


def test_a_permanent_failure_fails_over_or_else_is_dead():
    assert decision(PermanentFailure()).outcome == "failover"
    assert decision(PermanentFailure(), provider_index=1).outcome == "dead"


def test_the_last_attempt_ends_in_a_dead_letter():
    assert decision(TransientFailure(), attempt=5).outcome == "dead"


def test_a_rate_limit_lets_a_burst_through_then_refills_over_time():
    clock = [0.0]
    limiter = RateLimiter(rate=2, burst=2, clock=lambda: clock[0])
    assert [limiter.try_acquire() for _ in range(3)] == [True, True, False]
    clock[0] = 0.5
    assert limiter.try_acquire() is True
