"""The notifications API through the public HTTP interface of an embedded Pavilion: the
inbox (unread count, mark read, mark all read), settings, the delivery log, webhook
subscriptions and template previews."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests

from services.notifications.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.support.processes import wait_until
from tests.support.scenario import (
    GRID_1,
    ZHANLANGUAN,
    grid_worker,
    report,
    resident,
    wait_for_routing,
)


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
