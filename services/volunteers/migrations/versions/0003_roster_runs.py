"""roster runs: automatic filling as a durable background job

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roster_runs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("time_limit_seconds", sa.Float(), nullable=False),
        sa.Column("requested_by", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=60), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("correlation_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("roster_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roster_runs_node"), ["node"])
        batch_op.create_index(batch_op.f("ix_roster_runs_status"), ["status"])


def downgrade() -> None:
    with op.batch_alter_table("roster_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_runs_status"))
        batch_op.drop_index(batch_op.f("ix_roster_runs_node"))
    op.drop_table("roster_runs")
