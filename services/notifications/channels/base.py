"""What every channel adapter offers: send one rendered message, or raise a failure that
tells the delivery loop whether to retry, fail over, or give up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..domain.delivery import PermanentFailure, ProviderDown, TransientFailure

__all__ = ["Outgoing", "PermanentFailure", "Provider", "ProviderDown", "TransientFailure"]


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    channel: str
    address: str  # phone number, e-mail address, bot or webhook URL
    title: str
    body: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    sms_template_code: str | None = None
    secret: str | None = None  # webhook signing secret
    event: dict[str, Any] | None = None  # the event itself, for webhooks


class Provider(Protocol):
    name: str

    def send(self, message: Outgoing) -> str | None:
        """Send; return the provider's message id. Raise TransientFailure (retry later),
        ProviderDown (fail over now) or PermanentFailure (retrying cannot help)."""
