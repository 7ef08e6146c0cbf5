"""Configuration: defaults for the embedded mode, overridden by environment variables.

One `Settings` object per process. Distributed mode is selected purely by configuration
(`AMQP_URI` and one `<SERVICE>_DATABASE_URL` per service), never by code changes.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("gateway", "issues", "volunteers", "notifications")
EMBEDDED_AMQP_URI = "pavilion-memory://"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    amqp_uri: str
    database_urls: dict[str, str]
    http_host: str
    http_port: int
    secret: str
    rpc_timeout: float
    retry_base_delay: float
    retry_max_delay: float
    retry_max_attempts: int
    retry_poll_interval: float
    outbox_sweep_interval: float
    outbox_grace: float
    outbox_retention_hours: float
    idempotency_retention_hours: float
    inbox_retention_hours: float
    queue_type: str
    max_workers: int
    max_body_bytes: int
    rabbitmq_management_url: str
    log_level: str
    log_format: str
    metrics_port: int
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.amqp_uri.startswith("pavilion-memory")

    def database_url(self, service: str) -> str:
        return self.database_urls[service]

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("PAVILION_DATA_DIR", ".pavilion")).resolve()
        database_urls = {
            service: _env(
                f"{service.upper()}_DATABASE_URL", f"sqlite:///{data_dir / (service + '.db')}"
            )
            for service in SERVICES
        }
        return cls(
            data_dir=data_dir,
            amqp_uri=_env("AMQP_URI", EMBEDDED_AMQP_URI),
            database_urls=database_urls,
            http_host=_env("PAVILION_HTTP_HOST", "127.0.0.1"),
            http_port=int(_env("PAVILION_HTTP_PORT", "8000")),
            secret=_env("PAVILION_SECRET", ""),
            rpc_timeout=float(_env("PAVILION_RPC_TIMEOUT", "10")),
            retry_base_delay=float(_env("PAVILION_RETRY_BASE_DELAY", "2")),
            retry_max_delay=float(_env("PAVILION_RETRY_MAX_DELAY", "600")),
            retry_max_attempts=int(_env("PAVILION_RETRY_MAX_ATTEMPTS", "8")),
            retry_poll_interval=float(_env("PAVILION_RETRY_POLL_INTERVAL", "0.5")),
            outbox_sweep_interval=float(_env("PAVILION_OUTBOX_SWEEP_INTERVAL", "1")),
            outbox_grace=float(_env("PAVILION_OUTBOX_GRACE", "3")),
            outbox_retention_hours=float(_env("PAVILION_OUTBOX_RETENTION_HOURS", "168")),
            idempotency_retention_hours=float(_env("PAVILION_IDEMPOTENCY_RETENTION_HOURS", "24")),
            inbox_retention_hours=float(_env("PAVILION_INBOX_RETENTION_HOURS", str(30 * 24))),
            queue_type=_env("PAVILION_QUEUE_TYPE", "quorum"),
            max_workers=int(_env("PAVILION_MAX_WORKERS", "20")),
            max_body_bytes=int(_env("PAVILION_MAX_BODY_BYTES", str(256 * 1024))),
            rabbitmq_management_url=_env(
                "RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672"
            ),
            log_level=_env("PAVILION_LOG_LEVEL", "INFO"),
            log_format=_env("PAVILION_LOG_FORMAT", "json"),
            metrics_port=int(_env("PAVILION_METRICS_PORT", "0")),
        )

    def signing_secret(self) -> str:
        """The token-signing secret: `PAVILION_SECRET`, else one kept in the data directory.

        Keeping it in the data directory lets `pavilion token` mint tokens that the running
        embedded instance accepts, without any set-up.
        """
        if self.secret:
            return self.secret
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            candidate = secrets.token_urlsafe(48)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(candidate)
        return path.read_text().strip()

    def nameko_config(self, service: str) -> dict:
        """The nameko container config for one service (also carries these settings)."""
        config: dict = {
            "AMQP_URI": self.amqp_uri,
            "max_workers": self.max_workers,
            "serializer": "json",
            "PAVILION": self,
            "SERVICE": service,
        }
        if service == "gateway":
            config["WEB_SERVER_ADDRESS"] = f"{self.http_host}:{self.http_port}"
            config["max_workers"] = max(self.max_workers, 50)
        if not self.embedded:
            config["HEARTBEAT"] = 30
        return config
