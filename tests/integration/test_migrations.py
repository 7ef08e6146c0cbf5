"""Each service's migration history builds, on PostgreSQL and on SQLite, exactly the schema
its code declares: a table, column or index added to a model without a migration (or the
other way round) fails here instead of in a deployment."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.config import SERVICES
from shared.db import create_db_engine, kit_metadata
from shared.db.migrations import service_metadata, upgrade
from tests.support.infra import pg_databases


def differences(url: str, service: str) -> list:
    importlib.import_module(f"services.{service}.service")  # every table the service uses
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            return compare_metadata(context, [service_metadata(service), kit_metadata])
    finally:
        engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_postgresql_schema_is_the_declared_one(service):
    with pg_databases((service,)) as urls:
        upgrade(service, urls[service])
        assert differences(urls[service], service) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_migrated_sqlite_schema_is_the_declared_one(service, tmp_path):
    url = f"sqlite:///{tmp_path / service}.db"
    upgrade(service, url)
    assert differences(url, service) == []
