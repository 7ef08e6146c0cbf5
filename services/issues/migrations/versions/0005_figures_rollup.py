"""figures rollup: each issue's contribution (figure_mark), the monthly figures per community
and the deltas not folded into them yet; filled from the issues already there

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 22:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HISTOGRAM = sa.JSON().with_variant(JSONB(), "postgresql")
COUNTS = (
    "reported",
    "responded_in_time",
    "completed",
    "evaluated",
    "solved",
    "satisfied",
    "basically_satisfied",
    "response_overdue",
    "resolution_overdue",
)


def upgrade() -> None:
    op.add_column("issues", sa.Column("figure_mark", sa.JSON(), nullable=True))
    counts = [
        sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in COUNTS
    ]
    op.create_table(
        "issue_month_figures",
        sa.Column("node", sa.String(60), primary_key=True),
        sa.Column("month", sa.String(7), primary_key=True),
        *counts,
        sa.Column("respond_hist", HISTOGRAM, nullable=False),
        sa.Column("resolve_hist", HISTOGRAM, nullable=False),
    )
    op.create_table(
        "issue_figure_deltas",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("respond_from", sa.Integer(), nullable=False),
        sa.Column("respond_to", sa.Integer(), nullable=False),
        sa.Column("resolve_from", sa.Integer(), nullable=False),
        sa.Column("resolve_to", sa.Integer(), nullable=False),
    )
    from services.issues.figures_repository import rebuild
    from shared.calendar import load_calendar

    rebuild(op.get_bind(), load_calendar().timezone, counts=COUNTS)  # this schema's columns


def downgrade() -> None:
    op.drop_table("issue_figure_deltas")
    op.drop_table("issue_month_figures")
    op.drop_column("issues", "figure_mark")
