"""Keeping order: violations, sanctions, appeals, reports, reveals, patrols, closed threads,
decision records, and the lists the review queue and the patrol checklist read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qunguan.store.models import (
    Appeal,
    AuditFinding,
    ClosedThread,
    DecisionRecord,
    Group,
    Membership,
    Message,
    Patrol,
    Report,
    ReporterReveal,
    Restriction,
    Sanction,
    Violation,
)


class ConductRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def any_report(self) -> bool:
        return self.session.scalar(select(Report.id).limit(1)) is not None

    # Violations, sanctions, appeals ----------------------------------------------------------

    def violation(self, violation_id: int) -> Violation | None:
        return self.session.get(Violation, violation_id)

    def violations_of(self, person_id: int, group_id: int | None = None) -> list[Violation]:
        stmt = select(Violation).where(Violation.person_id == person_id)
        if group_id is not None:
            stmt = stmt.where(Violation.group_id == group_id)
        return list(self.session.scalars(stmt.order_by(Violation.id)))

    def sanction(self, sanction_id: int) -> Sanction | None:
        return self.session.get(Sanction, sanction_id)

    def sanctions_of(self, person_id: int, group_id: int | None = None) -> list[Sanction]:
        stmt = select(Sanction).where(Sanction.person_id == person_id)
        if group_id is not None:
            stmt = stmt.where(Sanction.group_id == group_id)
        return list(self.session.scalars(stmt.order_by(Sanction.id)))

    def sanction_counts(self, group_id: int, since: datetime) -> dict[str, int]:
        rows = self.session.execute(
            select(Sanction.step, func.count())
            .where(
                Sanction.group_id == group_id,
                Sanction.created_at >= since,
                Sanction.status == "applied",
            )
            .group_by(Sanction.step)
        )
        return {str(step): int(n) for step, n in rows}

    def appeal(self, appeal_id: int) -> Appeal | None:
        return self.session.get(Appeal, appeal_id)

    def appeals_of_sanction(self, sanction_id: int) -> list[Appeal]:
        return list(self.session.scalars(select(Appeal).where(Appeal.sanction_id == sanction_id)))

    def open_appeals(self, group_ids: Sequence[int] | None) -> list[tuple[Appeal, Sanction]]:
        stmt = (
            select(Appeal, Sanction)
            .join(Sanction, Sanction.id == Appeal.sanction_id)
            .where(Appeal.status == "open")
        )
        if group_ids is not None:
            stmt = stmt.where(Sanction.group_id.in_(group_ids))
        return [(a, s) for a, s in self.session.execute(stmt.order_by(Appeal.id))]

    def suspended(self, person_id: int, now: datetime) -> Restriction | None:
        """A suspension (everywhere) running now."""
        return self.session.scalar(
            select(Restriction)
            .where(
                Restriction.person_id == person_id,
                Restriction.group_id.is_(None),
                Restriction.kind == "suspension",
                Restriction.starts_at <= now,
                Restriction.until > now,
                Restriction.lifted_at.is_(None),
            )
            .limit(1)
        )

    # Reports -----------------------------------------------------------------------------------

    def report(self, report_id: int) -> Report | None:
        return self.session.get(Report, report_id)

    def report_by_receipt(self, receipt_hash: str) -> Report | None:
        return self.session.scalar(select(Report).where(Report.receipt_hash == receipt_hash))

    def reports_by_tag(self, tag: str) -> list[Report]:
        stmt = select(Report).where(Report.reporter_tag == tag)
        return list(self.session.scalars(stmt.order_by(Report.id.desc())))

    def open_reports(self, group_ids: Sequence[int] | None) -> list[Report]:
        stmt = select(Report).where(Report.status == "open")
        if group_ids is not None:
            stmt = stmt.where(Report.group_id.in_(group_ids))
        return list(self.session.scalars(stmt.order_by(Report.due_at)))

    def overdue_reports(self, now: datetime) -> list[Report]:
        """Open reports past their deadline not yet escalated, locked against a second
        process escalating them too."""
        stmt = (
            select(Report)
            .where(Report.status == "open", Report.due_at < now, Report.escalated_at.is_(None))
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def reveal(self, reveal_id: int) -> ReporterReveal | None:
        return self.session.get(ReporterReveal, reveal_id)

    def reveals(self) -> list[ReporterReveal]:
        return list(self.session.scalars(select(ReporterReveal).order_by(ReporterReveal.id)))

    # Messages the queue and the checklist list ------------------------------------------------

    def held(self, group_ids: Sequence[int] | None) -> list[Message]:
        stmt = select(Message).where(Message.status == "held")
        if group_ids is not None:
            stmt = stmt.where(Message.group_id.in_(group_ids))
        return list(self.session.scalars(stmt.order_by(Message.id)))

    def stale_pins(self, group_id: int, before: datetime) -> list[Message]:
        return list(
            self.session.scalars(
                select(Message)
                .where(
                    Message.group_id == group_id,
                    Message.pinned_at.is_not(None),
                    Message.pinned_at < before,
                )
                .order_by(Message.pinned_at)
            )
        )

    def open_findings(self, group_ids: Sequence[int] | None) -> list[AuditFinding]:
        stmt = select(AuditFinding).where(AuditFinding.status == "open")
        if group_ids is not None:
            stmt = stmt.where(AuditFinding.group_id.in_(group_ids))
        return list(self.session.scalars(stmt.order_by(AuditFinding.id)))

    def matching_messages(
        self,
        group_id: int,
        *,
        text: str = "",
        sender_person_id: int | None = None,
        before: datetime | None = None,
        category: str = "",
        limit: int = 500,
    ) -> list[Message]:
        """Visible messages of a group matching a tidy-up filter (at least one criterion)."""
        stmt = select(Message).where(Message.group_id == group_id, Message.status == "visible")
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Message.body.like(f"%{escaped}%", escape="\\"))
        if sender_person_id is not None:
            stmt = stmt.where(Message.sender_person_id == sender_person_id)
        if before is not None:
            stmt = stmt.where(Message.created_at < before)
        if category:
            stmt = stmt.where(Message.category == category)
        return list(self.session.scalars(stmt.order_by(Message.id).limit(limit)))

    # Threads and decisions -----------------------------------------------------------------------

    def thread_closed(self, group_id: int, seq: int) -> ClosedThread | None:
        return self.session.scalar(
            select(ClosedThread).where(ClosedThread.group_id == group_id, ClosedThread.seq == seq)
        )

    def decision_of(self, message_id: int) -> DecisionRecord | None:
        return self.session.scalar(
            select(DecisionRecord).where(DecisionRecord.message_id == message_id)
        )

    def decisions(self, group_id: int) -> list[tuple[DecisionRecord, Message]]:
        stmt = (
            select(DecisionRecord, Message)
            .join(Message, Message.id == DecisionRecord.message_id)
            .where(DecisionRecord.group_id == group_id)
            .order_by(DecisionRecord.marked_at, DecisionRecord.id)
        )
        return [(d, m) for d, m in self.session.execute(stmt)]

    # Patrols ---------------------------------------------------------------------------------

    def patrol(self, patrol_id: int) -> Patrol | None:
        return self.session.get(Patrol, patrol_id)

    def open_patrol(self, group_id: int) -> Patrol | None:
        return self.session.scalar(
            select(Patrol).where(Patrol.group_id == group_id, Patrol.status == "open").limit(1)
        )

    def patrols(self, group_ids: Sequence[int] | None, limit: int = 50) -> list[Patrol]:
        stmt = select(Patrol)
        if group_ids is not None:
            stmt = stmt.where(Patrol.group_id.in_(group_ids))
        return list(self.session.scalars(stmt.order_by(Patrol.id.desc()).limit(limit)))

    def overdue_patrols(self, now: datetime) -> list[Patrol]:
        stmt = (
            select(Patrol)
            .where(Patrol.status == "open", Patrol.due_at < now, Patrol.escalated_at.is_(None))
            .with_for_update(skip_locked=True)
        )
        return list(self.session.scalars(stmt))

    def active_groups(self) -> list[Group]:
        return list(self.session.scalars(select(Group).where(Group.status == "active")))

    def managers(self, group_id: int) -> list[int]:
        """The person ids of a group's owner and admins."""
        return list(
            self.session.scalars(
                select(Membership.person_id).where(
                    Membership.group_id == group_id,
                    Membership.left_at.is_(None),
                    Membership.role.in_(("owner", "group_admin")),
                )
            )
        )
