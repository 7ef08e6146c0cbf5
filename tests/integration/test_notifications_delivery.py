"""Delivery that never loses a message, on real PostgreSQL (and a real SMTP server and HTTP
receiver): retries with backoff, failover, dead letters that replay, reminders that move with
their shift, and webhooks signed so the receiver can verify them."""

from __future__ import annotations

import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import text

from services.notifications.channels import Registry, fake
from services.notifications.channels.email import SmtpEmail
from services.notifications.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from services.notifications.domain.delivery import RateLimiter, RetryPolicy
from services.notifications.handlers import deliveries, dispatch, receipts, webhooks
from services.notifications.handlers.fanout import apply_rules
from services.notifications.repository import (
    Delivery,
    DirectoryCopy,
    InboxMessage,
    PeopleRepository,
    Reminder,
    ReminderRepository,
)
from shared.db import UnitOfWork, create_db_engine
from shared.db.migrations import upgrade
from shared.errors import NotFound
from shared.events import CATALOGUE
from tests.support.infra import pg_databases

FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)
TABLES = (
    "inbox_messages",
    "deliveries",
    "delivery_attempts",
    "reminders",
    "people",
    "follows",
    "role_holdings",
    "webhook_subscriptions",
)


class Kit:
    """What the handlers need of the service kit: units of work on the service's database."""

    consumer = "notifications.test"

    def __init__(self, engine):
        self.engine = engine

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)


@pytest.fixture(scope="module")
def engine():
    with pg_databases(("notifications",)) as urls:
        upgrade("notifications", urls["notifications"])
        engine = create_db_engine(urls["notifications"])
        yield engine
        engine.dispose()


@pytest.fixture
def kit(engine):
    with engine.begin() as connection:
        for table in TABLES:
            connection.execute(text(f"DELETE FROM {table}"))
    for name in ("sms-primary", "sms-backup"):
        fake(name).reset()
    return Kit(engine)


def a_volunteer_with_a_phone(kit, account_id="acc-vol", phone="13800000000"):
    with kit.unit_of_work() as uow:
        person = PeopleRepository(uow.session).ensure(account_id, "李志愿", datetime.now(UTC))
        person.phone = phone
        uow.commit()


def publish(kit, event_type, **changes):
    data = {**CATALOGUE.latest(event_type).example_data(), **changes}
    sent = CATALOGUE.envelope(event_type, data, community="150105001001")
    envelope = CATALOGUE.load(json.loads(json.dumps(sent.to_message())))  # as consumed
    with kit.unit_of_work() as uow:
        apply_rules(uow.session, envelope, datetime.now(UTC))
        uow.commit()
    return envelope


def sms_of(kit, event_id) -> Delivery:
    with kit.unit_of_work() as uow:
        return uow.session.query(Delivery).filter_by(event_id=event_id, channel="sms").one()


def run_until_settled(kit, registry, rounds=20):
    for _ in range(rounds):
        dispatch.dispatch_due(kit, registry, FAST)
        with kit.unit_of_work() as uow:
            if not uow.session.query(Delivery).filter_by(state="queued").count():
                return
        threading.Event().wait(0.06)


def shift_assigned(kit, starts_at=None):
    starts_at = starts_at or datetime.now(UTC) + timedelta(days=3)
    return publish(
        kit,
        "volunteers.shift_assigned",
        volunteer_id="acc-vol",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
    )


def test_a_provider_that_fails_twice_then_succeeds_delivers_once(kit):
    a_volunteer_with_a_phone(kit)
    fake("sms-primary").transient_failures = 2
    event = shift_assigned(kit)

    run_until_settled(kit, Registry.fakes())

    delivery = sms_of(kit, event.id)
    assert delivery.state == "sent" and delivery.attempts == 3
    assert len(fake("sms-primary").sent) == 1 and fake("sms-backup").sent == []
    log = deliveries.show_delivery(kit, delivery.id)["log"]
    assert [row["outcome"] for row in log] == ["failed", "failed", "sent"]


