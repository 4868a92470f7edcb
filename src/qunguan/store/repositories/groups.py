"""Groups, applications, memberships, invitations, notifications, job runs, findings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qunguan.store.models import (
    AuditFinding,
    Group,
    GroupApplication,
    GroupExemption,
    Invitation,
    JobRun,
    Membership,
    Notification,
)


class GroupRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

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

    def close_invitations(self, group_id: int, person_id: int, status: str) -> None:
        """The person joined another way: their open invitations and requests are moot."""
        self.session.execute(
            update(Invitation)
            .where(
                Invitation.group_id == group_id,
                Invitation.person_id == person_id,
                Invitation.status == "pending",
            )
            .values(status=status)
        )

    # Applications and groups --------------------------------------------------------------

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

    # Memberships ----------------------------------------------------------------------------

    def membership(self, group_id: int, person_id: int) -> Membership | None:
        return self.session.scalar(
            select(Membership).where(
                Membership.group_id == group_id,
                Membership.person_id == person_id,
                Membership.left_at.is_(None),
            )
        )

    def members(self, group_id: int) -> list[Membership]:
        stmt = (
            select(Membership)
            .where(Membership.group_id == group_id, Membership.left_at.is_(None))
            .order_by(Membership.id)
        )
        return list(self.session.scalars(stmt))

    # Invitations ------------------------------------------------------------------------------

    def invitation(self, invitation_id: int) -> Invitation | None:
        return self.session.get(Invitation, invitation_id)

    def pending_invitation(self, group_id: int, person_id: int) -> Invitation | None:
        return self.session.scalar(
            select(Invitation).where(
                Invitation.group_id == group_id,
                Invitation.person_id == person_id,
                Invitation.status == "pending",
            )
        )

    def invitations_for(self, person_id: int) -> list[Invitation]:
        stmt = select(Invitation).where(
            Invitation.person_id == person_id,
            Invitation.kind == "invitation",
            Invitation.status == "pending",
        )
        return list(self.session.scalars(stmt.order_by(Invitation.id)))

    def pending_of_kind(self, kind: str) -> list[Invitation]:
        return list(
            self.session.scalars(
                select(Invitation)
                .where(Invitation.kind == kind, Invitation.status == "pending")
                .order_by(Invitation.id)
            )
        )

    def requests_of(self, group_id: int) -> list[Invitation]:
        stmt = select(Invitation).where(
            Invitation.group_id == group_id,
            Invitation.kind == "request",
            Invitation.status == "pending",
        )
        return list(self.session.scalars(stmt.order_by(Invitation.id)))

    # Notifications, job runs, findings --------------------------------------------------------

    def notify(self, person_id: int, kind: str, params: dict[str, object]) -> None:
        self.session.add(Notification(person_id=person_id, kind=kind, params=params))

    def notifications(self, person_id: int) -> list[Notification]:
        stmt = select(Notification).where(Notification.person_id == person_id)
        return list(self.session.scalars(stmt.order_by(Notification.id.desc())))

    def claim_run(self, job: str, period: str, at: datetime) -> JobRun | None:
        """Insert the run's row; None if another process has claimed this period already."""
        run = JobRun(job=job, period=period, started_at=at)
        try:
            with self.session.begin_nested():
                self.session.add(run)
                self.session.flush()
        except IntegrityError:
            return None
        return run

    def open_finding(self, group_id: int, person_id: int) -> AuditFinding | None:
        return self.session.scalar(
            select(AuditFinding).where(
                AuditFinding.group_id == group_id,
                AuditFinding.person_id == person_id,
                AuditFinding.status == "open",
            )
        )

    def findings(self, group_id: int, status: str = "open") -> list[AuditFinding]:
        stmt = select(AuditFinding).where(
            AuditFinding.group_id == group_id, AuditFinding.status == status
        )
        return list(self.session.scalars(stmt.order_by(AuditFinding.id)))

    def findings_everywhere(self, kind: str, status: str) -> list[AuditFinding]:
        """Findings of one kind and status across all groups, in one query."""
        stmt = select(AuditFinding).where(AuditFinding.kind == kind, AuditFinding.status == status)
        return list(self.session.scalars(stmt.order_by(AuditFinding.id)))

    def latest_finding(self, group_id: int, person_id: int, kind: str) -> AuditFinding | None:
        return self.session.scalar(
            select(AuditFinding)
            .where(
                AuditFinding.group_id == group_id,
                AuditFinding.person_id == person_id,
                AuditFinding.kind == kind,
            )
            .order_by(AuditFinding.id.desc())
            .limit(1)
        )

    def finding(self, finding_id: int) -> AuditFinding | None:
        return self.session.get(AuditFinding, finding_id)
