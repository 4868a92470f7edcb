"""Memberships, invitations (and requests to join), membership-audit findings: every query."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qunguan.store.models import AuditFinding, Invitation, Membership
from qunguan.store.repositories.status import StatusMover


class MembershipRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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


class InvitationRepository(StatusMover):
    def __init__(self, session: Session) -> None:
        self.session = session

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


class FindingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

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
