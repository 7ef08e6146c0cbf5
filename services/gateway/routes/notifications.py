"""Notifications: the caller's in-app inbox and settings, the delivery log and dead
deliveries for ops, SMS providers' signed delivery reports, webhook subscriptions for API
consumers, and template previews."""

from __future__ import annotations

import json
import re

from marshmallow import ValidationError

from shared import sms_callbacks
from shared.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed

from .. import access
from ..api import locale_of, read_json, read_query, route, schema_of
from ..directory import covers
from ..identity import STAFF_ROLES
from ..openapi import Operation
from ..repository import DirectoryRepository
from ..schemas.common import PageQuery
from ..schemas.notifications import (
    AnnouncementBody,
    AnnouncementView,
    DeliveryList,
    DeliveryQuery,
    DeliveryView,
    InboxItemView,
    InboxPage,
    MarkedView,
    MessageLogView,
    PreviewQuery,
    PreviewView,
    ReceiptsBody,
    ReceiptsView,
    SettingsBody,
    SettingsView,
    SmsReportBody,
    SmsReportsView,
    UnreadView,
    WebhookBody,
    WebhookList,
    WebhookView,
)

OPS_ROLES = frozenset({"ops", "admin"})
WEBHOOK_ROLES = STAFF_ROLES | OPS_ROLES
ANNOUNCERS = frozenset({"social_worker", "admin"})
PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_REPORTS = 1000
_REFUSALS = {
    "callback-not-configured": "Delivery reports are not accepted from this provider "
    "(no callback secret is configured).",
    "signature-missing": f"Sign the body: {sms_callbacks.REPORT_TIMESTAMP_HEADER} and "
    f"{sms_callbacks.REPORT_SIGNATURE_HEADER} are required.",
    "timestamp-invalid": f"{sms_callbacks.REPORT_TIMESTAMP_HEADER} must be Unix seconds.",
    "timestamp-out-of-range": f"{sms_callbacks.REPORT_TIMESTAMP_HEADER} is too far from our clock "
    "(a replay, or a clock to set right).",
    "signature-mismatch": f"{sms_callbacks.REPORT_SIGNATURE_HEADER} does not match the body.",
}

_T = "notifications"
OPERATIONS = (
    Operation(
        "get",
        "/v1/me/inbox",
        "My in-app inbox, newest first",
        request=PageQuery,
        response=InboxPage,
        tag=_T,
    ),
    Operation(
        "get", "/v1/me/inbox/unread", "How many unread messages", response=UnreadView, tag=_T
    ),
    Operation(
        "post", "/v1/me/inbox/read-all", "Mark all my messages read", response=MarkedView, tag=_T
    ),
    Operation(
        "post",
        "/v1/me/inbox/{message_id}/read",
        "Mark one message read",
        response=InboxItemView,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/me/inbox/{message_id}/deliveries",
        "How one of my messages was delivered (SMS, e-mail... with every attempt)",
        response=MessageLogView,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/me/notification-settings",
        "My locale, time zone, addresses, quiet hours, digest and channel choices",
        response=SettingsView,
        tag=_T,
    ),
    Operation(
        "patch",
        "/v1/me/notification-settings",
        "Change my notification settings (fields omitted stay as they are)",
        request=SettingsBody,
        response=SettingsView,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/notifications/deliveries",
        "Deliveries by state (dead by default) or by event, for ops",
        request=DeliveryQuery,
        response=DeliveryList,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/notifications/deliveries/{delivery_id}",
        "One delivery with its attempt log, for ops",
        response=DeliveryView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/notifications/deliveries/{delivery_id}/replay",
        "Send a dead delivery again, for ops",
        response=DeliveryView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/notifications/receipts",
        "Provider delivery reports (relayed by ops): sent → delivered or failed",
        request=ReceiptsBody,
        response=ReceiptsView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/notifications/providers/{provider}/receipts",
        "SMS provider delivery reports (回执), a JSON list; no bearer token: signed with the "
        "provider's secret — X-Sms-Timestamp (Unix seconds, within 5 minutes by default) and "
        "X-Sms-Signature: sha256=<hex HMAC-SHA256 of '<timestamp>.<raw body>'>",
        request=SmsReportBody(many=True),
        response=SmsReportsView,
        secured=False,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/notifications/messages/{message_id}/deliveries",
        "The delivery log of anyone's message: ops, and staff for messages of a community "
        "in their scope",
        response=MessageLogView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/webhooks",
        "Subscribe a URL to event types within my scope (HMAC-SHA256 signed calls)",
        request=WebhookBody,
        status=201,
        response=WebhookView,
        tag=_T,
    ),
    Operation("get", "/v1/webhooks", "My webhook subscriptions", response=WebhookList, tag=_T),
    Operation(
        "get",
        "/v1/webhooks/{webhook_id}/deliveries",
        "The calls made to one of my webhooks, with every attempt",
        request=PageQuery,
        response=DeliveryList,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/nodes/{code}/announcements",
        "Announce to every resident of a node (street or larger: a second admin approves)",
        request=AnnouncementBody,
        status=202,
        response=AnnouncementView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/announcements/{announcement_id}/approve",
        "Approve another admin's street-wide announcement",
        response=AnnouncementView,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/announcements/{announcement_id}",
        "An announcement and how many residents it reached",
        response=AnnouncementView,
        tag=_T,
    ),
    Operation(
        "post",
        "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
        "Send a dead call to my webhook again",
        response=DeliveryView,
        tag=_T,
    ),
    Operation(
        "get",
        "/v1/notifications/preview",
        "Render the templates of an event type against its sample event",
        request=PreviewQuery,
        response=PreviewView,
        tag=_T,
    ),
)


