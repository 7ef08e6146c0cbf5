"""Signed delivery-report callbacks of SMS providers: how the gateway tells an authentic push
to `POST /v1/notifications/providers/{provider}/receipts` from anything else, before the body
is read. Here, not in the notifications service, because the gateway authenticates every
request; the notifications service records what an authentic report says.

The push carries no bearer token: the provider signs it with a secret shared with us.
`X-Sms-Timestamp` is the Unix time of signing and `X-Sms-Signature` is
`sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`. The timestamp is inside the signed
text, so an old push cannot be re-dated, and one older (or newer) than the allowed skew is
refused; a replay within the skew changes nothing, because a report only moves a delivery
out of `sent` once."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Mapping

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
