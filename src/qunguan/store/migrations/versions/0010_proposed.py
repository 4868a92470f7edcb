"""proposed members

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("proposed_members", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("duplicate_of", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("proposed_members")