class NotificationRoutes:
    def _require(self, request, roles: frozenset[str], action: str):
        principal = self.authenticate(request)
        if principal.role not in roles:
            raise Forbidden("role-not-allowed", f"A {principal.role} may not {action}.")
        return principal

    @route("GET", "/v1/me/inbox")
    def inbox(self, request):
        principal = self.authenticate(request)
        query = read_query(request, PageQuery)
        page = self.notifications.list_inbox(
            principal.id, locale_of(request), query["limit"], query["cursor"]
        )
        return 200, schema_of(InboxPage).dump(page)

    @route("GET", "/v1/me/inbox/unread")
    def inbox_unread(self, request):
        principal = self.authenticate(request)
        return 200, schema_of(UnreadView).dump(self.notifications.unread_count(principal.id))

    @route("POST", "/v1/me/inbox/read-all")
    def inbox_read_all(self, request):
        principal = self.authenticate(request)
        return 200, schema_of(MarkedView).dump(self.notifications.mark_all_read(principal.id))

    @route("POST", "/v1/me/inbox/<string:message_id>/read")
    def inbox_read(self, request, message_id):
        principal = self.authenticate(request)
        message = self.notifications.mark_read(principal.id, message_id, locale_of(request))
        return 200, schema_of(InboxItemView).dump(message)

    @route("GET", "/v1/me/inbox/<string:message_id>/deliveries")
    def inbox_message_log(self, request, message_id):
        principal = self.authenticate(request)
        return 200, schema_of(MessageLogView).dump(
            self.notifications.message_log(principal.id, message_id)
        )

    @route("GET", "/v1/me/notification-settings")
    def notification_settings(self, request):
        principal = self.authenticate(request)
        found = self.notifications.get_settings(
            principal.id, principal.name, principal.role, principal.scope
        )
        return 200, schema_of(SettingsView).dump(found)

    @route("PATCH", "/v1/me/notification-settings")
    def change_notification_settings(self, request):
        principal = self.authenticate(request)
        changes = read_json(request, SettingsBody)
        found = self.notifications.update_settings(
            principal.id, principal.name, principal.role, principal.scope, changes
        )
        return 200, schema_of(SettingsView).dump(found)

    @route("GET", "/v1/notifications/deliveries")
    def deliveries(self, request):
        self._require(request, OPS_ROLES, "read the delivery log")
        query = read_query(request, DeliveryQuery)
        rows = self.notifications.list_deliveries(query["state"], query["event_id"], query["limit"])
        return 200, schema_of(DeliveryList).dump({"items": rows})

    @route("GET", "/v1/notifications/deliveries/<string:delivery_id>")
    def delivery(self, request, delivery_id):
        self._require(request, OPS_ROLES, "read the delivery log")
        return 200, schema_of(DeliveryView).dump(self.notifications.show_delivery(delivery_id))

    @route("POST", "/v1/notifications/deliveries/<string:delivery_id>/replay")
    def replay_delivery(self, request, delivery_id):
        self._require(request, OPS_ROLES, "replay deliveries")
        return 200, schema_of(DeliveryView).dump(self.notifications.replay_delivery(delivery_id))

    @route("POST", "/v1/notifications/receipts")
    def receipts(self, request):
        self._require(request, OPS_ROLES, "record delivery reports")
        body = read_json(request, ReceiptsBody)
        return 200, schema_of(ReceiptsView).dump(
            self.notifications.record_receipts(body["receipts"])
        )

    @route("POST", "/v1/notifications/providers/<string:provider>/receipts")
    def provider_receipts(self, request, provider):
        """The public callback SMS providers push delivery reports to: no bearer token, the
        body signed with the provider's secret (`shared/sms_callbacks.py`). Checked
        before the body is even parsed; a refused push changes nothing."""
        if not PROVIDER_NAME.match(provider):
            raise NotFound("provider-not-found", f"No SMS provider {provider!r}.")
        raw = request.get_data(cache=True)
        refusal = sms_callbacks.report_refusal(
            sms_callbacks.callback_secret(provider),
            request.headers.get(sms_callbacks.REPORT_TIMESTAMP_HEADER),
            raw,
            request.headers.get(sms_callbacks.REPORT_SIGNATURE_HEADER),
            max_skew=sms_callbacks.callback_max_skew(),
        )
        if refusal:
            raise Unauthenticated(refusal, _REFUSALS[refusal])
        reports = _read_reports(raw)
        recorded = self.notifications.record_provider_receipts(provider, reports)
        # a non-zero code makes the provider push the batch again later: reports that
        # overtook their send must not be lost (the others are recorded once either way)
        answer = _PUSH_AGAIN if recorded.get("early") else {"code": 0, "msg": "成功"}
        return 200, schema_of(SmsReportsView).dump({**answer, **recorded})

    @route("GET", "/v1/notifications/messages/<string:message_id>/deliveries")
    def message_log(self, request, message_id):
        principal = self._require(request, OPS_ROLES | STAFF_ROLES, "read the delivery log")
        found = self.notifications.message_log(None, message_id)
        if principal.role not in OPS_ROLES:
            node = None
            if found.get("community"):
                with self.kit.unit_of_work() as uow:
                    node = DirectoryRepository(uow.session).node(found["community"])
            if node is None or not covers(principal.scope, node.code, node.ancestors):
                # staff outside its community do not learn that the message exists
                raise NotFound("message-not-found", f"No message {message_id}.")
        return 200, schema_of(MessageLogView).dump(found)

    @route("POST", "/v1/webhooks")
    def create_webhook(self, request):
        principal = self._require(request, WEBHOOK_ROLES, "subscribe webhooks")
        body = read_json(request, WebhookBody)
        created = self.notifications.create_webhook(
            principal.id, principal.scope, body["url"], body["event_types"]
        )
        return 201, schema_of(WebhookView).dump(created)

    @route("GET", "/v1/webhooks")
    def webhooks(self, request):
        principal = self._require(request, WEBHOOK_ROLES, "read webhooks")
        return 200, schema_of(WebhookList).dump(
            {"items": self.notifications.list_webhooks(principal.id)}
        )

    @route("GET", "/v1/webhooks/<string:webhook_id>/deliveries")
    def webhook_deliveries(self, request, webhook_id):
        principal = self._require(request, WEBHOOK_ROLES, "read webhooks")
        query = read_query(request, PageQuery)
        rows = self.notifications.webhook_deliveries(principal.id, webhook_id, query["limit"])
        return 200, schema_of(DeliveryList).dump({"items": rows})

    @route("POST", "/v1/webhooks/<string:webhook_id>/deliveries/<string:delivery_id>/replay")
    def replay_webhook_delivery(self, request, webhook_id, delivery_id):
        principal = self._require(request, WEBHOOK_ROLES, "replay webhook calls")
        replayed = self.notifications.replay_webhook_delivery(principal.id, webhook_id, delivery_id)
        return 200, schema_of(DeliveryView).dump(replayed)

    @route("GET", "/v1/notifications/preview")
    def preview(self, request):
        self._require(request, WEBHOOK_ROLES, "preview templates")
        query = read_query(request, PreviewQuery)
        items = self.notifications.preview(
            query["event_type"], locale_of(request), query["channel"], query["timezone"]
        )
        return 200, schema_of(PreviewView).dump({"items": items})

    @route("POST", "/v1/nodes/<string:code>/announcements")
    def announce(self, request, code):
        principal = self._require(request, ANNOUNCERS, "make announcements")
        body = read_json(request, AnnouncementBody)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(code)
        if node is None:
            raise NotFound("node-not-found", f"No node {code} in the directory.")
        access.require_in_scope(principal, node)
        created = self.notifications.create_broadcast(
            principal.id, node.code, node.kind, body["title"], body["body"]
        )
        return 202, schema_of(AnnouncementView).dump(created)

    @route("POST", "/v1/announcements/<string:announcement_id>/approve")
    def approve_announcement(self, request, announcement_id):
        principal = self._require(request, frozenset({"admin"}), "approve announcements")
        found = self.notifications.show_broadcast(announcement_id)
        with self.kit.unit_of_work() as uow:
            node = DirectoryRepository(uow.session).node(found["node"])
        if node is not None:
            access.require_in_scope(principal, node)
        approved = self.notifications.approve_broadcast(announcement_id, principal.id)
        return 200, schema_of(AnnouncementView).dump(approved)

    @route("GET", "/v1/announcements/<string:announcement_id>")
    def announcement(self, request, announcement_id):
        self._require(request, ANNOUNCERS | OPS_ROLES, "read announcements")
        found = self.notifications.show_broadcast(announcement_id)
        return 200, schema_of(AnnouncementView).dump(found)


_PUSH_AGAIN = {"code": 1, "msg": "部分回执早于发送记录，请稍后重推 (some reports came early)"}


def _read_reports(raw: bytes) -> list[dict]:
    """A provider's batch: a JSON list of reports (a single report object is taken as a
    batch of one). Anything else is a 422 and records nothing."""
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("malformed-report", f"The body is not valid JSON: {exc}") from None
    if isinstance(payload, dict):
        payload = [payload]
    if not isinstance(payload, list) or not 1 <= len(payload) <= MAX_REPORTS:
        raise ValidationFailed(
            "malformed-report", f"The body must be a list of 1–{MAX_REPORTS} delivery reports."
        )
    if not all(isinstance(item, dict) for item in payload):
        raise ValidationFailed("malformed-report", "Each delivery report must be an object.")
    try:
        return _REPORTS.load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "malformed-report", "Some delivery reports are not valid.", exc.messages
        ) from None


_REPORTS = SmsReportBody(many=True)
