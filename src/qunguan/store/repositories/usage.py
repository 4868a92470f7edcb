"""A group's figures over a period: messages, active members, notice acknowledgement,
response times, violations. Aggregates only; no rows leave the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from qunguan.store.models import (
    Inquiry,
    InquiryTarget,
    Membership,
    Message,
    Notice,
    NoticeAcknowledgement,
    NoticeRecipient,
    Violation,
)


class UsageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def members(self, group_id: int) -> int:
        stmt = select(func.count()).where(
            Membership.group_id == group_id, Membership.left_at.is_(None)
        )
        return int(self.session.scalar(stmt) or 0)

    def messages(self, group_id: int, since: datetime, until: datetime) -> tuple[int, int]:
        """(messages shown, people who said something beyond a bare acknowledgement)."""
        stmt = select(
            func.count(),
            func.count(
                func.distinct(case((Message.substantive.is_(True), Message.sender_person_id)))
            ),
        ).where(
            Message.group_id == group_id,
            Message.status == "visible",
            Message.kind != "notice",
            Message.created_at >= since,
            Message.created_at < until,
        )
        total, active = self.session.execute(stmt).one()
        return int(total), int(active)

    def acknowledgement(
        self, group_id: int, since: datetime, until: datetime
    ) -> tuple[int, int, int]:
        """Reply-required notices published to the group: (notices, recipients, acknowledged)."""
        stmt = (
            select(
                func.count(func.distinct(Notice.id)),
                func.count(),
                func.count(NoticeAcknowledgement.person_id),
            )
            .select_from(NoticeRecipient)
            .join(Notice, Notice.id == NoticeRecipient.notice_id)
            .outerjoin(
                NoticeAcknowledgement,
                and_(
                    NoticeAcknowledgement.notice_id == NoticeRecipient.notice_id,
                    NoticeAcknowledgement.person_id == NoticeRecipient.person_id,
                ),
            )
            .where(
                NoticeRecipient.group_id == group_id,
                Notice.reply_required.is_(True),
                Notice.published_at >= since,
                Notice.published_at < until,
            )
        )
        notices, recipients, acknowledged = self.session.execute(stmt).one()
        return int(notices), int(recipients), int(acknowledged)

    def responses(
        self, group_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime]]:
        """(asked, first answered) of each answered inquiry target asked in the period."""
        stmt = (
            select(Inquiry.asked_at, InquiryTarget.responded_at)
            .join(InquiryTarget, InquiryTarget.inquiry_id == Inquiry.id)
            .where(
                Inquiry.group_id == group_id,
                Inquiry.asked_at >= since,
                Inquiry.asked_at < until,
                InquiryTarget.responded_at.is_not(None),
            )
        )
        return [(a, r) for a, r in self.session.execute(stmt) if r is not None]

    def violations(self, group_id: int, since: datetime, until: datetime) -> int:
        stmt = select(func.count()).where(
            Violation.group_id == group_id,
            Violation.created_at >= since,
            Violation.created_at < until,
        )
        return int(self.session.scalar(stmt) or 0)
