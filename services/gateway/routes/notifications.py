"""The caller's in-app inbox."""

from __future__ import annotations

from ..api import locale_of, read_query, route
from ..openapi import Operation
from ..schemas.common import PageQuery
from ..schemas.notifications import InboxPage

OPERATIONS = (
    Operation(
        "get",
        "/v1/me/inbox",
        "My in-app inbox, newest first",
        request=PageQuery,
        response=InboxPage,
        tag="notifications",
    ),
)


class NotificationRoutes:
    @route("GET", "/v1/me/inbox")
    def inbox(self, request):
        principal = self.authenticate(request)
        query = read_query(request, PageQuery())
        page = self.notifications.list_inbox(
            principal.id, locale_of(request), query["limit"], query["cursor"]
        )
        return 200, InboxPage().dump(page)
