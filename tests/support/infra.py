"""Real infrastructure for tests: a fresh RabbitMQ virtual host and fresh PostgreSQL
databases per test session, removed afterwards."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
import requests

RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_PORT = int(os.environ.get("TEST_RABBIT_PORT", "5672"))
RABBIT_MANAGEMENT = os.environ.get("TEST_RABBIT_MANAGEMENT", "http://127.0.0.1:15672")
PG_DSN = os.environ.get("TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=postgres")
PG_URL = os.environ.get("TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432")


@contextmanager
def rabbit_vhost():
    """Yields (vhost, amqp_uri) for a new, empty virtual host."""
    vhost = f"pavilion-test-{uuid.uuid4().hex[:8]}"
    quoted = quote(vhost, safe="")
    auth = ("guest", "guest")
    requests.put(
        f"{RABBIT_MANAGEMENT}/api/vhosts/{quoted}", auth=auth, timeout=10
    ).raise_for_status()
    requests.put(
        f"{RABBIT_MANAGEMENT}/api/permissions/{quoted}/guest",
        json={"configure": ".*", "write": ".*", "read": ".*"},
        auth=auth,
        timeout=10,
    ).raise_for_status()
    try:
        yield vhost, f"amqp://guest:guest@{RABBIT_HOST}:{RABBIT_PORT}/{quoted}"
    finally:
        requests.delete(f"{RABBIT_MANAGEMENT}/api/vhosts/{quoted}", auth=auth, timeout=10)


def amqp_uri_via(vhost: str, port: int) -> str:
    return f"amqp://guest:guest@127.0.0.1:{port}/{quote(vhost, safe='')}"


def queue_stats(vhost: str) -> list[dict]:
    response = requests.get(
        f"{RABBIT_MANAGEMENT}/api/queues/{quote(vhost, safe='')}",
        auth=("guest", "guest"),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


@contextmanager
def pg_databases(names):
    """Yields {name: url} for new, empty PostgreSQL databases."""
    suffix = uuid.uuid4().hex[:8]
    created = {name: f"pavilion_test_{name}_{suffix}" for name in names}
    connection = psycopg2.connect(PG_DSN)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for database in created.values():
                cursor.execute(f'CREATE DATABASE "{database}"')
        yield {name: f"{PG_URL}/{database}" for name, database in created.items()}
    finally:
        with connection.cursor() as cursor:
            for database in created.values():
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.close()
