"""An Open311 GeoReport v2 compatible surface over issues, so existing 311 clients can read
the catalogue and the requests and report (form-encoded or JSON; `api_key` may carry the
bearer token). Errors come as Open311 clients expect them: a JSON array of
`{"code", "description"}` with the HTTP status as code (plus Pavilion's problem code)."""

from __future__ import annotations

import functools
from types import SimpleNamespace

from marshmallow import ValidationError
from werkzeug.wrappers import Request

from shared.db.engine import as_unavailable
from shared.errors import NotFound, PavilionError, ValidationFailed

from .. import access
from ..api import json_response, read_json, read_query, retry_after, route
from ..openapi import Operation
from ..schemas.open311 import (
    JurisdictionQuery,
    PostRequestBody,
    RequestCreatedView,
    RequestsQuery,
    RequestView,
    ServiceDefinitionView,
    ServiceList,
)
from .lookups import DirectoryLookups

OPERATIONS = (
    Operation(
        "get",
        "/open311/v2/services.json",
        "Open311: the service list (categories of a jurisdiction = community)",
        request=JurisdictionQuery,
        response=ServiceList,
        secured=False,
        tag="open311",
    ),
    Operation(
        "get",
        "/open311/v2/services/{service_file}",
        "Open311: one service definition ({service_code}.json) with its attributes",
        request=JurisdictionQuery,
        response=ServiceDefinitionView,
        secured=False,
        tag="open311",
    ),
    Operation(
        "get",
        "/open311/v2/requests.json",
        "Open311: service requests of a jurisdiction (public view)",
        request=RequestsQuery,
        response=RequestView,
        secured=False,
        tag="open311",
    ),
    Operation(
        "post",
        "/open311/v2/requests.json",
        "Open311: report a service request (form-encoded or JSON; token as api_key or Bearer)",
        request=PostRequestBody,
        status=201,
        response=RequestCreatedView,
        tag="open311",
    ),
    Operation(
        "get",
        "/open311/v2/requests/{request_file}",
        "Open311: one service request ({service_request_id}.json)",
        response=RequestView,
        secured=False,
        tag="open311",
    ),
)
PUBLIC = {"id": "", "role": "public"}


def _strip_json(name: str, what: str) -> str:
    if not name.endswith(".json"):
        raise NotFound("format-not-supported", f"Ask for {what}.json: only JSON is served.")
    return name[: -len(".json")]


def _text(value) -> str:
    if isinstance(value, dict):
        return value.get("zh-CN") or value.get("en") or ""
    return value or ""


def _service(category: dict) -> dict:
    return {
        "service_code": category["code"],
        "service_name": _text(category["name"]),
        "description": _text(category["stop_message"]) or _text(category["name"]),
        "metadata": any(not a["hidden"] for a in category["attributes"]),
        "type": "realtime",
        "keywords": ",".join(category["keywords"]),
        "group": category["group"],
    }


def _definition(category: dict) -> dict:
    return {
        "service_code": category["code"],
        "attributes": [
            {
                "variable": True,
                "code": a["code"],
                "datatype": a.get("datatype", "string"),
                "required": bool(a.get("required")),
                "datatype_description": "",
                "order": a.get("order", 0),
                "description": _text(a.get("description")) or a["code"],
                "values": a.get("values") or [],
            }
            for a in category["attributes"]
            if not a["hidden"]
        ],
    }


def _request(issue: dict, names: dict[str, str]) -> dict:
    return {
        "service_request_id": issue["id"],
        "status": issue["open311_status"],
        "status_notes": issue.get("resolution_note"),
        "service_name": names.get(issue["category"], issue["category"]),
        "service_code": issue["category"],
        "description": issue["description"] or issue["title"],
        "agency_responsible": issue.get("partner") or issue["community"],
        "service_notice": None,
        "requested_datetime": issue["reported_at"],
        "updated_datetime": issue["updated_at"],
        "expected_datetime": issue.get("resolution_due_at"),
        "address": issue.get("compound") or issue["community"],
        "address_id": issue.get("building"),
        "zipcode": None,
        "lat": issue.get("latitude"),
        "long": issue.get("longitude"),
        "media_url": (issue.get("photos") or [None])[0],
    }


