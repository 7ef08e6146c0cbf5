"""volunteer profiles, recurring activities, sign-up rules, waitlists, roster proposals,
attendance, the service-hour ledger, care-visit rounds and teams

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("community", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("rule", sa.String(length=500), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("day_filter", sa.String(length=20), nullable=False),
        sa.Column("excluded_days", sa.JSON(), nullable=False),
        sa.Column("added_days", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_community"), ["community"], unique=False)

    op.create_table(
        "volunteer_profiles",
        sa.Column("id", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("home_community", sa.String(length=40), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("preferred_roles", sa.JSON(), nullable=False),
        sa.Column("yearly_quota_hours", sa.Float(), nullable=False),
        sa.Column("max_hours_per_day", sa.Float(), nullable=False),
        sa.Column("max_hours_per_week", sa.Float(), nullable=False),
        sa.Column("min_rest_minutes", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=60), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("volunteer_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteer_profiles_home_community"), ["home_community"], unique=False
        )

    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("activity_id", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("occurrence_day", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("required_skills", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("signup_opens_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("signup_closes_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("cancel_cutoff_minutes", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("check_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("check_code_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_shifts_activity_id"), ["activity_id"], unique=False)

    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("override_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("no_show_reason", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "hours_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("community", sa.String(length=40), nullable=False),
        sa.Column("shift_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("corrects", sa.String(length=40), nullable=True),
        sa.Column("recorded_by", sa.String(length=60), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=60), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("hours_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hours_entries_volunteer_id"), ["volunteer_id"])
        batch_op.create_index(batch_op.f("ix_hours_entries_community"), ["community"])
        batch_op.create_index(batch_op.f("ix_hours_entries_recorded_at"), ["recorded_at"])

    op.create_table(
        "care_households",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("community", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=60), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("last_visit_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_households_community"), ["community"])
    op.create_table(
        "care_visits",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("issue_id", sa.String(length=60), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["care_households.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("care_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_visits_household_id"), ["household_id"])
        batch_op.create_index(batch_op.f("ix_care_visits_volunteer_id"), ["volunteer_id"])

    op.create_table(
        "teams",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("community", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("partner_unit", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_community"), ["community"])
    op.create_table(
        "team_memberships",
        sa.Column("team_id", sa.String(length=40), nullable=False),
        sa.Column("volunteer_id", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"]),
        sa.PrimaryKeyConstraint("team_id", "volunteer_id"),
    )
    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_memberships_volunteer_id"), ["volunteer_id"])


def downgrade() -> None:
    with op.batch_alter_table("team_memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_memberships_volunteer_id"))
    op.drop_table("team_memberships")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_community"))
    op.drop_table("teams")
    with op.batch_alter_table("care_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_visits_volunteer_id"))
        batch_op.drop_index(batch_op.f("ix_care_visits_household_id"))
    op.drop_table("care_visits")
    with op.batch_alter_table("care_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_households_community"))
    op.drop_table("care_households")
    with op.batch_alter_table("hours_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hours_entries_recorded_at"))
        batch_op.drop_index(batch_op.f("ix_hours_entries_community"))
        batch_op.drop_index(batch_op.f("ix_hours_entries_volunteer_id"))
    op.drop_table("hours_entries")
    with op.batch_alter_table("signups", schema=None) as batch_op:
        for column in (
            "reminded_at",
            "no_show_reason",
            "checked_out_at",
            "checked_in_at",
            "updated_at",
            "reasons",
            "decided_by",
            "override_reason",
            "pinned",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("shifts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shifts_activity_id"))
        for column in (
            "check_code_expires_at",
            "check_code_hash",
            "cancelled_at",
            "cancel_cutoff_minutes",
            "signup_closes_at",
            "signup_opens_at",
            "required_skills",
            "occurrence_day",
            "activity_id",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("volunteer_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteer_profiles_home_community"))
    op.drop_table("volunteer_profiles")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_community"))
    op.drop_table("activities")
