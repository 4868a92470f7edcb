"""Inquiries, assignments and questions, and the people they wait on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from qunguan.store.models import Group, Inquiry, InquiryTarget, Message


@dataclass(frozen=True)
class OpenTarget:
    inquiry_id: int
    group_id: int
    group_name: str
    seq: int
    kind: str
    body: str
    asked_by: int
    asked_at: datetime
    due_at: datetime | None
    person_id: int
    responded_at: datetime | None


_ANSWERED = aliased(InquiryTarget)


class InquiryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def add_targets(self, inquiry_id: int, person_ids: list[int]) -> None:
        self.session.execute(
            insert(InquiryTarget),
            [{"inquiry_id": inquiry_id, "person_id": p} for p in person_ids],
        )

    def respond(
        self, group_id: int, seq: int, person_id: int, message_id: int, at: datetime
    ) -> bool:
        """Mark the first response of a target to the inquiry at (group, seq)."""
        inquiry_id = select(Inquiry.id).where(Inquiry.group_id == group_id, Inquiry.seq == seq)
        result = self.session.execute(
            update(InquiryTarget)
            .where(
                InquiryTarget.inquiry_id.in_(inquiry_id.scalar_subquery()),
                InquiryTarget.person_id == person_id,
                InquiryTarget.responded_at.is_(None),
            )
            .values(responded_at=at, response_message_id=message_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _rows(self) -> Any:
        """The columns of ``OpenTarget``, in its order."""
        stmt = (
            select(
                Inquiry.id,
                Inquiry.group_id,
                Group.name,
                Inquiry.seq,
                Inquiry.kind,
                Message.body,
                Inquiry.asked_by,
                Inquiry.asked_at,
                Inquiry.due_at,
                InquiryTarget.person_id,
                InquiryTarget.responded_at,
            )
            .join(InquiryTarget, InquiryTarget.inquiry_id == Inquiry.id)
            .join(Group, Group.id == Inquiry.group_id)
            .join(Message, Message.id == Inquiry.message_id)
        )
        return stmt

    def targets_of_group(self, group_id: int, limit: int = 500) -> list[OpenTarget]:
        stmt = (
            self._rows()
            .where(Inquiry.group_id == group_id)
            .order_by(Inquiry.id.desc(), InquiryTarget.person_id)
            .limit(limit)
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    def open_for_person(self, person_id: int) -> list[OpenTarget]:
        stmt = (
            self._rows()
            .where(
                InquiryTarget.person_id == person_id,
                InquiryTarget.responded_at.is_(None),
                ~self._question_answered(),
            )
            .order_by(Inquiry.asked_at)
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    @staticmethod
    def _question_answered() -> ColumnElement[bool]:
        """A question is answered once any of the admins it waits on has answered."""
        return and_(
            Inquiry.kind == "question",
            exists().where(_ANSWERED.inquiry_id == Inquiry.id, _ANSWERED.responded_at.is_not(None)),
        )

    def overdue_unreminded(self, now: datetime) -> list[OpenTarget]:
        stmt = self._rows().where(
            Inquiry.due_at.is_not(None),
            Inquiry.due_at <= now,
            InquiryTarget.responded_at.is_(None),
            InquiryTarget.reminded_at.is_(None),
            or_(Inquiry.kind != "question", ~self._question_answered()),
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    def claim_reminder(self, inquiry_id: int, person_id: int, now: datetime) -> bool:
        result = self.session.execute(
            update(InquiryTarget)
            .where(
                InquiryTarget.inquiry_id == inquiry_id,
                InquiryTarget.person_id == person_id,
                InquiryTarget.reminded_at.is_(None),
            )
            .values(reminded_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
