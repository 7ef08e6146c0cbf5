"""Structured JSON logs that carry one correlation id from the HTTP request through RPC and
every event it causes.

The id travels in nameko's context data (`correlation_id`, sent as a message header by nameko
on RPC and events) and in every event envelope (`correlationid`). `CorrelationId` binds it for
the duration of each worker, so every log line a worker writes carries it.
"""

from __future__ import annotations

import logging
import sys
import uuid

import structlog
from nameko.extensions import DependencyProvider

CONTEXT_KEY = "correlation_id"
_configured = False


def configure(level: str = "INFO", fmt: str = "json") -> None:
    global _configured
    if _configured:
        return
    _configured = True
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared_processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
            foreign_pre_chain=[*shared_processors, structlog.stdlib.add_logger_name],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("nameko").setLevel("WARNING")
    # expected (4xx) errors are answers, not incidents; unexpected ones are logged at ERROR
    logging.getLogger("nameko.containers").setLevel("ERROR")
    logging.getLogger("kombu").setLevel("ERROR")
    logging.getLogger("amqp").setLevel("WARNING")


def get_logger(name: str):
    return structlog.get_logger(name)


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def current_correlation_id() -> str | None:
    return structlog.contextvars.get_contextvars().get(CONTEXT_KEY)


def bind_correlation_id(correlation_id: str | None, **extra) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**{CONTEXT_KEY: correlation_id}, **extra)


class CorrelationId(DependencyProvider):
    """Binds each worker's correlation id (from nameko's context data) to its log lines.

    Entry points that start a new causal chain (HTTP requests, timers) get a fresh id; the
    id is written into `context_data` so nameko forwards it on RPC calls and events.
    """

    def worker_setup(self, worker_ctx):
        data = worker_ctx.context_data
        correlation_id = data.get(CONTEXT_KEY) or new_correlation_id()
        data[CONTEXT_KEY] = correlation_id
        bind_correlation_id(
            correlation_id,
            service=worker_ctx.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
        )

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()

    def get_dependency(self, worker_ctx):
        # nameko injects dependencies before worker_setup: a timer has no id yet at this point
        return worker_ctx.context_data.setdefault(CONTEXT_KEY, new_correlation_id())
