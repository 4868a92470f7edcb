"""Presence intervals: one per live connection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qunguan.store.models import PresenceInterval


class OnlineTimeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: PresenceInterval) -> None:
        self.session.add(row)
        self.session.flush()

    def close(self, interval_id: int, at: datetime) -> None:
        self.session.execute(
            update(PresenceInterval)
            .where(PresenceInterval.id == interval_id, PresenceInterval.ended_at.is_(None))
            .values(ended_at=at, last_seen_at=at)
        )

    def touch(self, interval_ids: list[int], at: datetime) -> None:
        self.session.execute(
            update(PresenceInterval)
            .where(PresenceInterval.id.in_(interval_ids), PresenceInterval.ended_at.is_(None))
            .values(last_seen_at=at)
        )

    def overlapping(
        self, since: datetime, until: datetime
    ) -> dict[int, list[tuple[datetime, datetime]]]:
        """Per person, the intervals that overlap [since, until); an unclosed interval ends
        at its last heartbeat."""
        end = func.coalesce(PresenceInterval.ended_at, PresenceInterval.last_seen_at)
        stmt = select(PresenceInterval.person_id, PresenceInterval.started_at, end).where(
            PresenceInterval.started_at < until, end > since
        )
        out: dict[int, list[tuple[datetime, datetime]]] = {}
        for person_id, start, stop in self.session.execute(stmt):
            out.setdefault(person_id, []).append((start, stop))
        return out
