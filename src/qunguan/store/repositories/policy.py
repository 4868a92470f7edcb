"""Policy versions and acknowledgements."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qunguan.store.models import PolicyAcknowledgement, PolicyVersion, User


class PolicyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def current(self) -> PolicyVersion | None:
        return self.session.scalar(
            select(PolicyVersion)
            .where(PolicyVersion.status == "published")
            .order_by(PolicyVersion.version.desc())
            .limit(1)
        )

    def in_force_at(self, when: datetime) -> PolicyVersion | None:
        return self.session.scalar(
            select(PolicyVersion)
            .where(PolicyVersion.status == "published", PolicyVersion.published_at <= when)
            .order_by(PolicyVersion.version.desc())
            .limit(1)
        )

    def get(self, version_id: int) -> PolicyVersion | None:
        return self.session.get(PolicyVersion, version_id)

    def by_number(self, number: int) -> PolicyVersion | None:
        return self.session.scalar(select(PolicyVersion).where(PolicyVersion.version == number))

    def next_number(self) -> int:
        return (self.session.scalar(select(func.max(PolicyVersion.version))) or 0) + 1

    def add(self, row: PolicyVersion) -> PolicyVersion:
        self.session.add(row)
        self.session.flush()
        return row

    def all(self) -> list[PolicyVersion]:
        return list(self.session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc())))

    def acknowledged(self, user_id: int, version: int) -> bool:
        return self.session.get(PolicyAcknowledgement, (user_id, version)) is not None

    def acknowledge(self, user_id: int, version: int, at: datetime) -> bool:
        if self.acknowledged(user_id, version):
            return False
        self.session.add(PolicyAcknowledgement(user_id=user_id, version=version, at=at))
        self.session.flush()
        return True

    def acknowledgement_status(self, version: int) -> list[tuple[User, datetime | None]]:
        """Every active account and when (if ever) it acknowledged the version."""
        rows = self.session.execute(
            select(User, PolicyAcknowledgement.at)
            .outerjoin(
                PolicyAcknowledgement,
                (PolicyAcknowledgement.user_id == User.id)
                & (PolicyAcknowledgement.version == version),
            )
            .where(User.is_active.is_(True))
            .order_by(User.id)
        ).all()
        return [(user, at) for user, at in rows]
