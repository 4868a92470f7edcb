"""group scope

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_group_applications_scope_unit_id_units"),
            "units",
            ["scope_unit_id"],
            ["id"],
        )

    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scope_unit_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_groups_scope_unit_id_units"), "units", ["scope_unit_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_groups_scope_unit_id_units"), type_="foreignkey")
        batch_op.drop_column("scope_unit_id")

    with op.batch_alter_table("group_applications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_group_applications_scope_unit_id_units"), type_="foreignkey"
        )
        batch_op.drop_column("scope_unit_id")
