"""In-process services on a RabbitMQ virtual host and PostgreSQL databases of their own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from shared.config import Settings
from shared.db import create_db_engine
from shared.db.migrations import upgrade
from tests.support.infra import pg_databases, rabbit_vhost


@pytest.fixture(scope="module")
def broker():
    with rabbit_vhost() as (vhost, uri):
        yield vhost, uri


@pytest.fixture(scope="module")
def databases():
    with pg_databases(("issues", "notifications")) as urls:
        for service, url in urls.items():
            upgrade(service, url)
        yield urls


@pytest.fixture(scope="module")
def settings(broker, databases):
    base = Settings.from_env()
    return replace(
        base,
        amqp_uri=broker[1],
        database_urls={**base.database_urls, **databases},
        retry_base_delay=0.2,
        retry_max_attempts=3,
        retry_poll_interval=0.05,
        outbox_grace=0.5,
        outbox_sweep_interval=0.2,
        rpc_timeout=1.0,
        # quorum queues are a Raft group each: heavy to create and delete for every test
        # module on a 2-core machine; the distributed end-to-end tests use them
        queue_type="classic",
    )


@pytest.fixture
def engine(settings):
    engine = create_db_engine(settings.database_url("notifications"))
    yield engine
    engine.dispose()
