"""The OpenAPI 3 document of the public API (generated from the marshmallow schemas with
apispec), the AsyncAPI document of the event catalogue, and a plain docs page."""

from __future__ import annotations

import html
from functools import cache
from typing import NamedTuple

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter

from shared.events import CATALOGUE

from .schemas.common import Problem

BEARER = [{"bearer": []}]


class Operation(NamedTuple):
    """One documented operation of the public API (each routes module lists its own)."""

    method: str
    path: str
    summary: str
    request: type | None = None
    status: int = 200
    response: type | None = None
    secured: bool = True
    tag: str = "api"


COMMON_ERRORS = (400, 401, 403, 404, 413, 415, 422, 503)


def _parameters_of(path: str) -> list[dict]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in names
    ]


def _operations() -> tuple:
    from .routes import ALL_OPERATIONS  # the routes import this module for their documents

    return ALL_OPERATIONS


@cache
def document() -> dict:
    spec = APISpec(
        title="Pavilion API",
        version="1.0.0",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": "Community governance for a whole district. Errors are RFC 9457 "
            "problem details (application/problem+json)."
        },
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.schema("Problem", schema=Problem)
    problem = {"content": {"application/problem+json": {"schema": "Problem"}}}
    for method, path, summary, request, status, response, secured, tag in _operations():
        operation: dict = {
            "summary": summary,
            "tags": [tag],
            "parameters": _parameters_of(path),
            "responses": {},
        }
        if secured:
            operation["security"] = BEARER
        if request is not None and method == "get":
            operation["parameters"].append({"in": "query", "schema": request})
        elif request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": request}},
            }
            operation["parameters"].append(
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "schema": {"type": "string"},
                }
            )
        ok: dict = {"description": "OK"}
        if response is not None:
            ok["content"] = {"application/json": {"schema": response}}
        operation["responses"][str(status)] = ok
        for error in COMMON_ERRORS if secured or request else (503,):
            operation["responses"][str(error)] = {"description": "Problem", **problem}
        spec.path(path=path, operations={method: operation})
    return spec.to_dict()


@cache
def asyncapi_document() -> dict:
    converter = OpenAPIConverter("3.0.0", lambda schema: None, APISpec("x", "1", "3.0.0"))
    channels, messages = {}, {}
    for event_type in CATALOGUE:
        key = f"{event_type.name}.v{event_type.version}"
        messages[key] = {
            "name": event_type.name,
            "title": f"{event_type.name} v{event_type.version}",
            "summary": event_type.description,
            "contentType": "application/json",
            "payload": converter.schema2jsonschema(event_type.schema),
            "examples": [{"payload": event_type.example}],
        }
        channels.setdefault(
            event_type.name,
            {
                "address": f"{event_type.service}.events / routing key {event_type.name}",
                "messages": {},
            },
        )["messages"][key] = {"$ref": f"#/components/messages/{key}"}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Pavilion events",
            "version": "1.0.0",
            "description": "CloudEvents-style envelopes; `data` follows the payload schema "
            "named by `dataschema`.",
        },
        "channels": channels,
        "components": {"messages": messages},
    }


def docs_html() -> str:
    rows = "".join(
        f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
        f"<td>{html.escape(summary)}</td></tr>"
        for method, path, summary, *_ in _operations()
    )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Pavilion API</title>"
        "<body style='font-family:sans-serif;max-width:60em;margin:2em auto'>"
        "<h1>Pavilion API 凉亭 · 接口文档</h1>"
        "<p>Machine-readable: <a href='/v1/openapi.json'>OpenAPI 3</a> · "
        "<a href='/v1/asyncapi.json'>AsyncAPI (events)</a>. Authenticate with "
        "<code>Authorization: Bearer &lt;token&gt;</code> (<code>pavilion token</code>).</p>"
        f"<table border='1' cellpadding='4' cellspacing='0'>{rows}</table></body></html>"
    )
