"""The event contract: every producer's output loads in every consumer."""

import ast
import json
from pathlib import Path

import pytest
from marshmallow import ValidationError

from shared.events import CATALOGUE, UnknownEventType
from shared.messaging.topology import SUBSCRIPTIONS, queue_name

ROOT = Path(__file__).resolve().parents[2]


def _published_types() -> set[str]:
    """Event types that services record in their outbox (`uow.publish("<type>", ...)`)."""
    found = set()
    for path in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "publish"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.add(node.args[0].value)
    return found


def _consumer_entrypoints() -> set[tuple[str, str, str]]:
    """(event type, service, method) of every `@event_consumer` in the services."""
    found = set()
    for path in (ROOT / "services").glob("*/**/*.py"):
        service = path.relative_to(ROOT / "services").parts[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    if (
                        isinstance(decorator, ast.Call)
                        and getattr(decorator.func, "id", "") == "event_consumer"
                    ):
                        found.add((decorator.args[0].value, service, node.name))
    return found


@pytest.mark.parametrize("event_type", list(CATALOGUE), ids=lambda t: f"{t.name}.v{t.version}")
def test_every_event_type_round_trips_from_producer_to_consumer(event_type):
    envelope = CATALOGUE.envelope(
        event_type.name,
        event_type.example_data(),
        community="150105001001",
        version=event_type.version,
    )
    wire = json.loads(json.dumps(envelope.to_message()))
    loaded = CATALOGUE.load(wire)
    assert loaded.type == event_type.name
    assert loaded.version == event_type.version
    assert loaded.data == event_type.example_data()


def test_every_published_type_is_in_the_catalogue():
    for name in _published_types():
        assert CATALOGUE.latest(name)


def test_every_subscription_is_to_a_catalogued_event_with_a_matching_entrypoint():
    assert _consumer_entrypoints() == set(SUBSCRIPTIONS)
    for event_type, _service, _method in SUBSCRIPTIONS:
        assert CATALOGUE.latest(event_type)


def test_every_subscribed_event_is_published_by_some_service():
    assert {t for t, _, _ in SUBSCRIPTIONS} <= _published_types()


def test_queue_names_follow_nameko_conventions():
    assert (
        queue_name("issues.issue_reported", "notifications", "on_issue_reported")
        == "evt-issues-issue_reported--notifications.on_issue_reported"
    )


def test_a_producer_cannot_emit_an_event_missing_a_required_field():
    data = CATALOGUE.latest("issues.issue_reported").example_data()
    del data["issue_id"]
    with pytest.raises(ValidationError):
        CATALOGUE.envelope("issues.issue_reported", data, community="150105001001")


def test_a_consumer_ignores_fields_added_later_to_the_same_version():
    event_type = CATALOGUE.latest("issues.issue_reported")
    message = CATALOGUE.envelope(
        event_type.name, event_type.example_data(), community="c"
    ).to_message()
    message["data"]["added_in_a_later_release"] = "fine"
    assert "added_in_a_later_release" not in CATALOGUE.load(message).data


def test_a_consumer_refuses_an_unknown_type_or_a_broken_envelope():
    message = CATALOGUE.envelope(
        "issues.issue_reported",
        CATALOGUE.latest("issues.issue_reported").example_data(),
        community="c",
    ).to_message()
    with pytest.raises(UnknownEventType):
        CATALOGUE.load({**message, "dataschema": "urn:pavilion:event:issues.issue_reported:v9"})
    with pytest.raises(ValidationError):
        CATALOGUE.load({k: v for k, v in message.items() if k != "id"})
    with pytest.raises(ValidationError):
        CATALOGUE.load(["not", "an", "object"])


def test_the_latest_version_is_the_highest_registered_in_any_order():
    from shared.events.catalogue import Catalogue, EventData

    catalogue = Catalogue()
    for version in (2, 3, 1):
        catalogue.register(
            "tests.thing_happened", version, EventData, description="a test", example={}
        )
    assert catalogue.latest("tests.thing_happened").version == 3
    with pytest.raises(UnknownEventType):
        catalogue.latest("tests.never_registered")
