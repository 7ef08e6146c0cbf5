"""Alembic environment of the gateway service (see shared/db/migrations.py)."""

from shared.db.migrations import run_env

run_env("gateway")
