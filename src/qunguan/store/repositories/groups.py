"""Group applications and groups (with their exemptions): every query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qunguan.store.models import Group, GroupApplication, GroupExemption, Membership
from qunguan.store.repositories.status import StatusMover


class GroupRepository(StatusMover):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def application(self, application_id: int) -> GroupApplication | None:
        return self.session.get(GroupApplication, application_id)

    def applications(self, status: str | None = None) -> list[GroupApplication]:
        stmt = select(GroupApplication).order_by(GroupApplication.id.desc())
        if status is not None:
            stmt = stmt.where(GroupApplication.status == status)
        return list(self.session.scalars(stmt))

    def group(self, group_id: int) -> Group | None:
        return self.session.get(Group, group_id)

    def groups(self, *, status: str | None = None) -> list[Group]:
        stmt = select(Group).order_by(Group.id)
        if status is not None:
            stmt = stmt.where(Group.status == status)
        return list(self.session.scalars(stmt))

    def active_names(self) -> list[str]:
        return list(self.session.scalars(select(Group.name).where(Group.status != "archived")))

    def pending_names(self) -> list[str]:
        stmt = select(GroupApplication.name).where(GroupApplication.status == "pending")
        return list(self.session.scalars(stmt))

    def groups_of_person(self, person_id: int) -> list[tuple[Group, Membership]]:
        stmt = (
            select(Group, Membership)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.person_id == person_id, Membership.left_at.is_(None))
            .order_by(Group.id)
        )
        return [(g, m) for g, m in self.session.execute(stmt).all()]

    def unit_wide_groups(self, unit_id: int) -> list[Group]:
        stmt = select(Group).where(
            Group.unit_wide.is_(True), Group.scope_unit_id == unit_id, Group.status == "active"
        )
        return list(self.session.scalars(stmt))

    def exemptions(self, group_id: int) -> list[GroupExemption]:
        stmt = select(GroupExemption).where(GroupExemption.group_id == group_id)
        return list(self.session.scalars(stmt.order_by(GroupExemption.id)))

    def exempted(self, group_id: int, person_id: int) -> bool:
        stmt = select(GroupExemption.id).where(
            GroupExemption.group_id == group_id, GroupExemption.person_id == person_id
        )
        return self.session.scalar(stmt) is not None
