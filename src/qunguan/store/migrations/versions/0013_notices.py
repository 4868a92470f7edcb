"""notices, their grants, targets, recipients and acknowledgements; inquiries; presence;
a member's choice to mute a group's alerts; group announcements

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 01:35:14.376754
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "presence_intervals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_presence_intervals_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_intervals")),
    )
    with op.batch_alter_table("presence_intervals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_presence_intervals_person_start", ["person_id", "started_at"], unique=False
        )

    op.create_table(
        "notice_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_notice_grants_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"], ["users.id"], name=op.f("fk_notice_grants_granted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_notice_grants_revoked_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_grants")),
    )
    with op.batch_alter_table("notice_grants", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_grants_department_id"), ["department_id"], unique=False
        )

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("reply_required", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.DateTime(), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("remind_every_hours", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.String(length=32), nullable=False),
        sa.Column("grant_id", sa.Integer(), nullable=True),
        sa.Column("publisher_user_id", sa.Integer(), nullable=False),
        sa.Column("publisher_name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.Column("unpinned_at", sa.DateTime(), nullable=True),
        sa.Column("unpinned_by", sa.Integer(), nullable=True),
        sa.Column("last_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("overdue_reported_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_notices_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"], ["notice_grants.id"], name=op.f("fk_notices_grant_id_notice_grants")
        ),
        sa.ForeignKeyConstraint(
            ["publisher_user_id"], ["users.id"], name=op.f("fk_notices_publisher_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["notices.id"], name=op.f("fk_notices_supersedes_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["unpinned_by"], ["users.id"], name=op.f("fk_notices_unpinned_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("series_id", "version", name="uq_notices_series_version"),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_status"), ["status"], unique=False)

    op.create_table(
        "notice_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_attachments_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_attachments")),
    )
    with op.batch_alter_table("notice_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notice_attachments_notice_id"), ["notice_id"], unique=False
        )

    op.create_table(
        "notice_recipients",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_notice_recipients_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_recipients_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_notice_recipients_person_id_people")
        ),
        sa.PrimaryKeyConstraint(
            "notice_id", "group_id", "person_id", name=op.f("pk_notice_recipients")
        ),
    )
    with op.batch_alter_table("notice_recipients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notice_recipients_person", ["person_id", "notice_id"], unique=False
        )

    op.create_table(
        "inquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by"], ["people.id"], name=op.f("fk_inquiries_asked_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_inquiries_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_inquiries_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
        sa.UniqueConstraint("message_id", name=op.f("uq_inquiries_message_id")),
    )
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiries_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inquiries_group_id"), ["group_id"], unique=False)

    op.create_table(
        "notice_acknowledgements",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("how", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_notice_acknowledgements_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_notice_acknowledgements_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_acknowledgements_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_notice_acknowledgements_person_id_people")
        ),
        sa.PrimaryKeyConstraint("notice_id", "person_id", name=op.f("pk_notice_acknowledgements")),
    )
    op.create_table(
        "notice_targets",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_notice_targets_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_notice_targets_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_notice_targets_notice_id_notices")
        ),
        sa.PrimaryKeyConstraint("notice_id", "group_id", name=op.f("pk_notice_targets")),
    )
    with op.batch_alter_table("notice_targets", schema=None) as batch_op:
        batch_op.create_index("ix_notice_targets_group", ["group_id"], unique=False)
    op.create_table(
        "inquiry_targets",
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.Column("response_message_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["inquiries.id"], name=op.f("fk_inquiry_targets_inquiry_id_inquiries")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_inquiry_targets_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["response_message_id"],
            ["messages.id"],
            name=op.f("fk_inquiry_targets_response_message_id_messages"),
        ),
        sa.PrimaryKeyConstraint("inquiry_id", "person_id", name=op.f("pk_inquiry_targets")),
    )
    with op.batch_alter_table("inquiry_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inquiry_targets_open", ["person_id", "responded_at"], unique=False
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_ref", sa.JSON(), nullable=True))
    op.create_table(
        "group_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_group_announcements_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_group_announcements_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_announcements")),
    )
    with op.batch_alter_table("group_announcements", schema=None) as batch_op:
        batch_op.create_index("ix_group_announcements_group", ["group_id", "id"], unique=False)
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("push_muted", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("notice_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_targets_group")
    with op.batch_alter_table("group_announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_group_announcements_group")
    op.drop_table("group_announcements")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("push_muted")

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("notice_ref")

    with op.batch_alter_table("inquiry_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_inquiry_targets_open")

    op.drop_table("inquiry_targets")
    op.drop_table("notice_targets")
    op.drop_table("notice_acknowledgements")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inquiries_group_id"))
        batch_op.drop_index(batch_op.f("ix_inquiries_due_at"))

    op.drop_table("inquiries")
    with op.batch_alter_table("notice_recipients", schema=None) as batch_op:
        batch_op.drop_index("ix_notice_recipients_person")

    op.drop_table("notice_recipients")
    with op.batch_alter_table("notice_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_attachments_notice_id"))

    op.drop_table("notice_attachments")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_status"))
        batch_op.drop_index(batch_op.f("ix_notices_series_id"))

    op.drop_table("notices")
    with op.batch_alter_table("notice_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_grants_department_id"))

    op.drop_table("notice_grants")
    with op.batch_alter_table("presence_intervals", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_intervals_person_start")

    op.drop_table("presence_intervals")
