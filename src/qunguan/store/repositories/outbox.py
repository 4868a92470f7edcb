"""The outbox of domain events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qunguan.domain.events import DomainEvent
from qunguan.store.models import OutboxEvent


class OutboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: DomainEvent) -> OutboxEvent:
        row = OutboxEvent(kind=event.kind, payload=event.payload())
        self.session.add(row)
        return row

    def claim(self, event_id: int, at: datetime) -> bool:
        """Mark an event processed; False if another process got to it first."""
        result = self.session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.processed_at.is_(None))
            .values(processed_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def pending(self, kind: str | None = None, limit: int = 500) -> list[OutboxEvent]:
        stmt = select(OutboxEvent).where(OutboxEvent.processed_at.is_(None))
        if kind is not None:
            stmt = stmt.where(OutboxEvent.kind == kind)
        return list(self.session.scalars(stmt.order_by(OutboxEvent.id).limit(limit)))
