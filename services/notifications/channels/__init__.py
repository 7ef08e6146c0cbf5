"""Channel adapters and the failover chain of providers per channel.

`Registry.from_env()` reads the deployment's providers; without configuration every channel
that needs an outside provider uses the local fakes, so development and tests need nothing.

- SMS: `NOTIFICATIONS_SMS_ENDPOINT`, `..._ACCESS_KEY_ID`, `..._ACCESS_KEY_SECRET`,
  `..._SIGN_NAME` (primary, Aliyun-shaped); the fake `sms-backup` is the secondary.
- E-mail: `NOTIFICATIONS_SMTP_HOST`, `NOTIFICATIONS_SMTP_PORT`, `NOTIFICATIONS_SMTP_SENDER`.
- Rate limits: `NOTIFICATIONS_RATE_<PROVIDER>` sends per second (default 50).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..domain.delivery import RateLimiter
from .base import Outgoing, Provider
from .email import SmtpEmail
from .fake import fake
from .sms import TemplateSmsProvider
from .webhook import GroupBot, SignedWebhook

__all__ = ["Outgoing", "Provider", "Registry", "fake"]


@dataclass
class Registry:
    chains: dict[str, list[Provider]]
    limiters: dict[str, RateLimiter] = field(default_factory=dict)

    def providers(self, channel: str) -> list[Provider]:
        return self.chains.get(channel, [])

    def limiter(self, provider: Provider) -> RateLimiter:
        if provider.name not in self.limiters:
            rate = float(os.environ.get(f"NOTIFICATIONS_RATE_{provider.name.upper()}", "50"))
            self.limiters[provider.name] = RateLimiter(rate)
        return self.limiters[provider.name]

    @classmethod
    def fakes(cls) -> Registry:
        return cls(
            {
                "sms": [fake("sms-primary"), fake("sms-backup")],
                "email": [fake("email")],
                "bot": [fake("bot")],
                "webhook": [SignedWebhook()],
            }
        )

    @classmethod
    def from_env(cls) -> Registry:
        registry = cls.fakes()
        env = os.environ
        if env.get("NOTIFICATIONS_SMS_ENDPOINT"):
            registry.chains["sms"] = [
                TemplateSmsProvider(
                    "sms-primary",
                    env["NOTIFICATIONS_SMS_ENDPOINT"],
                    env.get("NOTIFICATIONS_SMS_ACCESS_KEY_ID", ""),
                    env.get("NOTIFICATIONS_SMS_ACCESS_KEY_SECRET", ""),
                    env.get("NOTIFICATIONS_SMS_SIGN_NAME", "凉亭"),
                ),
                fake("sms-backup"),
            ]
        if env.get("NOTIFICATIONS_SMTP_HOST"):
            registry.chains["email"] = [
                SmtpEmail(
                    "smtp",
                    env["NOTIFICATIONS_SMTP_HOST"],
                    int(env.get("NOTIFICATIONS_SMTP_PORT", "25")),
                    env.get("NOTIFICATIONS_SMTP_SENDER", "pavilion@localhost"),
                )
            ]
        registry.chains["bot"] = (
            [GroupBot()] if env.get("NOTIFICATIONS_REAL_BOTS") else [fake("bot")]
        )
        return registry