def test_a_provider_that_is_down_fails_over_to_the_secondary(kit):
    a_volunteer_with_a_phone(kit)
    fake("sms-primary").down = True
    event = shift_assigned(kit)

    run_until_settled(kit, Registry.fakes())

    delivery = sms_of(kit, event.id)
    assert delivery.state == "sent"
    assert [m.address for m in fake("sms-backup").sent] == ["13800000000"]
    log = deliveries.show_delivery(kit, delivery.id)["log"]
    assert [row["provider"] for row in log] == ["sms-primary", "sms-backup"]


def test_a_permanently_failing_delivery_ends_as_a_dead_letter_that_replays(kit):
    a_volunteer_with_a_phone(kit)
    fake("sms-primary").rejecting = True
    fake("sms-backup").transient_failures = 99
    event = shift_assigned(kit)

    run_until_settled(kit, Registry.fakes())
    delivery = sms_of(kit, event.id)
    assert delivery.state == "dead" and delivery.attempts == FAST.max_attempts
    assert [row["id"] for row in deliveries.list_deliveries(kit, "dead", None, 10)] == [delivery.id]

    fake("sms-primary").reset()
    deliveries.replay_delivery(kit, delivery.id)
    run_until_settled(kit, Registry.fakes())
    assert sms_of(kit, event.id).state == "sent"
    assert len(fake("sms-primary").sent) == 1


def test_the_same_event_twice_sends_one_message_per_recipient_and_channel(kit):
    a_volunteer_with_a_phone(kit)
    event = shift_assigned(kit)
    with kit.unit_of_work() as uow:
        # a redelivered event is refused by the consumer's inbox; the unique key holds too
        assert uow.first_time_handling("notifications.on_shift_assigned", event.id)
        uow.commit()
    with kit.unit_of_work() as uow:
        assert not uow.first_time_handling("notifications.on_shift_assigned", event.id)
    run_until_settled(kit, Registry.fakes())
    assert len(fake("sms-primary").sent) == 1


def test_a_reminder_moves_when_its_shift_moves(kit):
    starts_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = shift_assigned(kit, starts_at)
    shift_id = event.data["shift_id"]
    later = starts_at + timedelta(days=1)

    publish(
        kit,
        "volunteers.shift_rescheduled",
        shift_id=shift_id,
        starts_at=later,
        ends_at=later + timedelta(hours=2),
        volunteer_ids=["acc-vol"],
    )

    with kit.unit_of_work() as uow:
        reminders = ReminderRepository(uow.session).of_subject(shift_id, "acc-vol")
        told = uow.session.query(InboxMessage).filter_by(kind="shift_rescheduled").count()
    assert sorted(r.due_at.astimezone(UTC) for r in reminders) == [
        later - timedelta(hours=24),
        later - timedelta(hours=2),
    ]
    assert told == 1


def test_a_reminder_the_volunteers_service_announces_is_not_sent_twice(kit):
    event = shift_assigned(kit, datetime.now(UTC) + timedelta(hours=30))
    shift_id = event.data["shift_id"]
    with kit.unit_of_work() as uow:
        slot = ReminderRepository(uow.session).slot(shift_id, "acc-vol", 24 * 60)
        slot.due_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.commit()
    dispatch.fire_due_reminders(kit)  # our own 24 h reminder goes out

    publish(
        kit,
        "volunteers.reminder_due",
        shift_id=shift_id,
        volunteer_id="acc-vol",
        minutes_before=24 * 60,
    )

    with kit.unit_of_work() as uow:
        reminded = uow.session.query(InboxMessage).filter_by(kind="shift_reminder").count()
    assert reminded == 1


def test_a_cancelled_signup_cancels_its_reminders(kit):
    event = shift_assigned(kit)
    publish(
        kit,
        "volunteers.signup_cancelled",
        shift_id=event.data["shift_id"],
        volunteer_id="acc-vol",
        cancelled_by="acc-vol",
    )
    with kit.unit_of_work() as uow:
        states = {
            r.state for r in ReminderRepository(uow.session).of_subject(event.data["shift_id"])
        }
    assert states == {"cancelled"}


