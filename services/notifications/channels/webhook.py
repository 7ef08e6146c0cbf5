"""Signed webhooks for API consumers, and WeCom/DingTalk-style group bots (both HTTP POST).

A webhook body is the event (CloudEvents JSON); `X-Pavilion-Signature` is
`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` under the subscription's secret, and
`X-Pavilion-Timestamp` the Unix time it was signed at (receivers refuse old ones: replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from .base import Outgoing, PermanentFailure, ProviderDown, TransientFailure

SIGNATURE_HEADER = "X-Pavilion-Signature"
TIMESTAMP_HEADER = "X-Pavilion-Timestamp"


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str, *, max_age: float = 300) -> bool:
    """What a receiver does: a matching signature on a recent timestamp."""
    if abs(time.time() - float(timestamp)) > max_age:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def _post(name: str, url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    try:
        response = requests.post(url, data=body, headers=headers, timeout=timeout)
    except requests.ConnectionError as exc:
        raise ProviderDown(f"{name}: {exc}") from None
    except requests.Timeout as exc:
        raise TransientFailure(f"{name}: {exc}") from None
    if response.status_code >= 500 or response.status_code in (408, 429):
        raise TransientFailure(f"{name}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentFailure(f"{name}: HTTP {response.status_code}")


class SignedWebhook:
    name = "webhook"

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        body = json.dumps(message.event or {}, ensure_ascii=False, sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(message.secret or "", timestamp, body),
            "X-Pavilion-Delivery": message.delivery_id,
        }
        _post(self.name, message.address, body, headers, self.timeout)
        return message.delivery_id


class GroupBot:
    """A WeCom (企业微信) or DingTalk group robot: markdown posted to the group's URL."""

    name = "group-bot"

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        content = f"**{message.title}**\n{message.body}"
        body = json.dumps(
            {"msgtype": "markdown", "markdown": {"title": message.title, "content": content}},
            ensure_ascii=False,
        ).encode()
        _post(self.name, message.address, body, {"Content-Type": "application/json"}, 5.0)
        return message.delivery_id
