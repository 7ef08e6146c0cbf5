"""The notifications API through the public HTTP interface of an embedded Pavilion: the
inbox (unread count, mark read, mark all read), settings, the delivery log, webhook
subscriptions, template previews, and SMS providers' signed delivery reports."""

import json
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from services.notifications.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from shared.sms_callbacks import (
    REPORT_SIGNATURE_HEADER,
    REPORT_TIMESTAMP_HEADER,
    report_signature,
)
from tests.support.processes import start_embedded, wait_until
from tests.support.scenario import (
    GRID_1,
    XILIN,
    ZHANLANGUAN,
    grid_worker,
    report,
    resident,
    wait_for_routing,
)

CALLBACK_SECRET = "sms-callback-secret-for-tests"
RECEIPTS = "/v1/notifications/providers/sms-primary/receipts"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """This module's Pavilion accepts delivery reports signed with CALLBACK_SECRET."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("NOTIFICATIONS_SMS_CALLBACK_SECRET", CALLBACK_SECRET)
        pavilion = start_embedded(tmp_path_factory.mktemp("embedded-notifications"))
    try:
        yield pavilion
    finally:
        pavilion.stop_all()


def a_new_message_for_the_grid_worker(pavilion, title):
    wait_for_routing(pavilion)
    issue = report(pavilion, resident(pavilion), title, grid=GRID_1).json()
    return wait_until(
        lambda: [m for m in pavilion.inbox(grid_worker(pavilion)) if m["subject"] == issue["id"]],
        15,
        message="the grid worker's message",
    )[0]


def patch(pavilion, path, **kwargs):
    return requests.patch(pavilion.url + path, timeout=15, **kwargs)


def unread(pavilion, headers) -> int:
    return pavilion.get("/v1/me/inbox/unread", headers=headers).json()["unread"]


def test_reading_a_message_lowers_the_unread_count(embedded):
    message = a_new_message_for_the_grid_worker(embedded, "路灯不亮")
    headers = grid_worker(embedded)
    before = unread(embedded, headers)

    response = embedded.post(f"/v1/me/inbox/{message['id']}/read", headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["read_at"]
    assert unread(embedded, headers) == before - 1


def test_mark_all_read_leaves_nothing_unread(embedded):
    a_new_message_for_the_grid_worker(embedded, "井盖松动")
    headers = grid_worker(embedded)
    response = embedded.post("/v1/me/inbox/read-all", headers=headers)
    assert response.status_code == 200 and response.json()["marked"] >= 1
    assert unread(embedded, headers) == 0


def test_someone_elses_message_cannot_be_marked_read(embedded):
    message = a_new_message_for_the_grid_worker(embedded, "垃圾未清运")
    response = embedded.post(f"/v1/me/inbox/{message['id']}/read", headers=resident(embedded))
    assert response.status_code == 404
    assert response.json()["code"] == "message-not-found"


def test_a_person_sets_locale_quiet_hours_and_opts_out_of_a_channel(embedded):
    headers = resident(embedded, name="设置测试")
    body = {
        "locale": "en",
        "timezone": "Europe/Berlin",
        "phone": "13800000001",
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "preferences": [{"category": "issues", "channel": "sms", "enabled": False}],
    }
    response = patch(embedded, "/v1/me/notification-settings", json=body, headers=headers)
    assert response.status_code == 200, response.text
    settings = embedded.get("/v1/me/notification-settings", headers=headers).json()
    assert settings["locale"] == "en" and settings["timezone"] == "Europe/Berlin"
    assert settings["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    assert settings["preferences"] == [{"category": "issues", "channel": "sms", "enabled": False}]


def test_an_unknown_time_zone_is_refused_and_changes_nothing(embedded):
    headers = resident(embedded, name="时区测试")
    response = patch(
        embedded,
        "/v1/me/notification-settings",
        json={"timezone": "Mars/Olympus", "locale": "en"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "timezone" in response.json()["errors"]
    settings = embedded.get("/v1/me/notification-settings", headers=headers).json()
    assert settings["locale"] == "zh-CN"


def test_the_inbox_is_worded_in_the_readers_language(embedded):
    message = a_new_message_for_the_grid_worker(embedded, "电梯故障")
    headers = {**grid_worker(embedded), "Accept-Language": "en"}
    items = embedded.inbox(headers)
    [same] = [m for m in items if m["id"] == message["id"]]
    assert same["title"] == "New issue: 电梯故障"


def test_a_message_shows_its_delivery_log_to_its_recipient(embedded):
    message = a_new_message_for_the_grid_worker(embedded, "楼道堆物")
    response = embedded.get(
        f"/v1/me/inbox/{message['id']}/deliveries", headers=grid_worker(embedded)
    )
    assert response.status_code == 200, response.text
    assert response.json()["message_id"] == message["id"]


def test_staff_in_scope_read_the_delivery_log_of_a_message_and_others_may_not(embedded):
    message = a_new_message_for_the_grid_worker(embedded, "消防栓漏水")
    path = f"/v1/notifications/messages/{message['id']}/deliveries"
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    response = embedded.get(path, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["message_id"] == message["id"]
    assert response.json()["community"] == ZHANLANGUAN
    elsewhere = embedded.headers("social_worker", XILIN, "西林社工")
    assert embedded.get(path, headers=elsewhere).status_code == 404
    assert embedded.get(path, headers=resident(embedded)).status_code == 403
    ops = embedded.headers("ops", "150100", "运维值班")
    assert embedded.get(path, headers=ops).status_code == 200


def test_ops_list_dead_deliveries_and_residents_may_not(embedded):
    ops = embedded.headers("ops", "150100", "运维值班")
    assert embedded.get("/v1/notifications/deliveries", headers=ops).status_code == 200
    refused = embedded.get("/v1/notifications/deliveries", headers=resident(embedded))
    assert refused.status_code == 403


def test_staff_subscribe_a_webhook_and_get_its_secret_once(embedded):
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["issues.issue_reported"]}
    created = embedded.post("/v1/webhooks", json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert len(created.json()["secret"]) == 64 and created.json()["scope"] == ZHANLANGUAN
    listed = embedded.get("/v1/webhooks", headers=staff).json()["items"]
    assert [w["id"] for w in listed] == [created.json()["id"]]
    assert "secret" not in listed[0]


def test_a_webhook_for_an_unknown_event_type_is_refused(embedded):
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["issues.nope"]}
    response = embedded.post("/v1/webhooks", json=body, headers=staff)
    assert response.status_code == 422


def test_a_template_preview_renders_the_sample_event(embedded):
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    response = embedded.get(
        "/v1/notifications/preview",
        params={"event_type": "issues.deadline_breached", "channel": "sms"},
        headers=staff,
    )
    assert response.status_code == 200, response.text
    [item] = response.json()["items"]
    assert item["critical"] is True and item["body"] == "诉求「暖气不热」已超时并上报，请立即处理。"


def test_a_street_wide_announcement_needs_a_second_admin(embedded):
    first = embedded.headers("admin", "150100", "区管理员甲")
    second = embedded.headers("admin", "150100", "区管理员乙")
    body = {"title": "防汛通知", "body": "今晚有暴雨，请关好门窗。"}
    created = embedded.post("/v1/nodes/150105001/announcements", json=body, headers=first)
    assert created.status_code == 202, created.text
    assert created.json()["state"] == "awaiting_approval"
    announcement = created.json()["id"]

    own = embedded.post(f"/v1/announcements/{announcement}/approve", headers=first)
    assert own.status_code == 403 and own.json()["code"] == "second-approver-required"
    approved = embedded.post(f"/v1/announcements/{announcement}/approve", headers=second)
    assert approved.status_code == 200 and approved.json()["approved_by"]


def test_a_community_announcement_reaches_a_registered_resident(embedded):
    headers = resident(embedded, name="公告测试")
    embedded.get("/v1/me/notification-settings", headers=headers)  # registers the resident
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    body = {"title": "停水通知", "body": "明日停水"}
    created = embedded.post(f"/v1/nodes/{ZHANLANGUAN}/announcements", json=body, headers=staff)
    assert created.status_code == 202 and created.json()["state"] == "sending"
    wait_until(
        lambda: [m for m in embedded.inbox(headers) if m["subject"] == created.json()["id"]],
        15,
        message="the announcement in the resident's inbox",
    )


def test_an_announcement_outside_ones_scope_is_forbidden(embedded):
    staff = embedded.headers("social_worker", ZHANLANGUAN, "张丽")
    body = {"title": "x", "body": "y"}
    response = embedded.post("/v1/nodes/150102001001/announcements", json=body, headers=staff)
    assert response.status_code == 403


class Receiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_a_webhook_subscriber_receives_a_signed_call_for_a_new_issue(embedded):
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    staff = embedded.headers("social_worker", ZHANLANGUAN, "接口用户")
    try:
        body = {
            "url": f"http://127.0.0.1:{server.server_port}/hook",
            "event_types": ["issues.issue_reported"],
        }
        subscription = embedded.post("/v1/webhooks", json=body, headers=staff).json()
        wait_for_routing(embedded)
        issue = report(embedded, resident(embedded), "消防通道堵塞", grid=GRID_1).json()

        def the_call():
            return [
                (headers, payload)
                for headers, payload in Receiver.received
                if issue["id"].encode() in payload
            ]

        [(headers, payload)] = wait_until(the_call, 15, message="the webhook call")
    finally:
        server.shutdown()
    assert verify(
        subscription["secret"], headers[TIMESTAMP_HEADER], payload, headers[SIGNATURE_HEADER]
    )
    log = embedded.get(f"/v1/webhooks/{subscription['id']}/deliveries", headers=staff).json()
    assert "sent" in {row["state"] for row in log["items"]}


def push_reports(pavilion, reports, *, secret=CALLBACK_SECRET, at=None, sign=True, raw=None):
    body = raw if raw is not None else json.dumps(reports, ensure_ascii=False).encode()
    timestamp = str(int(time.time() if at is None else at))
    headers = {"Content-Type": "application/json"}
    if sign:
        headers[REPORT_TIMESTAMP_HEADER] = timestamp
        headers[REPORT_SIGNATURE_HEADER] = report_signature(secret, timestamp, body)
    return requests.post(pavilion.url + RECEIPTS, data=body, headers=headers, timeout=15)


def a_sent_sms_to_a_meeting_attendee(pavilion) -> tuple[dict, dict]:
    """A resident with a phone registers for a council meeting that is then cancelled: the
    cancellation goes to them in-app and by SMS (through the fake `sms-primary`)."""
    attendee = resident(pavilion, name="回执测试居民")
    settings = {"phone": "13900000077", "quiet_hours": None}
    assert (
        patch(pavilion, "/v1/me/notification-settings", json=settings, headers=attendee).status_code
        == 200
    )
    secretary = pavilion.headers("party_secretary", ZHANLANGUAN, "展览馆社区党委书记")
    start = datetime.now(UTC) + timedelta(days=3)
    meeting = pavilion.post(
        f"/v1/communities/{ZHANLANGUAN}/meetings",
        json={
            "meeting_type": "neighbourhood_hub",
            "title": "回执测试议事会",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(),
            "place": "社区活动室",
            "capacity": 5,
        },
        headers=secretary,
    )
    assert meeting.status_code == 201, meeting.text
    path = f"/v1/meetings/{meeting.json()['id']}"
    registered = pavilion.post(f"{path}/registrations", headers=attendee)
    assert registered.status_code == 200, registered.text
    cancelled = pavilion.post(
        f"{path}/cancellation", json={"reason": "场地维修"}, headers=secretary
    )
    assert cancelled.status_code == 200, cancelled.text

    def the_sent_sms():
        found = [m for m in pavilion.inbox(attendee) if m["kind"] == "meeting_cancelled"]
        if not found:
            return None
        log = pavilion.get(f"/v1/me/inbox/{found[0]['id']}/deliveries", headers=attendee).json()
        sms = [d for d in log["deliveries"] if d["channel"] == "sms" and d["state"] == "sent"]
        return (found[0], sms[0]) if sms else None

    return wait_until(the_sent_sms, 30, interval=0.3, message="the SMS of the cancellation")


def test_a_signed_provider_report_marks_the_sms_delivered_and_a_replay_is_refused(embedded):
    ops = embedded.headers("ops", "150100", "运维值班")
    _message, sms = a_sent_sms_to_a_meeting_attendee(embedded)
    pushed = {
        "phone_number": "13900000077",
        "send_time": "2026-11-27 10:00:00",
        "report_time": "2026-11-27 10:00:05",
        "success": True,
        "err_code": "DELIVERED",
        "err_msg": "用户接收成功",
        "sms_size": "1",
        "biz_id": sms["provider_reference"],
        "out_id": sms["id"],
    }
    unknown = {"biz_id": "not-ours-1", "success": False, "err_code": "MK:0001"}

    unsigned = push_reports(embedded, [pushed], sign=False)
    assert unsigned.status_code == 401, unsigned.text
    assert unsigned.headers["Content-Type"].startswith("application/problem+json")
    assert unsigned.json()["code"] == "signature-missing"
    forged = push_reports(embedded, [pushed], secret="guessed")
    assert forged.status_code == 401 and forged.json()["code"] == "signature-mismatch"
    stale = push_reports(embedded, [pushed], at=time.time() - 3600)  # captured an hour ago
    assert stale.status_code == 401 and stale.json()["code"] == "timestamp-out-of-range"
    untouched = embedded.get(f"/v1/notifications/deliveries/{sms['id']}", headers=ops).json()
    assert untouched["state"] == "sent"

    accepted = push_reports(embedded, [pushed, unknown])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {
        "code": 0,
        "msg": "成功",
        "delivered": 1,
        "failed": 0,
        "unchanged": 0,
        "unknown": ["not-ours-1"],
        "early": [],
    }
    delivery = embedded.get(f"/v1/notifications/deliveries/{sms['id']}", headers=ops).json()
    assert delivery["state"] == "delivered"
    assert delivery["log"][-1]["provider"] == "receipt:sms-primary"

    repeated = push_reports(embedded, [pushed])  # providers push again when unsure
    assert repeated.status_code == 200 and repeated.json()["unchanged"] == 1
    after = embedded.get(f"/v1/notifications/deliveries/{sms['id']}", headers=ops).json()
    assert after["state"] == "delivered" and len(after["log"]) == len(delivery["log"])


def test_a_report_ahead_of_its_send_asks_the_provider_to_push_again(embedded):
    """The provider's report arrives while our delivery is still `sending` (its send's answer
    not recorded yet): the callback answers code 1, so the provider pushes again; that push,
    after the send is recorded, counts."""
    _message, sms = a_sent_sms_to_a_meeting_attendee(embedded)
    database = embedded.workdir / "data" / "notifications.db"

    def set_state(state: str) -> None:
        with sqlite3.connect(database) as connection:
            connection.execute("UPDATE deliveries SET state = ? WHERE id = ?", (state, sms["id"]))

    pushed = {"biz_id": sms["provider_reference"], "out_id": sms["id"], "success": True}
    set_state("sending")  # as it is between the provider's answer and our commit
    early = push_reports(embedded, [pushed])
    assert early.status_code == 200, early.text
    assert early.json()["code"] == 1 and early.json()["early"] == [sms["provider_reference"]]
    set_state("sent")
    again = push_reports(embedded, [pushed])
    assert again.json()["code"] == 0 and again.json()["delivered"] == 1


def test_a_malformed_signed_batch_is_a_422_and_changes_nothing(embedded):
    for raw in (b"not json", b"[]", b'[{"success": true}]', b'[{"biz_id": "x", "success": 3}]'):
        response = push_reports(embedded, None, raw=raw)
        assert response.status_code == 422, (raw, response.text)
        assert response.json()["code"] == "malformed-report"
    # a malformed body without a valid signature is refused before it is read
    assert push_reports(embedded, None, raw=b"not json", sign=False).status_code == 401


def test_a_malformed_provider_name_is_no_provider_at_all(embedded):
    response = requests.post(
        embedded.url + "/v1/notifications/providers/NOT_A_NAME/receipts", data=b"[]", timeout=15
    )
    assert response.status_code == 404