def _form(request: Request) -> tuple[dict, dict]:
    """The body as fields and `attribute[<code>]` answers, form-encoded or JSON."""
    if (request.mimetype or "").endswith("json"):
        raw = read_json(request, _Passthrough())
    else:
        raw = {key: request.form.get(key) for key in request.form}
    answers = {
        key[len("attribute[") : -1]: value
        for key, value in raw.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    if isinstance(raw.get("attribute"), dict):
        answers.update(raw["attribute"])
    fields = {k: v for k, v in raw.items() if not k.startswith("attribute")}
    return fields, answers


class _Passthrough:
    def load(self, payload):
        return payload


def open311_errors(handler):
    """Answer a refused request in Open311's error shape instead of problem details."""

    @functools.wraps(handler)
    def answer(self, request, *args, **kwargs):
        try:
            try:
                return handler(self, request, *args, **kwargs)
            except Exception as exc:  # the gateway's own database busy: a 503 here too
                unavailable = as_unavailable(exc)
                if unavailable is None:
                    raise
                raise unavailable from exc
        except PavilionError as exc:
            errors = [
                {"code": exc.status, "description": f"{name}: {'; '.join(map(str, messages))}"}
                for name, messages in _flat(exc.fields or {})
            ] or [{"code": exc.status, "description": exc.detail}]
            for error in errors:
                error["pavilion_code"] = exc.code
            return json_response(exc.status, errors, retry_after(exc.status))

    return answer


def _flat(fields: dict, prefix: str = ""):
    for name, messages in fields.items():
        if isinstance(messages, dict):
            yield from _flat(messages, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", messages if isinstance(messages, list) else [messages]


class Open311Routes(DirectoryLookups):
    def _categories(self, jurisdiction: str | None) -> list[dict]:
        if jurisdiction:
            access.require_community(self._node(jurisdiction), jurisdiction)
        return self.issues.catalogue(jurisdiction or "")

    @route("GET", "/open311/v2/services.json")
    @open311_errors
    def open311_services(self, request):
        query = read_query(request, JurisdictionQuery)
        return 200, [_service(c) for c in self._categories(query["jurisdiction_id"])]

    @route("GET", "/open311/v2/services/<string:service_file>")
    @open311_errors
    def open311_service(self, request, service_file):
        code = _strip_json(service_file, "services/{service_code}")
        query = read_query(request, JurisdictionQuery)
        for category in self._categories(query["jurisdiction_id"]):
            if category["code"] == code:
                return 200, _definition(category)
        raise NotFound("service-not-found", f"No service {code}.")

    @route("POST", "/open311/v2/requests.json")
    @open311_errors
    def open311_post_request(self, request):
        fields, answers = _form(request)
        api_key = fields.pop("api_key", None)
        if api_key and not request.headers.get("Authorization"):
            principal = self.authenticate(
                SimpleNamespace(headers={"Authorization": f"Bearer {api_key}"})
            )
        else:
            principal = self.authenticate(request)
        access.require_role(principal, access.REPORTING_ROLES, "report issues")
        try:
            body = PostRequestBody().load(fields)
        except ValidationError as exc:
            raise ValidationFailed(
                "invalid-request", "Some fields are not valid.", exc.messages
            ) from None
        code = body["jurisdiction_id"]
        community = access.require_community(self._node(code), code)
        access.require_in_scope(principal, community)
        building = None
        if body["address_id"]:
            access.require_place_in(
                self._node(body["address_id"]), "building", body["address_id"], code
            )
            building = body["address_id"]
        description = body["description"] or body["address_string"]
        name = " ".join(part for part in (body["last_name"], body["first_name"]) if part) or None
        issue = self.issues.report_issue(
            {
                "community": code,
                "category": body["service_code"],
                "title": (description or body["service_code"])[:60],
                "description": "\n".join(
                    p for p in (body["description"], body["address_string"]) if p
                ),
                "building": building,
                "latitude": body["lat"],
                "longitude": body["long"],
                "channel": "app",
                "reporter_id": principal.id,
                "contact_name": name,
                "contact_phone": body["phone"],
                "answers": answers,
                "photos": [body["media_url"]] if body["media_url"] else [],
            },
            f"open311-{request.headers.get('Idempotency-Key')}"
            if request.headers.get("Idempotency-Key")
            else None,
        )
        created = {
            "service_request_id": issue["id"],
            "service_notice": "",
            "account_id": None,
        }
        return json_response(
            201, [created], {"Location": f"/open311/v2/requests/{issue['id']}.json"}
        )

    @route("GET", "/open311/v2/requests.json")
    @open311_errors
    def open311_requests(self, request):
        query = read_query(request, RequestsQuery)
        jurisdiction = query["jurisdiction_id"]
        if not jurisdiction:
            raise ValidationFailed(
                "jurisdiction-required",
                "Name the community as jurisdiction_id.",
                {"jurisdiction_id": ["required"]},
            )
        access.require_community(self._node(jurisdiction), jurisdiction)
        names = {c["code"]: _text(c["name"]) for c in self.issues.catalogue(jurisdiction)}
        filters = {"node": jurisdiction, "limit": 200}
        if query["service_code"]:
            filters["category"] = [query["service_code"]]
        if query["start_date"]:
            filters["reported_from"] = query["start_date"].isoformat()
        if query["end_date"]:
            filters["reported_to"] = query["end_date"].isoformat()
        items = self.issues.list_issues(filters, PUBLIC)["items"]
        if query["status"]:
            items = [i for i in items if i["open311_status"] == query["status"]]
        if query["service_request_id"]:
            wanted = set(query["service_request_id"].split(","))
            items = [i for i in items if i["id"] in wanted]
        return 200, [_request(i, names) for i in items]

    @route("GET", "/open311/v2/requests/<string:request_file>")
    @open311_errors
    def open311_request(self, request, request_file):
        issue_id = _strip_json(request_file, "requests/{service_request_id}")
        issue = self.issues.get_issue(issue_id, PUBLIC)
        names = {c["code"]: _text(c["name"]) for c in self.issues.catalogue(issue["community"])}
        return 200, [_request(issue, names)]
