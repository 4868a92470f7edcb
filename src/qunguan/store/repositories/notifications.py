"""Notifications: what the system told a person, newest first, and what they have read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qunguan.store.models import Notification


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def notify(self, person_id: int, kind: str, params: dict[str, object]) -> None:
        self.session.add(Notification(person_id=person_id, kind=kind, params=params))

    def all_of(self, person_id: int) -> list[Notification]:
        stmt = select(Notification).where(Notification.person_id == person_id)
        return list(self.session.scalars(stmt.order_by(Notification.id.desc())))

    def recent(self, person_id: int, limit: int) -> list[Notification]:
        stmt = (
            select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def unread_count(self, person_id: int) -> int:
        stmt = select(func.count()).where(
            Notification.person_id == person_id, Notification.read_at.is_(None)
        )
        return int(self.session.scalar(stmt) or 0)

    def mark_read(self, person_id: int, at: datetime) -> None:
        self.session.execute(
            update(Notification)
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
            .values(read_at=at)
        )
