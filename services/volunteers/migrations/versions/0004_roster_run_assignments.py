"""roster runs keep their assignments apart from the summary, so a list of runs does not read
every proposal of every run

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

LISTS = ("assignments", "dropped_assignments")
runs = sa.table(
    "roster_runs",
    sa.column("id", sa.String),
    sa.column("result", sa.JSON),
    sa.column("assignments", sa.JSON),
)


def upgrade() -> None:
    with op.batch_alter_table("roster_runs") as batch:
        batch.add_column(sa.Column("assignments", sa.JSON(), nullable=True))
    connection = op.get_bind()
    done = connection.execute(sa.select(runs.c.id, runs.c.result).where(runs.c.result.is_not(None)))
    for run_id, result in done.all():
        if not isinstance(result, dict) or not any(key in result for key in LISTS):
            continue  # JSON null, or a failed run's summary
        connection.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(
                result={k: v for k, v in result.items() if k not in LISTS},
                assignments={k: result.get(k, []) for k in LISTS},
            )
        )


def downgrade() -> None:
    connection = op.get_bind()
    split = connection.execute(
        sa.select(runs.c.id, runs.c.result, runs.c.assignments).where(
            runs.c.assignments.is_not(None)
        )
    )
    for run_id, result, assignments in split.all():
        if not isinstance(assignments, dict):
            continue
        connection.execute(
            runs.update()
            .where(runs.c.id == run_id)
            .values(result={**(result or {}), **assignments})
        )
    with op.batch_alter_table("roster_runs") as batch:
        batch.drop_column("assignments")
