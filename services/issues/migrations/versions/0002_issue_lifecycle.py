"""issue lifecycle: kinds, privacy, milestones, SLA alarms, evaluation, history, comments,
supporters, merge and catalogue overrides

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def new_issue_columns() -> tuple[sa.Column, ...]:
    """Fresh Column objects each time (a Column belongs to one table once attached)."""
    return (
        sa.Column("kind", sa.String(20), nullable=False, server_default="problem"),
        sa.Column("anonymous", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("contact_name", sa.String(120), nullable=True),
        sa.Column("contact_phone", sa.String(40), nullable=True),
        sa.Column("recorded_by", sa.String(60), nullable=True),
        sa.Column("partner", sa.String(120), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False, server_default="{}"),
        sa.Column("checklist", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("due_date", sa.String(10), nullable=True),
        sa.Column("parties", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("photos", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("level", sa.String(20), nullable=False, server_default="grid"),
        sa.Column("accepted_at", WHEN, nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
        sa.Column("evaluated_at", WHEN, nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
        sa.Column("response_due_at", WHEN, nullable=True),
        sa.Column("resolution_due_at", WHEN, nullable=True),
        sa.Column("paused_at", WHEN, nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("supporters", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("merged_into", sa.String(40), nullable=True),
        sa.Column("satisfaction", sa.String(20), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("evaluation_comment", sa.Text(), nullable=True),
        sa.Column("redo_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("callback_requested_at", WHEN, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def upgrade() -> None:
    with op.batch_alter_table("issues", schema=None) as batch_op:
        for column in new_issue_columns():
            batch_op.add_column(column)
        batch_op.create_index("ix_issues_updated", ["updated_at", "id"], unique=False)
        batch_op.create_index("ix_issues_reported_id", ["reported_at", "id"], unique=False)
        batch_op.create_index(
            "ix_issues_community_status", ["community", "status", "category"], unique=False
        )

    op.create_table(
        "issue_history",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issue_id", sa.String(40), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.String(60), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_issue_history_issue_id", "issue_history", ["issue_id"])
    op.create_table(
        "issue_comments",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("issue_id", sa.String(40), nullable=False),
        sa.Column("author_id", sa.String(60), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_issue_comments_issue_id", "issue_comments", ["issue_id"])
    op.create_table(
        "issue_supporters",
        sa.Column("issue_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(60), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("issue_id", "account_id"),
    )
    op.create_table(
        "sla_alarms",
        sa.Column("issue_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("due_at", WHEN, nullable=False),
        sa.Column("fired_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("issue_id", "kind"),
    )
    op.create_index("ix_sla_alarms_due", "sla_alarms", ["fired_at", "due_at"])
    op.create_table(
        "catalogue_overrides",
        sa.Column("node", sa.String(60), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("node", "code"),
    )


def downgrade() -> None:
    op.drop_table("catalogue_overrides")
    op.drop_index("ix_sla_alarms_due", table_name="sla_alarms")
    op.drop_table("sla_alarms")
    op.drop_table("issue_supporters")
    op.drop_index("ix_issue_comments_issue_id", table_name="issue_comments")
    op.drop_table("issue_comments")
    op.drop_index("ix_issue_history_issue_id", table_name="issue_history")
    op.drop_table("issue_history")
    with op.batch_alter_table("issues", schema=None) as batch_op:
        batch_op.drop_index("ix_issues_community_status")
        batch_op.drop_index("ix_issues_reported_id")
        batch_op.drop_index("ix_issues_updated")
        for column in reversed(new_issue_columns()):
            batch_op.drop_column(column.name)
