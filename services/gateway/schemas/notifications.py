"""HTTP schemas of the notifications part of the API."""

from marshmallow import Schema, fields


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
