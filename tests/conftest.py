"""Shared fixtures. The test process is greened like a service process: eventlet's monkey
patch first, then PostgreSQL connections that yield."""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import pytest  # noqa: E402

from shared.db import make_green  # noqa: E402
from shared.messaging import memory_transport  # noqa: E402
from tests.support.infra import pg_databases, rabbit_vhost  # noqa: E402
from tests.support.processes import SERVICES, start_distributed, start_embedded  # noqa: E402
from tests.support.tcp_proxy import TcpProxy  # noqa: E402

make_green()
memory_transport.register()


@pytest.fixture(scope="session")
def vhost():
    with rabbit_vhost() as (name, uri):
        yield name, uri


@pytest.fixture(scope="session")
def broker_proxy(vhost):
    from tests.support.infra import RABBIT_HOST, RABBIT_PORT

    proxy = TcpProxy(RABBIT_HOST, RABBIT_PORT)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def distributed(tmp_path_factory, vhost, broker_proxy):
    """The four services as separate processes on RabbitMQ (through a proxy the tests can cut)
    and PostgreSQL, one database per service."""
    from tests.support.infra import amqp_uri_via

    with pg_databases(SERVICES) as urls:
        pavilion = start_distributed(
            tmp_path_factory.mktemp("distributed"), amqp_uri_via(vhost[0], broker_proxy.port), urls
        )
        pavilion.vhost = vhost[0]
        pavilion.database_urls = urls
        try:
            yield pavilion
        finally:
            pavilion.stop_all()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    pavilion = start_embedded(tmp_path_factory.mktemp("embedded"))
    try:
        yield pavilion
    finally:
        pavilion.stop_all()
