"""The OpenAPI document describes every route the gateway serves, and nothing else."""

import inspect
import re

from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.gateway import openapi
from services.gateway.api import ApiRoute
from services.gateway.service import GatewayService


def served_routes() -> set[tuple[str, str]]:
    routes = set()
    for _name, method in inspect.getmembers(GatewayService, inspect.isfunction):
        for extension in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(extension, ApiRoute):
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", extension.url)
                routes.add((extension.method.lower(), path))
    return routes


def documented_routes() -> set[tuple[str, str]]:
    document = openapi.document()
    return {(verb, path) for path, item in document["paths"].items() for verb in item}


def test_every_served_route_is_documented_and_every_documented_one_is_served():
    assert served_routes() == documented_routes()


def test_request_and_response_bodies_come_from_the_marshmallow_schemas():
    operation = openapi.document()["paths"]["/v1/communities/{code}/issues"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReportIssue") or "ReportIssue" in body["$ref"]
    assert "422" in operation["responses"] and "201" in operation["responses"]