def test_a_due_reminder_reaches_the_inbox_and_the_phone(kit):
    a_volunteer_with_a_phone(kit)
    event = shift_assigned(kit, datetime.now(UTC) + timedelta(hours=25))
    with kit.unit_of_work() as uow:
        for reminder in uow.session.query(Reminder).all():
            reminder.due_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.commit()

    dispatch.fire_due_reminders(kit)
    run_until_settled(kit, Registry.fakes())

    kinds = [m.kind for m in fake("sms-primary").sent]
    assert kinds.count("shift_reminder") == 2 and event.data["shift_id"]


def test_an_unread_critical_message_escalates_by_sms(kit):
    with kit.unit_of_work() as uow:
        person = PeopleRepository(uow.session).ensure("acc-3f2a", "王芳", datetime.now(UTC))
        person.phone = "13900000000"
        uow.commit()
    publish(kit, "issues.deadline_breached", assignee_id="acc-3f2a")
    run_until_settled(kit, Registry.fakes())
    assert [m.kind for m in fake("sms-primary").sent] == ["deadline_breached"]

    with kit.unit_of_work() as uow:
        for reminder in uow.session.query(Reminder).filter_by(kind="escalate"):
            reminder.due_at = datetime.now(UTC) - timedelta(seconds=1)
        uow.commit()
    dispatch.fire_due_reminders(kit)
    run_until_settled(kit, Registry.fakes())

    assert [m.kind for m in fake("sms-primary").sent] == ["deadline_breached"] * 2


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_webhook_arrives_with_a_signature_the_receiver_verifies(kit):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Receiver.received = []
    try:
        subscription = webhooks.create_subscription(
            kit,
            "acc-api",
            "150105001001",
            f"http://127.0.0.1:{server.server_port}/hook",
            ["issues.issue_reported"],
        )
        event = publish(kit, "issues.issue_reported")
        run_until_settled(kit, Registry.fakes())
    finally:
        server.shutdown()

    [(headers, body)] = Receiver.received
    assert verify(
        subscription["secret"], headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER]
    )
    assert not verify("another-secret", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert json.loads(body)["id"] == event.id
    [logged] = webhooks.subscription_deliveries(kit, "acc-api", subscription["id"], 10)
    assert logged["state"] == "sent" and [a["outcome"] for a in logged["log"]] == ["sent"]


def test_a_webhook_outside_the_subscribers_scope_is_not_called(kit):
    with kit.unit_of_work() as uow:
        DirectoryCopy(uow.session).upsert_node(
            "150105001001", "community", "150105001", ["150100", "150105", "150105001"], "UTC"
        )
        uow.commit()
    webhooks.create_subscription(
        kit, "acc-api", "150102", "http://127.0.0.1:9/hook", ["issues.issue_reported"]
    )
    publish(kit, "issues.issue_reported")
    with kit.unit_of_work() as uow:
        assert uow.session.query(Delivery).filter_by(channel="webhook").count() == 0


def test_email_goes_out_through_an_smtp_server(kit):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Collect(Sink):
        messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            Collect.messages.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with kit.unit_of_work() as uow:
            person = PeopleRepository(uow.session).ensure("acc-vol", "李", datetime.now(UTC))
            person.email = "li@example.org"
            uow.commit()
        registry = Registry({"email": [SmtpEmail("smtp", "127.0.0.1", port, "p@x")]})
        # shift_assigned goes in-app + SMS by default; ask for e-mail through a status rule
        with kit.unit_of_work() as uow:
            from services.notifications.domain.rules import Rule
            from services.notifications.handlers.fanout import send

            send(
                uow.session,
                Rule("t", "hours_recorded", "volunteering", (), channels=("email",)),
                ["acc-vol"],
                {"minutes": 90},
                event_id="evt-email",
                event_type="volunteers.hours_recorded",
                subject=None,
                community=None,
                now=datetime.now(UTC),
            )
            uow.commit()
        run_until_settled(kit, registry)
    finally:
        controller.stop()
    [envelope] = Collect.messages
    assert envelope.rcpt_tos == ["li@example.org"]
    assert "90" in envelope.content.decode()


def test_a_grid_worker_on_a_digest_gets_one_summary_instead_of_one_message_each(kit):
    with kit.unit_of_work() as uow:
        person = PeopleRepository(uow.session).ensure("acc-3f2a", "王芳", datetime.now(UTC))
        person.digest = "hourly"
        uow.commit()
    for title in ("暖气不热", "路灯不亮"):
        publish(kit, "issues.issue_reported", assignee_id="acc-3f2a", title=title)
    with kit.unit_of_work() as uow:
        assert uow.session.query(InboxMessage).filter_by(recipient_id="acc-3f2a").count() == 0
        window_closed = datetime.now(UTC) - timedelta(seconds=1)
        for reminder in uow.session.query(Reminder).filter_by(kind="digest"):
            reminder.due_at = window_closed
        uow.commit()

    dispatch.fire_due_reminders(kit)

    with kit.unit_of_work() as uow:
        [digest] = uow.session.query(InboxMessage).filter_by(recipient_id="acc-3f2a").all()
    assert digest.kind == "digest" and digest.params["count"] == 2
    assert {item["title"] for item in digest.params["items"]} == {"暖气不热", "路灯不亮"}


def quiet_all_day(kit, account_id):
    """Quiet hours that contain the present moment wherever the test runs."""
    with kit.unit_of_work() as uow:
        person = PeopleRepository(uow.session).ensure(account_id, "x", datetime.now(UTC))
        person.phone, person.timezone = "13900000000", "UTC"
        now = datetime.now(UTC)
        person.quiet_start = (now - timedelta(hours=1)).strftime("%H:%M")
        person.quiet_end = (now + timedelta(hours=2)).strftime("%H:%M")
        uow.commit()


def test_quiet_hours_hold_an_ordinary_sms_until_they_end(kit):
    quiet_all_day(kit, "acc-vol")
    event = shift_assigned(kit)
    held = sms_of(kit, event.id)
    assert held.next_attempt_at > datetime.now(UTC) + timedelta(minutes=90)
    run_until_settled(kit, Registry.fakes(), rounds=1)
    assert fake("sms-primary").sent == []


def test_a_critical_sms_ignores_quiet_hours_and_opt_outs(kit):
    quiet_all_day(kit, "acc-3f2a")
    with kit.unit_of_work() as uow:
        PeopleRepository(uow.session).set_preference("acc-3f2a", "sla", "sms", False)
        uow.commit()
    publish(kit, "issues.deadline_approaching", assignee_id="acc-3f2a")  # ordinary: opted out
    publish(kit, "issues.deadline_breached", assignee_id="acc-3f2a")  # critical
    run_until_settled(kit, Registry.fakes())
    assert [m.kind for m in fake("sms-primary").sent] == ["deadline_breached"]


def test_a_webhook_owner_replays_a_dead_call_after_fixing_the_receiver(kit):
    subscription = webhooks.create_subscription(
        kit, "acc-api", "150105001001", "http://127.0.0.1:9/hook", ["issues.issue_reported"]
    )
    publish(kit, "issues.issue_reported")
    run_until_settled(kit, Registry.fakes())
    [dead] = webhooks.subscription_deliveries(kit, "acc-api", subscription["id"], 10)
    assert dead["state"] == "dead" and len(dead["log"]) == FAST.max_attempts

    with pytest.raises(NotFound):
        webhooks.replay_subscription_delivery(kit, "acc-other", subscription["id"], dead["id"])
    replayed = webhooks.replay_subscription_delivery(kit, "acc-api", subscription["id"], dead["id"])
    assert replayed["state"] == "queued" and replayed["attempts"] == 0


def test_a_provider_rate_limit_defers_sends_without_spending_attempts(kit):
    for n in range(3):
        a_volunteer_with_a_phone(kit, f"acc-v{n}", f"1380000000{n}")
        publish(
            kit,
            "volunteers.shift_assigned",
            volunteer_id=f"acc-v{n}",
            starts_at=datetime.now(UTC) + timedelta(days=3),
            ends_at=datetime.now(UTC) + timedelta(days=3, hours=2),
        )
    registry = Registry.fakes()
    registry.limiters["sms-primary"] = RateLimiter(rate=0.001, burst=1)  # one, then wait

    dispatch.dispatch_due(kit, registry, FAST)

    assert len(fake("sms-primary").sent) == 1
    with kit.unit_of_work() as uow:
        waiting = uow.session.query(Delivery).filter_by(channel="sms", state="queued").all()
    assert len(waiting) == 2 and {d.attempts for d in waiting} == {0}
    assert all(d.next_attempt_at > datetime.now(UTC) for d in waiting)


def test_a_provider_receipt_marks_a_sent_sms_delivered_or_failed(kit):
    a_volunteer_with_a_phone(kit)
    delivered = shift_assigned(kit)
    a_volunteer_with_a_phone(kit, "acc-v2", "13800000002")
    undelivered = publish(
        kit,
        "volunteers.shift_assigned",
        volunteer_id="acc-v2",
        starts_at=datetime.now(UTC) + timedelta(days=3),
        ends_at=datetime.now(UTC) + timedelta(days=3, hours=2),
    )
    run_until_settled(kit, Registry.fakes())
    good, bad = sms_of(kit, delivered.id), sms_of(kit, undelivered.id)

    result = deliveries.record_receipts(
        kit,
        [
            {"delivery_id": good.id, "delivered": True},
            {"delivery_id": bad.id, "delivered": False, "error": "MOBILE_NOT_ON_SERVICE"},
            {"delivery_id": good.id, "delivered": True},  # reports repeat
        ],
    )

    assert result == {"updated": 2}
    assert sms_of(kit, delivered.id).state == "delivered"
    assert sms_of(kit, undelivered.id).state == "failed"
    assert deliveries.replay_delivery(kit, bad.id)["state"] == "queued"


def test_a_providers_pushed_reports_mark_its_sms_delivered_or_failed_once(kit):
    a_volunteer_with_a_phone(kit)
    good_event = shift_assigned(kit)
    a_volunteer_with_a_phone(kit, "acc-v2", "13800000002")
    bad_event = publish(
        kit,
        "volunteers.shift_assigned",
        volunteer_id="acc-v2",
        starts_at=datetime.now(UTC) + timedelta(days=3),
        ends_at=datetime.now(UTC) + timedelta(days=3, hours=2),
    )
    run_until_settled(kit, Registry.fakes())
    good, bad = sms_of(kit, good_event.id), sms_of(kit, bad_event.id)
    assert good.provider_reference and bad.provider_reference
    batch = [
        {"biz_id": good.provider_reference, "out_id": good.id, "success": True},
        {
            "biz_id": bad.provider_reference,
            "success": False,
            "err_code": "MK:0001",
            "err_msg": "停机",
        },
        {"biz_id": "no-such-message", "success": True},
        {"biz_id": "another-id", "out_id": good.id, "success": False},  # not what we sent
    ]

    first = receipts.record_provider_reports(kit, "sms-primary", batch)
    again = receipts.record_provider_reports(kit, "sms-primary", batch)

    assert first == {
        "delivered": 1,
        "failed": 1,
        "unchanged": 0,
        "unknown": ["no-such-message", "another-id"],
        "early": [],
    }
    assert again == {**first, "delivered": 0, "failed": 0, "unchanged": 2}
    assert sms_of(kit, good_event.id).state == "delivered"
    failed = deliveries.show_delivery(kit, bad.id)
    assert failed["state"] == "failed" and failed["last_error"] == "MK:0001 停机"
    outcomes = [(row["provider"], row["outcome"]) for row in failed["log"]]
    assert outcomes == [("sms-primary", "sent"), ("receipt:sms-primary", "failed")]


def test_a_report_that_overtakes_its_send_is_kept_for_the_providers_next_push(kit):
    """The provider has the SMS and pushes its report before the send's answer is recorded
    (the delivery is still `sending`): the report is `early`, changes nothing, and the same
    push once the send is recorded applies it."""
    a_volunteer_with_a_phone(kit)
    event = shift_assigned(kit)
    run_until_settled(kit, Registry.fakes())
    sent = sms_of(kit, event.id)
    with kit.unit_of_work() as uow:  # as it was while the provider answered the send
        uow.session.get(Delivery, sent.id).state = "sending"
        uow.commit()
    report = [{"biz_id": sent.provider_reference, "out_id": sent.id, "success": True}]

    early = receipts.record_provider_reports(kit, "sms-primary", report)

    assert early["early"] == [sent.provider_reference] and early["delivered"] == 0
    assert sms_of(kit, event.id).state == "sending"
    with kit.unit_of_work() as uow:  # the send's answer is recorded
        uow.session.get(Delivery, sent.id).state = "sent"
        uow.commit()
    again = receipts.record_provider_reports(kit, "sms-primary", report)
    assert again["delivered"] == 1 and again["early"] == []
    assert sms_of(kit, event.id).state == "delivered"


def test_a_report_from_a_provider_that_did_not_send_the_sms_changes_nothing(kit):
    a_volunteer_with_a_phone(kit)
    fake("sms-primary").down = True  # the backup sends it
    event = shift_assigned(kit)
    run_until_settled(kit, Registry.fakes())
    sent = sms_of(kit, event.id)
    report = [{"biz_id": sent.provider_reference, "out_id": sent.id, "success": False}]

    result = receipts.record_provider_reports(kit, "sms-primary", report)

    assert result["unknown"] == [sent.provider_reference]
    assert sms_of(kit, event.id).state == "sent"
    assert receipts.record_provider_reports(kit, "sms-backup", report)["failed"] == 1


def test_a_delivery_whose_worker_died_mid_send_is_taken_back_and_sent(kit):
    a_volunteer_with_a_phone(kit)
    event = shift_assigned(kit)
    with kit.unit_of_work() as uow:
        orphan = uow.session.query(Delivery).filter_by(event_id=event.id, channel="sms").one()
        orphan.state, orphan.updated_at = "sending", datetime.now(UTC) - timedelta(minutes=10)
        uow.commit()
    dispatch._last_sweep = float("-inf")  # the sweep runs on the next pass

    run_until_settled(kit, Registry.fakes())

    assert sms_of(kit, event.id).state == "sent"
    assert len(fake("sms-primary").sent) == 1


def test_the_volunteers_of_an_activity_and_of_a_team_are_audiences(kit):
    from services.notifications.domain.audiences import Followers, resolve
    from services.notifications.repository import DirectoryCopy

    publish(kit, "volunteers.shift_signed_up", volunteer_id="acc-li", activity_id="act-9")
    publish(kit, "volunteers.shift_assigned", volunteer_id="acc-wang", activity_id="act-9")
    publish(kit, "volunteers.shift_signed_up", volunteer_id="acc-zhao", activity_id=None)
    publish(kit, "volunteers.team_joined", team_id="team-7", volunteer_id="acc-zhao")
    with kit.unit_of_work() as uow:
        directory = DirectoryCopy(uow.session)
        assert resolve([Followers("activity_id")], {"activity_id": "act-9"}, directory) == [
            "acc-li",
            "acc-wang",
        ]
        assert resolve([Followers("team_id")], {"team_id": "team-7"}, directory) == ["acc-zhao"]
        joined = uow.session.query(InboxMessage).filter_by(recipient_id="acc-zhao").all()
    assert "team_joined" in {message.kind for message in joined}


def test_the_staff_member_who_started_a_roster_run_hears_how_it_ended(kit):
    publish(kit, "volunteers.roster_filled", requested_by="acc-staff-1")
    publish(kit, "volunteers.roster_failed", requested_by="acc-staff-2")
    with kit.unit_of_work() as uow:
        kinds = {
            (m.recipient_id, m.kind)
            for m in uow.session.query(InboxMessage).filter(
                InboxMessage.recipient_id.in_(["acc-staff-1", "acc-staff-2"])
            )
        }
    assert kinds == {("acc-staff-1", "roster_filled"), ("acc-staff-2", "roster_failed")}
