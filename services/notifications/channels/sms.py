"""SMS in the shape Chinese providers use (Aliyun SMS, Tencent Cloud SMS): a message is a
pre-registered template code plus parameters and a registered signature (签名), never free
text. `TemplateSmsProvider` speaks Aliyun's `SendSms` RPC style (signed query, HMAC-SHA1), and
sends our delivery id as `OutId`; the provider's `BizId` is kept as the delivery's
`provider_reference`. Delivery reports (回执) come back signed: see `report_refusal`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import requests

from .base import Outgoing, PermanentFailure, ProviderDown, TransientFailure


def _percent(value: str) -> str:
    return quote(value, safe="~")


def signed_query(params: dict[str, str], access_key_secret: str) -> dict[str, str]:
    """Aliyun RPC signature: HMAC-SHA1 over the canonicalised, percent-encoded query."""
    canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"POST&{_percent('/')}&{_percent(canonical)}"
    digest = hmac.new(f"{access_key_secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return {**params, "Signature": base64.b64encode(digest).decode()}


class TemplateSmsProvider:
    def __init__(
        self,
        name: str,
        endpoint: str,
        access_key_id: str,
        access_key_secret: str,
        sign_name: str,
        timeout: float = 5.0,
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.sign_name = sign_name
        self.timeout = timeout

    def request_params(self, message: Outgoing, now: datetime | None = None) -> dict[str, str]:
        template_params = {
            key: str(value)[:20]  # providers cap each variable (Aliyun: 20 characters)
            for key, value in message.params.items()
            if isinstance(value, str | int | float)
        }
        params = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "Format": "JSON",
            "AccessKeyId": self.access_key_id,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureVersion": "1.0",
            "SignatureNonce": uuid.uuid4().hex,
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": message.address,
            "SignName": self.sign_name,
            "TemplateCode": message.sms_template_code or "",
            "TemplateParam": json.dumps(template_params, ensure_ascii=False),
            "OutId": message.delivery_id,
        }
        return signed_query(params, self.access_key_secret)

    def send(self, message: Outgoing) -> str:
        try:
            response = requests.post(
                self.endpoint, data=self.request_params(message), timeout=self.timeout
            )
        except requests.ConnectionError as exc:
            raise ProviderDown(f"{self.name}: {exc}") from None
        except requests.Timeout as exc:
            raise TransientFailure(f"{self.name}: {exc}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientFailure(f"{self.name}: HTTP {response.status_code}")
        body = response.json() if response.content else {}
        code = body.get("Code", f"HTTP {response.status_code}")
        if code == "OK":
            return body.get("BizId", "")
        if code in {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "Throttling.User"}:
            raise TransientFailure(f"{self.name}: {code}")
        raise PermanentFailure(f"{self.name}: {code} {body.get('Message', '')}")


# -- delivery reports (回执) pushed by the provider to our public callback ---------------------
#
# `POST /v1/notifications/providers/{provider}/receipts` carries no bearer token: the provider
# signs each push with a secret shared with us. `X-Sms-Timestamp` is the Unix time of signing
# and `X-Sms-Signature` is `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. The
# timestamp is inside the signed text, so an old push cannot be re-dated, and one older (or
# newer) than the allowed skew is refused; a replay within the skew changes nothing, because
# a report only moves a delivery out of `sent` once.

CALLBACK_SECRET_ENV = "NOTIFICATIONS_SMS_CALLBACK_SECRET"
CALLBACK_SKEW_ENV = "NOTIFICATIONS_SMS_CALLBACK_MAX_SKEW"
REPORT_TIMESTAMP_HEADER = "X-Sms-Timestamp"
REPORT_SIGNATURE_HEADER = "X-Sms-Signature"
DEFAULT_MAX_SKEW = 300.0  # seconds, either way


def callback_secret(provider: str, env: Mapping[str, str] | None = None) -> str | None:
    """The secret a provider signs its reports with: `NOTIFICATIONS_SMS_CALLBACK_SECRET_<NAME>`
    (the provider's name upper-cased, `-` → `_`: `..._SMS_PRIMARY`), else the one shared by
    every provider, `NOTIFICATIONS_SMS_CALLBACK_SECRET`. None (or empty): refuse everything."""
    env = os.environ if env is None else env
    own = f"{CALLBACK_SECRET_ENV}_{re.sub(r'[^A-Za-z0-9]', '_', provider).upper()}"
    return env.get(own) or env.get(CALLBACK_SECRET_ENV) or None


def callback_max_skew(env: Mapping[str, str] | None = None) -> float:
    env = os.environ if env is None else env
    try:
        return float(env.get(CALLBACK_SKEW_ENV, DEFAULT_MAX_SKEW))
    except ValueError:
        return DEFAULT_MAX_SKEW


def report_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the provider sends in `X-Sms-Signature` for `body` signed at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def report_refusal(
    secret: str | None,
    timestamp: str | None,
    body: bytes,
    signature_header: str | None,
    *,
    now: float | None = None,
    max_skew: float = DEFAULT_MAX_SKEW,
) -> str | None:
    """Why a pushed report is refused (a problem code), or None when it is authentic: a
    secret is configured, the timestamp is a number within `max_skew` of our clock, and the
    signature matches (compared in constant time; the `sha256=` prefix is optional)."""
    if not secret:
        return "callback-not-configured"
    if not timestamp or not signature_header:
        return "signature-missing"
    try:
        signed_at = float(timestamp)
    except ValueError:
        return "timestamp-invalid"
    if signed_at != signed_at or abs((time.time() if now is None else now) - signed_at) > max_skew:
        return "timestamp-out-of-range"  # NaN, or too old / too far ahead: a replay or bad clock
    expected = report_signature(secret, timestamp, body)
    offered = signature_header.strip()
    if not offered.startswith("sha256="):
        offered = "sha256=" + offered
    if not hmac.compare_digest(expected.encode(), offered.lower().encode()):
        return "signature-mismatch"
    return None
