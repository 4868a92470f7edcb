"""A status change that loses a race cleanly: shared by applications and invitations."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from qunguan.store.models import GroupApplication, Invitation


class StatusMover:
    session: Session

    def move_status(
        self, model: type[GroupApplication] | type[Invitation], row_id: int, expected: str, new: str
    ) -> bool:
        """Change a row's status only if it still has the expected one; False if someone else
        decided it first (two clicks, two deciders): a race becomes a clear refusal."""
        result = self.session.execute(
            update(model).where(model.id == row_id, model.status == expected).values(status=new)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            row = self.session.get(model, row_id)
            if row is not None:
                self.session.refresh(row, ["status"])
        return bool(result.rowcount)  # type: ignore[attr-defined]
