"""index deliveries by the provider's message id

A provider's delivery report that does not carry our delivery id is matched by the
provider's message id; without an index that is a scan of every delivery ever made.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 04:05:00
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_provider_reference", "deliveries", ["provider_reference"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_provider_reference", table_name="deliveries")
