"""HTTP schemas of the notifications part of the API."""

from marshmallow import EXCLUDE, Schema, fields, validate

from .common import StrictSchema

CATEGORIES = ("issues", "sla", "volunteering", "meetings", "projects", "announcements")
CHANNELS = ("in_app", "sms", "email", "bot", "webhook")


class InboxItemView(Schema):
    id = fields.String()
    kind = fields.String()
    title = fields.String()
    body = fields.String()
    subject = fields.String(allow_none=True)
    community = fields.String(allow_none=True)
    created_at = fields.String(metadata={"format": "date-time"})
    read_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class InboxPage(Schema):
    items = fields.List(fields.Nested(InboxItemView))
    unread = fields.Integer()
    next_cursor = fields.String(allow_none=True)


class UnreadView(Schema):
    unread = fields.Integer()


class MarkedView(Schema):
    marked = fields.Integer()
    unread = fields.Integer()


class QuietHoursBody(StrictSchema):
    start = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))


class PreferenceBody(StrictSchema):
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    enabled = fields.Boolean(required=True)


class SettingsBody(StrictSchema):
    """Only the fields sent change."""

    locale = fields.String(validate=validate.OneOf(("zh-CN", "en")))
    timezone = fields.String(validate=validate.Length(min=1, max=60))
    phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?\d{6,15}$"))
    email = fields.Email(allow_none=True)
    bot_url = fields.Url(allow_none=True, schemes={"https", "http"})
    quiet_hours = fields.Nested(QuietHoursBody, allow_none=True)
    digest = fields.String(validate=validate.OneOf(("off", "hourly", "daily")))
    preferences = fields.List(fields.Nested(PreferenceBody))


class PreferenceView(Schema):
    category = fields.String()
    channel = fields.String()
    enabled = fields.Boolean()


class QuietHoursView(Schema):
    start = fields.String()
    end = fields.String()


class SettingsView(Schema):
    locale = fields.String()
    timezone = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    bot_url = fields.String(allow_none=True)
    quiet_hours = fields.Nested(QuietHoursView, allow_none=True)
    digest = fields.String()
    preferences = fields.List(fields.Nested(PreferenceView))


class AttemptView(Schema):
    attempt = fields.Integer()
    provider = fields.String()
    outcome = fields.String()
    error = fields.String(allow_none=True)
    at = fields.String(metadata={"format": "date-time"})


class DeliveryView(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    recipient_id = fields.String()
    channel = fields.String()
    kind = fields.String()
    state = fields.String()
    attempts = fields.Integer()
    provider_index = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    message_id = fields.String(allow_none=True)
    provider_reference = fields.String(
        allow_none=True, metadata={"description": "The provider's message id (SMS: BizId)"}
    )
    created_at = fields.String()
    updated_at = fields.String()
    log = fields.List(fields.Nested(AttemptView))


class DeliveryList(Schema):
    items = fields.List(fields.Nested(DeliveryView))


class DeliveryQuery(Schema):
    state = fields.String(
        load_default=None,
        validate=validate.OneOf(
            ("queued", "sending", "sent", "delivered", "failed", "dead", "cancelled")
        ),
    )
    event_id = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MessageLogView(Schema):
    message_id = fields.String()
    recipient_id = fields.String()
    community = fields.String(allow_none=True)
    created_at = fields.String()
    read_at = fields.String(allow_none=True)
    deliveries = fields.List(fields.Nested(DeliveryView))


class WebhookBody(StrictSchema):
    url = fields.Url(required=True, schemes={"https", "http"})
    event_types = fields.List(
        fields.String(), required=True, validate=validate.Length(min=1, max=50)
    )


class WebhookView(Schema):
    id = fields.String()
    url = fields.String()
    scope = fields.String()
    event_types = fields.List(fields.String())
    created_at = fields.String()
    secret = fields.String(metadata={"description": "Shown once, when created"})


class WebhookList(Schema):
    items = fields.List(fields.Nested(WebhookView))


class PreviewQuery(Schema):
    event_type = fields.String(required=True)
    channel = fields.String(load_default="in_app", validate=validate.OneOf(CHANNELS))
    timezone = fields.String(load_default="Asia/Shanghai")


class PreviewItem(Schema):
    kind = fields.String()
    category = fields.String()
    channels = fields.List(fields.String())
    critical = fields.Boolean()
    title = fields.String()
    body = fields.String()


class PreviewView(Schema):
    items = fields.List(fields.Nested(PreviewItem))


class AnnouncementBody(StrictSchema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class AnnouncementView(Schema):
    id = fields.String()
    node = fields.String()
    title = fields.String()
    body = fields.String()
    state = fields.String(metadata={"description": "awaiting_approval | sending | done"})
    created_by = fields.String()
    approved_by = fields.String(allow_none=True)
    delivered = fields.Integer()
    created_at = fields.String()
    finished_at = fields.String(allow_none=True)


class ReceiptBody(StrictSchema):
    delivery_id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    delivered = fields.Boolean(required=True)
    error = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReceiptsBody(StrictSchema):
    receipts = fields.List(
        fields.Nested(ReceiptBody), required=True, validate=validate.Length(min=1, max=1000)
    )


class ReceiptsView(Schema):
    updated = fields.Integer()


class SmsReportBody(Schema):
    """One delivery report (回执) as Chinese SMS providers push them (Aliyun SmsReport shape).
    Fields the provider adds and we do not use (`phone_number`, `sms_size`...) are ignored."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    biz_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The provider's message id (returned as BizId on send)"},
    )
    out_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "Our delivery id, sent to the provider as OutId"},
    )
    success = fields.Boolean(required=True, metadata={"description": "Delivered to the phone"})
    err_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    err_msg = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    report_time = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}"),
        metadata={"description": "When the operator reported it, 'YYYY-MM-DD HH:MM:SS'"},
    )
    send_time = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class SmsReportsView(Schema):
    code = fields.Integer(
        metadata={
            "description": "0: received (what the provider expects); 1: push the batch "
            "again later (some reports overtook their send, see `early`)"
        }
    )
    msg = fields.String()
    delivered = fields.Integer()
    failed = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "Reports already recorded"})
    unknown = fields.List(
        fields.String(), metadata={"description": "biz_ids of no SMS this provider sent us"}
    )
    early = fields.List(
        fields.String(),
        metadata={"description": "biz_ids of SMS whose send is still being recorded"},
    )
