"""The audit trail's queries: append under the chain-head lock, read in order, search."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from qunguan.domain.audit import AuditQuery
from qunguan.store.models import AuditHead, AuditRecord


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_head(self) -> tuple[int, str]:
        """Advance the head first: on PostgreSQL the row lock, on SQLite the write lock,
        serialise appends until this transaction ends. Returns (new seq, previous hash)."""
        self.session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(last_seq=AuditHead.last_seq + 1)
        )
        head = self.session.execute(
            select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
        ).one()
        return int(head.last_seq), str(head.last_hash)

    def append(self, record: AuditRecord) -> None:
        self.session.add(record)
        self.session.flush()
        self.session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(last_hash=record.hash)
        )

    def head(self) -> tuple[int, str]:
        row = self.session.execute(
            select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == 1)
        ).one()
        return int(row.last_seq), str(row.last_hash)

    def in_order(self, batch: int = 2000) -> Iterator[AuditRecord]:
        after = 0
        while True:
            rows = list(
                self.session.scalars(
                    select(AuditRecord)
                    .where(AuditRecord.seq > after)
                    .order_by(AuditRecord.seq)
                    .limit(batch)
                )
            )
            if not rows:
                return
            yield from rows
            after = rows[-1].seq

    def _filtered(self, query: AuditQuery) -> Select[AuditRecord]:
        stmt = select(AuditRecord)
        if query.actor:
            stmt = stmt.where(AuditRecord.actor_username.like(f"%{query.actor}%"))
        if query.actor_user_id is not None:
            stmt = stmt.where(AuditRecord.actor_user_id == query.actor_user_id)
        if query.action:
            stmt = stmt.where(AuditRecord.action.like(f"{query.action}%"))
        if query.target:
            stmt = stmt.where(
                (AuditRecord.target_id == query.target) | (AuditRecord.target_type == query.target)
            )
        if query.since is not None:
            stmt = stmt.where(AuditRecord.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(AuditRecord.at < query.until)
        return stmt

    def search(self, query: AuditQuery) -> tuple[list[AuditRecord], int]:
        stmt = self._filtered(query)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(
            stmt.order_by(AuditRecord.seq.desc()).limit(query.limit).offset(query.offset)
        )
        return list(rows), total
