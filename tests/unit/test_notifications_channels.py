"""Templates per kind × channel × locale, and the shape of what goes to providers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from services.notifications import templates
from services.notifications.channels.base import Outgoing
from services.notifications.channels.sms import TemplateSmsProvider
from services.notifications.channels.webhook import signature, verify
from services.notifications.domain.rules import RULES
from shared.events import CATALOGUE


def test_the_new_issue_title_is_worded_for_each_locale():
    params = {"title": "暖气不热", "category": "heating", "issue_id": "iss-1"}
    assert templates.render("issue_assigned", params)["title"] == "新的居民诉求：暖气不热"
    assert templates.render("issue_assigned", params, locale="en")["title"] == "New issue: 暖气不热"


def test_dates_are_shown_in_the_readers_time_zone_and_locale():
    params = {"title": "t", "clock": "response", "due_at": "2026-11-27T11:30:00+00:00"}
    zh = templates.render("deadline_breached", params)["body"]
    en = templates.render("deadline_breached", params, locale="en", timezone="Europe/Berlin")[
        "body"
    ]
    assert "19:30" in zh and "2026年11月27日" in zh
    assert "12:30" in en and "Nov 27, 2026" in en


def test_numbers_are_localised():
    assert (
        "12,345"
        in templates.render("issue_supported", {"title": "t", "supporters": 12345}, locale="en")[
            "body"
        ]
    )


def test_sms_has_its_own_shorter_wording():
    params = {"title": "t", "clock": "response", "due_at": "2026-11-27T11:30:00+00:00"}
    assert templates.render("deadline_breached", params, channel="sms")["body"] == (
        "诉求「t」已超时并上报，请立即处理。"
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.event_type)
def test_every_rule_renders_its_sample_event_in_both_locales(rule):
    from services.notifications.handlers.common import jsonable

    sample = jsonable(CATALOGUE.latest(rule.event_type).example_data())
    for locale in templates.LOCALES:
        rendered = templates.render(rule.kind, sample, locale=locale)
        assert rendered["title"] and rendered["title"] != rule.kind


def kinds_and_channels(rule) -> list[tuple[str, str]]:
    """What a rule makes people read: its message (and reminder) on each of its channels."""
    kinds = [rule.kind] + ([rule.reminder_kind] if rule.reminders else [])
    return [(kind, channel) for kind in kinds for channel in rule.channels]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.event_type)
def test_every_rules_templates_are_written_in_both_locales_for_every_channel(rule):
    """Meeting, project and every other rule: each kind it sends (reminders included) has
    its own zh-CN and en wording — no silent fallback to Chinese — and renders on each of
    the rule's channels against the catalogue's example event with no variable missing
    (the environment is strict: a missing variable fails the render)."""
    from services.notifications.handlers.common import jsonable
    from services.notifications.templates.texts import TEXTS

    sample = jsonable(CATALOGUE.latest(rule.event_type).example_data())
    for kind, channel in kinds_and_channels(rule):
        assert set(TEXTS[kind]) == set(templates.LOCALES), kind
        rendered = {
            locale: templates.render(kind, sample, locale=locale, channel=channel)
            for locale in templates.LOCALES
        }
        for locale, text in rendered.items():
            assert text["title"].strip() and text["body"].strip(), (kind, channel, locale)
            assert "{{" not in text["title"] + text["body"], (kind, channel, locale)
        assert rendered["en"]["title"] != rendered["zh-CN"]["title"], (kind, channel)
        assert rendered["en"]["body"] != rendered["zh-CN"]["body"], (kind, channel)


def test_the_chinese_sms_adapter_sends_a_template_code_with_signature_and_parameters():
    provider = TemplateSmsProvider("aliyun", "http://sms.invalid", "key-id", "secret", "凉亭")
    message = Outgoing(
        "dlv-1",
        "sms",
        "13800000000",
        "t",
        "b",
        "shift_assigned",
        params={"title": "交通引导", "starts_at": "2026-11-30T23:10:00+00:00", "nested": {}},
        sms_template_code="SMS_123",
    )
    params = provider.request_params(message, datetime(2026, 11, 27, tzinfo=UTC))
    assert params["SignName"] == "凉亭" and params["TemplateCode"] == "SMS_123"
    assert params["PhoneNumbers"] == "13800000000" and params["OutId"] == "dlv-1"
    assert json.loads(params["TemplateParam"])["title"] == "交通引导"
    assert "nested" not in json.loads(params["TemplateParam"])
    assert params["Signature"]


def test_a_webhook_signature_is_checked_against_secret_and_age():
    now = str(int(time.time()))
    header = signature("s3cret", now, b"{}")
    assert header.startswith("sha256=") and verify("s3cret", now, b"{}", header)
    assert not verify("s3cret", now, b'{"x":1}', header)
    old = str(int(time.time()) - 3600)
    assert not verify("s3cret", old, b"{}", signature("s3cret", old, b"{}"))
