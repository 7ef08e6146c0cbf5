"""Rendering messages: Jinja2 templates per kind × channel × locale, with dates and numbers
localised by Babel in the reader's locale and time zone. Messages are stored as kind +
parameters and worded when read or sent, so each reader gets their own language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_decimal
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from .texts import OUTCOME_ZH, SATISFACTION_ZH, STATUS_ZH, STEP_ZH, TEXTS

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"
DEFAULT_TIMEZONE = "Asia/Shanghai"
_BABEL = {"zh-CN": "zh_Hans_CN", "en": "en"}

# kind → the template code registered with the SMS provider (Chinese providers only send
# pre-approved templates; the code and signature are configured per deployment)
SMS_TEMPLATE_CODES = {kind: f"PAVILION_{kind.upper()}" for kind in TEXTS}


class UnknownTemplate(LookupError):
    pass


def _environment(locale: str, timezone: str) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined)
    zone = ZoneInfo(timezone)

    def when(value: Any) -> str:
        if value is None:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_datetime(moment.astimezone(zone), "medium", locale=_BABEL[locale])

    env.filters["when"] = when
    env.filters["number"] = lambda value: format_decimal(value, locale=_BABEL[locale])
    return env


def parts(kind: str, locale: str) -> dict[str, str]:
    by_locale = TEXTS.get(kind)
    if by_locale is None:
        raise UnknownTemplate(kind)
    return by_locale.get(locale) or by_locale[DEFAULT_LOCALE]


def render(
    kind: str,
    params: dict[str, Any],
    *,
    locale: str = DEFAULT_LOCALE,
    timezone: str = DEFAULT_TIMEZONE,
    channel: str = "in_app",
) -> dict[str, str]:
    """{"title", "body"} of a message for one reader on one channel."""
    source = parts(kind, locale if locale in LOCALES else DEFAULT_LOCALE)
    env = _environment(locale if locale in LOCALES else DEFAULT_LOCALE, timezone)
    values = {
        "note": None,
        "place": None,
        "category": None,
        "category_name": None,
        "score": None,
        **params,
    }
    values.setdefault("status_zh", STATUS_ZH.get(params.get("to_status", ""), ""))
    values.setdefault("step_zh", STEP_ZH.get(params.get("step", ""), ""))
    values.setdefault("next_step_zh", STEP_ZH.get(params.get("next_step") or "", ""))
    values.setdefault("outcome_zh", OUTCOME_ZH.get(params.get("outcome", ""), ""))
    values.setdefault("satisfaction_zh", SATISFACTION_ZH.get(params.get("satisfaction", ""), ""))
    body_source = source.get(channel, source["body"])
    try:
        return {
            "title": env.from_string(source["title"]).render(values),
            "body": env.from_string(body_source).render(values),
        }
    except TemplateError as exc:
        raise UnknownTemplate(f"{kind}: {exc}") from None


def safe_render(kind: str, params: dict[str, Any], **options) -> dict[str, str]:
    """Like `render`, but a message whose template is gone or broken still shows its kind
    rather than failing the whole inbox page."""
    try:
        return render(kind, params, **options)
    except UnknownTemplate:
        return {"title": kind, "body": ""}
