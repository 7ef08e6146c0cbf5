"""HTTP plumbing of the public API: JSON in and out, RFC 9457 problem details for every
error (routing errors included), a body size limit, and the correlation id header.

A route method returns `(status, body)` or `(status, body, headers)` with a JSON-able body,
or a werkzeug `Response`; it raises a `PavilionError` for anything the caller did wrong.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from functools import cache, partial
from typing import Any

from eventlet.event import Event
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from shared.db.engine import as_unavailable
from shared.errors import (
    BadRequest,
    PavilionError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from shared.logging import CONTEXT_KEY, get_logger, new_correlation_id
from shared.metrics import HTTP_SECONDS

log = get_logger(__name__)
PROBLEM_TYPE = "application/problem+json"
_CORRELATION_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_UNEXPECTED_TITLE = {"en": "Internal error", "zh-CN": "内部错误"}


def locale_of(request: Request) -> str:
    for language in request.accept_languages.values():
        if language.lower().startswith("en"):
            return "en"
        if language.lower().startswith("zh"):
            return "zh-CN"
    return "zh-CN"


def json_response(status: int, body: Any, headers: dict | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        headers=headers,
        mimetype="application/json",
    )


def retry_after(status: int) -> dict | None:
    """Headers telling a client when to try again: a 503 (a service not answering) is brief."""
    return {"Retry-After": "5"} if status == 503 else None


def problem_response(
    request: Request, status: int, code: str, title: dict, detail: str, fields: dict | None = None
) -> Response:
    body = {
        "type": f"urn:pavilion:problem:{code}",
        "title": title.get(locale_of(request), title["en"]),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "code": code,
    }
    if fields:
        body["errors"] = fields
    correlation_id = getattr(request, "correlation_id", None)
    if correlation_id:
        body["correlation_id"] = correlation_id
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        headers=retry_after(status),
        mimetype=PROBLEM_TYPE,
    )


def response_for_exception(request: Request, exc: BaseException) -> Response:
    if isinstance(exc, PavilionError):
        return problem_response(request, exc.status, exc.code, exc.title, exc.detail, exc.fields)
    if isinstance(exc, RequestEntityTooLarge):
        return response_for_exception(
            request, PayloadTooLarge("body-too-large", "The request body is too large.")
        )
    if isinstance(exc, HTTPException):
        code = {404: "route-not-found", 405: "method-not-allowed"}.get(exc.code, "http-error")
        title = {"en": exc.name, "zh-CN": exc.name}
        return problem_response(request, exc.code or 400, code, title, exc.description or "")
    unavailable = as_unavailable(exc)  # the gateway's own database
    if unavailable is not None:
        log.warning("http.database_unavailable", path=request.path, error=repr(exc))
        return response_for_exception(request, unavailable)
    log.error("http.unexpected_error", path=request.path, error=repr(exc), exc_info=exc)
    return problem_response(
        request, 500, "internal-error", _UNEXPECTED_TITLE, "Something went wrong on our side."
    )


@cache
def schema_of(cls: type[Schema]) -> Schema:
    """One shared instance per schema class: making a marshmallow schema deep-copies all its
    fields, which costs more than loading or dumping a body with it. Schemas keep no state
    between `load`/`dump` calls, so green threads can share them."""
    return cls()


def read_json(request: Request, schema: Schema | type[Schema]) -> dict:
    """The request body, loaded through `schema` (an instance, or a class: its shared
    instance); clear 4xx problems otherwise."""
    if isinstance(schema, type):
        schema = schema_of(schema)
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType("json-required", "Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("malformed-json", f"The body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadRequest("json-object-required", "The body must be a JSON object.")
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid-request", "Some fields are not valid.", exc.messages
        ) from None


def read_query(request: Request, schema: Schema | type[Schema]) -> dict:
    """The query string, loaded through `schema` (an instance, or a class: its shared
    instance); a 422 problem otherwise."""
    if isinstance(schema, type):
        schema = schema_of(schema)
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise ValidationFailed(
            "invalid-query", "Some query parameters are not valid.", exc.messages
        ) from None


def idempotency_key(request: Request) -> str:
    """The client's Idempotency-Key, or one made for this request: the RPC call it rides on may
    be delivered twice (a broker outage mid-call), and must then still create one thing."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return f"auto-{uuid.uuid4().hex}"
    if not 1 <= len(key) <= 200:
        raise ValidationFailed(
            "invalid-idempotency-key", "Idempotency-Key must be 1–200 characters."
        )
    return f"client-{key}"


class ApiServer(WebServer):
    def context_data_from_headers(self, request):
        offered = request.headers.get("X-Correlation-Id", "")
        request.correlation_id = offered if _CORRELATION_ID.match(offered) else new_correlation_id()
        return {CONTEXT_KEY: request.correlation_id}

    def get_wsgi_app(self):
        return ApiWsgiApp(self)


class ApiWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            response = response_for_exception(request, exc)
        return response(environ, start_response)


class ApiRoute(HttpRequestHandler):
    server = ApiServer()

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", PavilionError)
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        started = time.perf_counter()
        request.shallow = False
        settings = self.container.config["PAVILION"]
        request.max_content_length = settings.max_body_bytes
        try:
            context_data = self.server.context_data_from_headers(request)
            if (request.content_length or 0) > settings.max_body_bytes:
                raise PayloadTooLarge(
                    "body-too-large",
                    f"The request body exceeds {settings.max_body_bytes} bytes.",
                )
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            event = Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data=context_data,
                handle_result=partial(self.handle_result, event),
            )
            response = self.response_from_result(event.wait())
        except Exception as exc:
            response = response_for_exception(request, exc)
        correlation_id = getattr(request, "correlation_id", "")
        response.headers["X-Correlation-Id"] = correlation_id
        elapsed = time.perf_counter() - started
        HTTP_SECONDS.labels(request.method, str(response.status_code)).observe(elapsed)
        log.info(
            "http.request",
            service="gateway",
            correlation_id=correlation_id,
            method=request.method,
            path=request.path,
            status=response.status_code,
            ms=round(elapsed * 1000, 1),
        )
        return response

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        return json_response(*result)


route = ApiRoute.decorator
