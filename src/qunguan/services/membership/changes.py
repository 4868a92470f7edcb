"""Membership changes that wait for approval (篇四 四.2: 未经审批不得随意增减群成员).

Where the policy says so, an inviter's addition or a manager's removal is a request that
the group approver (the role that approves groups) decides, never the one who asked. An
approved addition then waits for the invitee's consent like any invitation, and the
membership it ends in names the request; an approved removal ends the membership.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.rules import membership as rules
from qunguan.policy.rules.groups import approver_role
from qunguan.services import audit
from qunguan.services.access import access_membership_change
from qunguan.services.groups.lifecycle import join_refusal, require_status, settings_in_force
from qunguan.services.membership import members
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Invitation
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import InvitationRepository, MembershipRepository
from qunguan.store.repositories.notifications import NotificationRepository

KINDS = ("change", "removal")


def _require_approver(uow: UnitOfWork, principal: Principal) -> None:
    if approver_role(settings_in_force(uow)) not in principal.roles:
        raise DomainError(
            "members.not_change_approver", ErrorKind.FORBIDDEN, clause_ids=rules.CHANGE_CLAUSES
        )


def _require_not_own(principal: Principal, row: Invitation) -> None:
    if row.created_by == principal.user_id:
        raise DomainError(
            "members.own_change", ErrorKind.FORBIDDEN, clause_ids=rules.CHANGE_CLAUSES
        )


def decide(
    uow: UnitOfWork, principal: Principal, request_id: int, *, approve: bool, note: str = ""
) -> str:
    """The approver's decision; returns what followed: ``invitation`` (consent awaited),
    ``member`` (joined at once), ``removed``, or ``declined``."""
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    _require_approver(uow, principal)
    row = access_membership_change(uow, request_id, KINDS)
    _require_not_own(principal, row)
    group = repo.group(row.group_id)
    assert group is not None
    require_status(group, "active", "frozen")
    person = DirectoryRepository(uow.session).person(row.person_id)
    if approve and row.kind == "change" and person is not None:
        refusal = join_refusal(uow, group, person)
        if refusal is not None:
            raise refusal
    if not repo.move_status(Invitation, row.id, "pending", "approved" if approve else "declined"):
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    row.decided_by, row.decided_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        f"member.{row.kind}_" + ("approved" if approve else "declined"),
        target_type="group",
        target_id=group.id,
        summary={"request": row.id, "person_id": row.person_id, "note": note.strip()},
    )
    if not approve:
        return "declined"
    if row.kind == "removal":
        membership = memberships.membership(group.id, row.person_id)
        if membership is not None:
            members.end_membership(uow, membership, "removed", row.reason)
            notifications.notify(
                row.person_id, "member.removed", {"group": group.name, "reason": row.reason}
            )
        return "removed"
    if not rules.consent_needed(settings_in_force(uow)):
        members.join_approved(uow, group, row)
        return "member"
    # The approved request itself becomes the invitation the invitee answers.
    row.kind, row.status = "invitation", "pending"
    notifications.notify(row.person_id, "member.invited", {"group": group.name})
    return "invitation"


@dataclass(frozen=True)
class ChangeView:
    id: int
    group_id: int
    group_name: str
    person_name: str
    kind: str
    reason: str
    created_at: datetime


def pending(uow: UnitOfWork, principal: Principal) -> list[ChangeView]:
    """The changes waiting for me as the group approver."""
    try:
        if approver_role(settings_in_force(uow)) not in principal.roles:
            return []
    except DomainError:  # no policy adopted yet: nothing to approve
        return []
    repo = GroupRepository(uow.session)
    invitations = InvitationRepository(uow.session)
    rows = [r for kind in KINDS for r in invitations.pending_of_kind(kind)]
    people = DirectoryRepository(uow.session).people_by_ids([r.person_id for r in rows])
    out = []
    for r in sorted(rows, key=lambda r: r.id):
        group = repo.group(r.group_id)
        person = people.get(r.person_id)
        out.append(
            ChangeView(
                r.id,
                r.group_id,
                group.name if group else "",
                person.name if person else "",
                r.kind,
                r.reason,
                r.created_at,
            )
        )
    return out
