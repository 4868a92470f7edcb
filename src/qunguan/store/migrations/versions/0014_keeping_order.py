"""keeping order: reports, reporter reveals, violations, sanctions, appeals, patrols,
closed threads and decision records

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closed_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_closed_threads_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_closed_threads_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closed_threads")),
        sa.UniqueConstraint("group_id", "seq", name="uq_closed_threads_group_seq"),
    )
    op.create_table(
        "patrols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("escalated_to", sa.String(length=16), nullable=False),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["completed_by"], ["users.id"], name=op.f("fk_patrols_completed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_patrols_group_id_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrols")),
    )
    op.create_index("ix_patrols_group_status", "patrols", ["group_id", "status"], unique=False)
    op.create_table(
        "decision_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=False),
        sa.Column("marked_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_decision_records_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["marked_by"], ["users.id"], name=op.f("fk_decision_records_marked_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_decision_records_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_records")),
        sa.UniqueConstraint("message_id", name=op.f("uq_decision_records_message_id")),
    )
    op.create_index(
        op.f("ix_decision_records_group_id"), "decision_records", ["group_id"], unique=False
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("target_person_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("reporter_sealed", sa.Text(), nullable=True),
        sa.Column("reporter_tag", sa.String(length=64), nullable=True),
        sa.Column("receipt_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_reports_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_reports_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_reports_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["target_person_id"], ["people.id"], name=op.f("fk_reports_target_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_reports_receipt_hash")),
    )
    op.create_index("ix_reports_group_status", "reports", ["group_id", "status"], unique=False)
    op.create_index(op.f("ix_reports_reporter_tag"), "reports", ["reporter_tag"], unique=False)
    op.create_table(
        "reporter_reveals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_reporter_reveals_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_reporter_reveals_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reporter_reveals")),
    )
    op.create_index(
        op.f("ix_reporter_reveals_report_id"), "reporter_reveals", ["report_id"], unique=False
    )
    op.create_table(
        "violations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("clause_ids", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_violations_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_violations_message_id_messages")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_violations_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_violations_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_violations_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_violations")),
    )
    op.create_index(op.f("ix_violations_person_id"), "violations", ["person_id"], unique=False)
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("violation_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clause_ids", sa.JSON(), nullable=False),
        sa.Column("until", sa.DateTime(), nullable=True),
        sa.Column("restriction_id", sa.Integer(), nullable=True),
        sa.Column("notice_message_id", sa.Integer(), nullable=True),
        sa.Column("escalated_to", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_user_id"], ["users.id"], name=op.f("fk_sanctions_by_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_sanctions_group_id_groups")
        ),
        sa.ForeignKeyConstraint(
            ["notice_message_id"],
            ["messages.id"],
            name=op.f("fk_sanctions_notice_message_id_messages"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_sanctions_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["restriction_id"],
            ["restrictions.id"],
            name=op.f("fk_sanctions_restriction_id_restrictions"),
        ),
        sa.ForeignKeyConstraint(
            ["violation_id"], ["violations.id"], name=op.f("fk_sanctions_violation_id_violations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
    )
    op.create_index(op.f("ix_sanctions_person_id"), "sanctions", ["person_id"], unique=False)
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sanction_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_appeals_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_appeals_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["sanction_id"], ["sanctions.id"], name=op.f("fk_appeals_sanction_id_sanctions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index(op.f("ix_appeals_sanction_id"), "appeals", ["sanction_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_appeals_sanction_id"), table_name="appeals")
    op.drop_table("appeals")
    op.drop_index(op.f("ix_sanctions_person_id"), table_name="sanctions")
    op.drop_table("sanctions")
    op.drop_index(op.f("ix_violations_person_id"), table_name="violations")
    op.drop_table("violations")
    op.drop_index(op.f("ix_reporter_reveals_report_id"), table_name="reporter_reveals")
    op.drop_table("reporter_reveals")
    op.drop_index(op.f("ix_reports_reporter_tag"), table_name="reports")
    op.drop_index("ix_reports_group_status", table_name="reports")
    op.drop_table("reports")
    op.drop_index(op.f("ix_decision_records_group_id"), table_name="decision_records")
    op.drop_table("decision_records")
    op.drop_index("ix_patrols_group_status", table_name="patrols")
    op.drop_table("patrols")
    op.drop_table("closed_threads")
