"""deliberation: council settings, topics, the five-step procedure, meetings, registrations,
agendas, resolutions, micro-projects and residents' ratings

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-27 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0002"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "deliberation_settings",
        sa.Column("node", sa.String(60), primary_key=True),
        sa.Column("support_threshold", sa.Integer(), nullable=True),
        sa.Column("procedure_categories", sa.JSON(), nullable=True),
        sa.Column("meeting_types", sa.JSON(), nullable=True),
        sa.Column("quorum", sa.Integer(), nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("issue_id", sa.String(40), nullable=False, unique=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("category", sa.String(60), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.Column("raised_by", sa.String(60), nullable=False),
        sa.Column("important", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("raised_at", WHEN, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_topics_community_raised", "topics", ["community", "raised_at"])
    op.create_table(
        "procedure_steps",
        sa.Column("topic_id", sa.String(40), primary_key=True),
        sa.Column("step", sa.String(20), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(60), nullable=False),
        sa.Column("actor_role", sa.String(30), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("meeting_type", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("ends_at", WHEN, nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("online_url", sa.String(500), nullable=True),
        sa.Column("invited", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("organiser_id", sa.String(60), nullable=False),
        sa.Column("attendee_ids", sa.JSON(), nullable=False),
        sa.Column("other_attendees", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=True),
        sa.Column("closing_report", sa.Text(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_meetings_community_starts", "meetings", ["community", "starts_at"])
    op.create_table(
        "meeting_registrations",
        sa.Column("meeting_id", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(60), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("registered_at", WHEN, nullable=False),
    )
    op.create_table(
        "agenda_items",
        sa.Column("meeting_id", sa.String(40), primary_key=True),
        sa.Column("topic_id", sa.String(40), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "resolutions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("meeting_id", sa.String(40), nullable=False),
        sa.Column("topic_id", sa.String(40), nullable=False),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("votes_abstain", sa.Integer(), nullable=False),
        sa.Column("quorum_met", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(60), nullable=False),
        sa.Column("recorded_at", WHEN, nullable=False),
        sa.UniqueConstraint("meeting_id", "topic_id", name="uq_resolution_item"),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("community", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("resolution_id", sa.String(40), nullable=True),
        sa.Column("meeting_id", sa.String(40), nullable=True),
        sa.Column("parent_id", sa.String(40), nullable=True),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("budget_cents", sa.Integer(), nullable=False),
        sa.Column("funding_source", sa.String(120), nullable=False),
        sa.Column("responsible_unit", sa.String(120), nullable=False),
        sa.Column("responsible_kind", sa.String(20), nullable=False),
        sa.Column("responsible_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("issue_ids", sa.JSON(), nullable=False),
        sa.Column("milestones", sa.JSON(), nullable=False),
        sa.Column("completion_note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("completed_at", WHEN, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_projects_parent_id", "projects", ["parent_id"])
    op.create_index("ix_projects_community_created", "projects", ["community", "created_at"])
    op.create_index("ix_projects_community_completed", "projects", ["community", "completed_at"])
    op.create_table(
        "project_ratings",
        sa.Column("project_id", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(60), primary_key=True),
        sa.Column("satisfaction", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", WHEN, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "project_ratings",
        "projects",
        "resolutions",
        "agenda_items",
        "meeting_registrations",
        "meetings",
        "procedure_steps",
        "topics",
        "deliberation_settings",
    ):
        op.drop_table(table)
