"""The API and event documents."""

from __future__ import annotations

from werkzeug.wrappers import Response

from .. import openapi
from ..api import route
from ..openapi import Operation

OPERATIONS = (
    Operation("get", "/v1/openapi.json", "This document", secured=False, tag="documentation"),
    Operation(
        "get",
        "/v1/asyncapi.json",
        "The event catalogue as AsyncAPI",
        secured=False,
        tag="documentation",
    ),
    Operation("get", "/v1/docs", "Human-readable API docs", secured=False, tag="documentation"),
)


class DocumentationRoutes:
    @route("GET", "/v1/openapi.json")
    def openapi_document(self, request):
        return 200, openapi.document()

    @route("GET", "/v1/asyncapi.json")
    def asyncapi_document(self, request):
        return 200, openapi.asyncapi_document()

    @route("GET", "/v1/docs")
    def docs_page(self, request):
        return Response(openapi.docs_html(), mimetype="text/html")
