"""term lists the security admin manages, their entries, and the revision they move on

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "term_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_term_lists_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_lists")),
        sa.UniqueConstraint("category", name=op.f("uq_term_lists_category")),
    )
    op.create_table(
        "term_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("pinyin", sa.Boolean(), nullable=False),
        sa.Column("initials", sa.Boolean(), nullable=False),
        sa.Column("allow", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["term_lists.id"], name=op.f("fk_term_entries_list_id_term_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_entries")),
        sa.UniqueConstraint("list_id", "text", name="uq_term_entries_list_text"),
    )
    table = op.create_table(
        "term_list_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_term_list_revision")),
    )
    # Revision 0: no list of the agency's yet, the engine is the shipped lists.
    op.execute(table.insert().values(id=1, revision=0, changed_at=sa.func.now()))


def downgrade() -> None:
    op.drop_table("term_list_revision")
    op.drop_table("term_entries")
    op.drop_table("term_lists")
