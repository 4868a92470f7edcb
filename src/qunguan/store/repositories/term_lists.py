"""The agency's term lists, their entries, and the revision every change moves on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from qunguan.domain.clock import utcnow
from qunguan.store.models import TermListRevision, TermListRow, TermRow


class TermListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def revision(self) -> int:
        """The one cheap read the message path makes (at most once a second per process)."""
        return (
            self.session.scalar(select(TermListRevision.revision).where(TermListRevision.id == 1))
            or 0
        )

    def bump(self) -> int:
        """Move the revision on; the row lock also serialises two changes of the lists."""
        self.session.execute(
            update(TermListRevision)
            .where(TermListRevision.id == 1)
            .values(revision=TermListRevision.revision + 1, changed_at=utcnow())
        )
        return self.revision()

    def lists(self) -> list[TermListRow]:
        return list(self.session.scalars(select(TermListRow).order_by(TermListRow.category)))

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(TermListRow.category, func.count(TermRow.id))
            .join(TermRow, TermRow.list_id == TermListRow.id, isouter=True)
            .group_by(TermListRow.category)
        )
        return {category: count for category, count in rows}

    def list_of(self, category: str) -> TermListRow | None:
        return self.session.scalar(select(TermListRow).where(TermListRow.category == category))

    def ensure_list(self, category: str, user_id: int | None, source: str = "") -> TermListRow:
        row = self.list_of(category)
        if row is None:
            row = TermListRow(category=category, source=source)
            self.session.add(row)
        row.updated_at = utcnow()
        row.updated_by = user_id
        if source:
            row.source = source
        self.session.flush()
        return row

    def entries(self, list_ids: Iterable[int] | None = None) -> list[tuple[str, TermRow]]:
        """(category, entry) of every entry, or of the given lists, in a stable order."""
        query = select(TermListRow.category, TermRow).join(
            TermListRow, TermRow.list_id == TermListRow.id
        )
        if list_ids is not None:
            query = query.where(TermRow.list_id.in_(list(list_ids)))
        rows = self.session.execute(query.order_by(TermListRow.category, TermRow.id))
        return [(category, entry) for category, entry in rows]

    def entry(self, list_id: int, text: str) -> TermRow | None:
        return self.session.scalar(
            select(TermRow).where(TermRow.list_id == list_id, TermRow.text == text)
        )

    def replace_entries(self, list_id: int, rows: list[dict[str, Any]]) -> None:
        """One delete and one multi-row insert (a list may hold 100,000 entries)."""
        self.session.execute(delete(TermRow).where(TermRow.list_id == list_id))
        if rows:
            self.session.execute(insert(TermRow), rows)

    def add_entry(self, row: TermRow) -> TermRow:
        self.session.add(row)
        self.session.flush()
        return row

    def remove_entry(self, row: TermRow) -> None:
        self.session.delete(row)
        self.session.flush()
