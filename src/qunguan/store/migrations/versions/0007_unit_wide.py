"""unit-wide groups

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_exemptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_group_exemptions_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_exemptions_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_group_exemptions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_exemptions")),
        sa.UniqueConstraint("group_id", "person_id", name="uq_group_exemptions_group_person"),
    )
    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unit_wide", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("unit_wide", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("unit_wide")

    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.drop_column("unit_wide")

    op.drop_table("group_exemptions")
