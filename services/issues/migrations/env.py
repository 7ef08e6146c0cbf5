"""Alembic environment of the issues service (see shared/db/migrations.py)."""

from shared.db.migrations import run_env

run_env("issues")
