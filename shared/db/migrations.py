"""Alembic, one migration history per service (`services/<name>/migrations/`).

Each service's `env.py` is two lines calling `run_env`; `upgrade` is what `pavilion migrate`
and `pavilion up` call. The kit's tables (outbox, inbox, parked events, idempotency keys) are
part of every service's history, written out in full like its own tables so that a migration
never changes once released. `shared/db/script.py.mako` is the template for new revisions.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from .engine import create_db_engine, driver_url
from .kit_tables import kit_metadata

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


def alembic_config(service: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: str, url: str, revision: str = "head") -> None:
    """Bring a service's database to `revision`. Replicas starting together on PostgreSQL
    take turns through an advisory lock, so only the first one migrates."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        command.upgrade(alembic_config(service, url), revision)
        return
    ensure_database(url)
    engine = create_db_engine(url)
    try:
        with engine.connect() as lock:
            lock.execute(
                text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": f"migrate:{service}"}
            )
            try:
                command.upgrade(alembic_config(service, url), revision)
            finally:
                lock.execute(
                    text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": f"migrate:{service}"}
                )
    finally:
        engine.dispose()


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database `url` names when the server has none by that name (a
    first `pavilion migrate`); True when it was created. A database that accepts the
    connection is never touched; only when it refuses is a maintenance database (`postgres`,
    else `template1`) asked whether the name exists, so a refusal for another reason (a
    wrong role or password) is raised as it was."""
    target = make_url(driver_url(url))
    if target.get_backend_name() != "postgresql" or not target.database:
        return False
    probe = create_engine(target, poolclass=NullPool)
    try:
        with probe.connect():
            return False
    except OperationalError as exc:
        refused = exc
    finally:
        probe.dispose()
    for maintenance in ("postgres", "template1"):
        admin = create_engine(
            target.set(database=maintenance), isolation_level="AUTOCOMMIT", poolclass=NullPool
        )
        try:
            try:
                connection = admin.connect()
            except OperationalError:
                continue  # this maintenance database is not open to us: try the next
            with connection:
                return _create_if_missing(connection, target.database, refused)
        finally:
            admin.dispose()
    raise refused


def _create_if_missing(connection, name: str, refused: Exception) -> bool:
    """Create database `name` unless it exists (then the refusal was for another reason)."""
    exists = connection.execute(
        text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
    ).first()
    if exists:
        raise refused
    quoted = connection.dialect.identifier_preparer.quote(name)
    try:
        connection.execute(text(f"CREATE DATABASE {quoted}"))
    except ProgrammingError as exc:  # another replica's migrate created it meanwhile
        if getattr(exc.orig, "pgcode", None) != "42P04":  # duplicate_database
            raise
        return False
    return True


def service_metadata(service: str):
    return importlib.import_module(f"services.{service}.repository").Base.metadata


def run_env(service: str) -> None:
    """Body of every service's alembic env.py."""
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    target_metadata = [service_metadata(service), kit_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
