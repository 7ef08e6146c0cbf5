"""SMS in the shape Chinese providers use (Aliyun SMS, Tencent Cloud SMS): a message is a
pre-registered template code plus parameters and a registered signature (签名), never free
text. `TemplateSmsProvider` speaks Aliyun's `SendSms` RPC style (signed query, HMAC-SHA1), and
sends our delivery id as `OutId`; the provider's `BizId` is kept as the delivery's
`provider_reference`. Delivery reports (回执) come back signed: see `shared/sms_callbacks.py`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
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
