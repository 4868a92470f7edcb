"""Membership: invitations with consent, requests, leaving, removal, leavers, display names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.directory import EmploymentStatus, display_name
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.policy.rules import membership as rules
from qunguan.policy.rules.membership import GroupRole
from qunguan.services import audit
from qunguan.services.access import access_group, access_join_request, access_own_invitation
from qunguan.services.groups.lifecycle import (
    _active_person,
    in_scope,
    join_refusal,
    require_status,
    settings_in_force,
)
from qunguan.services.membership import live
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Group, GroupExemption, Invitation, Membership
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.directory import DirectoryRepository, record_of
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import InvitationRepository, MembershipRepository
from qunguan.store.repositories.notifications import NotificationRepository


def _join(
    uow: UnitOfWork,
    group: Group,
    person_id: int,
    reason: str,
    by: int | None,
    invitation_id: int | None = None,
) -> Membership:
    now = uow.now()
    InvitationRepository(uow.session).close_invitations(group.id, person_id, "superseded")
    membership = Membership(
        group_id=group.id,
        person_id=person_id,
        role=GroupRole.MEMBER.value,
        joined_at=now,
        reason=reason,
        appointed_by=by,
        appointed_at=now,
        invitation_id=invitation_id,
    )
    GroupRepository(uow.session).add(membership)
    live.member_joined(uow, group.id, person_id)
    return membership


@dataclass(frozen=True)
class Outcome:
    """What bringing someone in led to: ``member`` (joined), ``invitation`` (their consent
    is awaited), ``request`` (an inviter's decision is awaited) or ``held`` (the directory
    record lacks what the group shows, e.g. the post)."""

    result: str
    id: int


def invite(
    uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str, reason: str = ""
) -> Outcome:
    """Bring someone in. An inviter's invitation waits for the invitee's consent where the
    policy asks for it (else they join at once); anyone else's becomes a request the
    inviters decide (篇一 四.1–2, 篇五 三, 篇七 三.1)."""
    group, role = access_group(uow, principal, group_id)
    require_status(group)
    settings = settings_in_force(uow)
    person = _active_person(uow, staff_no)
    refusal = join_refusal(uow, group, person)
    if refusal is not None:
        raise refusal
    repo = GroupRepository(uow.session)
    invitations = InvitationRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    if invitations.pending_invitation(group.id, person.id) is not None:
        raise DomainError(
            "members.already_invited", ErrorKind.CONFLICT, params={"name": person.name}
        )
    if rules.may_invite(settings, role) and rules.profile_incomplete(settings, person.post):
        # The group shows unit, name and post (篇四 四.1): without a post the join is held
        # until the directory has it; the inviter then invites again.
        held = Invitation(
            group_id=group.id,
            person_id=person.id,
            kind="invitation",
            status="held",
            reason=reason.strip(),
            created_by=principal.user_id,
        )
        repo.add(held)
        audit.record(
            uow,
            principal.actor(),
            "member.held_incomplete_profile",
            target_type="group",
            target_id=group.id,
            summary={"person": person.staff_no},
        )
        return Outcome("held", held.id)
    if rules.may_invite(settings, role) and settings.membership.changes_need_approval:
        # 篇四 四.2: no member is added without approval; the approver decides first.
        if not reason.strip():
            raise DomainError("members.reason_missing", clause_ids=rules.CHANGE_CLAUSES)
        return _change_request(uow, principal, group, person.id, "change", reason)
    if rules.may_invite(settings, role):
        if not rules.consent_needed(settings):
            membership = _join(uow, group, person.id, reason.strip(), principal.user_id)
            audit.record(
                uow,
                principal.actor(),
                "member.added",
                target_type="group",
                target_id=group.id,
                summary={"person": person.staff_no, "reason": reason.strip()},
            )
            notifications.notify(person.id, "member.added", {"group": group.name})
            return Outcome("member", membership.id)
        kind = "invitation"
    elif rules.may_request(settings, role):
        if not reason.strip():
            raise DomainError("members.reason_missing", clause_ids=("s1-4.2",))
        kind = "request"
    else:
        raise DomainError(
            "members.not_inviter", ErrorKind.FORBIDDEN, clause_ids=rules.INVITE_CLAUSES
        )
    invitation = Invitation(
        group_id=group.id,
        person_id=person.id,
        kind=kind,
        reason=reason.strip(),
        created_by=principal.user_id,
    )
    repo.add(invitation)
    audit.record(
        uow,
        principal.actor(),
        f"member.{kind}_created",
        target_type="group",
        target_id=group.id,
        summary={"person": person.staff_no, "reason": invitation.reason},
    )
    if kind == "invitation":
        notifications.notify(person.id, "member.invited", {"group": group.name})
    return Outcome(kind, invitation.id)


def _change_request(
    uow: UnitOfWork, principal: Principal, group: Group, person_id: int, kind: str, reason: str
) -> Outcome:
    """An addition or removal that waits for the group approver (篇四 四.2)."""
    repo = GroupRepository(uow.session)
    row = Invitation(
        group_id=group.id,
        person_id=person_id,
        kind=kind,
        reason=reason.strip(),
        created_by=principal.user_id,
    )
    repo.add(row)
    audit.record(
        uow,
        principal.actor(),
        f"member.{kind}_requested",
        target_type="group",
        target_id=group.id,
        summary={"person_id": person_id, "reason": row.reason},
    )
    return Outcome(kind, row.id)


def join_approved(uow: UnitOfWork, group: Group, request: Invitation) -> Membership:
    """An approved change request where no consent is asked: the member joins at once."""
    request.status = "accepted"
    return _join(uow, group, request.person_id, request.reason, request.created_by, request.id)


def decide_request(
    uow: UnitOfWork, principal: Principal, invitation_id: int, *, approve: bool
) -> Outcome:
    """An inviter approves a member's request (it becomes an invitation, or a membership
    where no consent is asked) or declines it. The request's reason travels along."""
    repo = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    request, group, role = access_join_request(uow, principal, invitation_id)
    settings = settings_in_force(uow)
    if not rules.may_invite(settings, role):
        raise DomainError(
            "members.not_inviter", ErrorKind.FORBIDDEN, clause_ids=rules.INVITE_CLAUSES
        )
    require_status(group)
    candidate = DirectoryRepository(uow.session).person(request.person_id)
    if approve and candidate is not None:
        refusal = join_refusal(uow, group, candidate)
        if refusal is not None:
            raise refusal
    if not repo.move_status(
        Invitation, request.id, "pending", "approved" if approve else "declined"
    ):
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    request.decided_by, request.decided_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        "member.request_" + ("approved" if approve else "declined"),
        target_type="group",
        target_id=group.id,
        summary={"request": request.id},
    )
    if not approve:
        return Outcome("declined", request.id)
    if not rules.consent_needed(settings):
        return Outcome(
            "member", _join(uow, group, request.person_id, request.reason, principal.user_id).id
        )
    invitation = Invitation(
        group_id=group.id,
        person_id=request.person_id,
        kind="invitation",
        reason=request.reason,
        created_by=principal.user_id,
    )
    repo.add(invitation)
    notifications.notify(request.person_id, "member.invited", {"group": group.name})
    return Outcome("invitation", invitation.id)


def respond(
    uow: UnitOfWork, principal: Principal, invitation_id: int, *, accept: bool
) -> Membership | None:
    """The invitee, and only the invitee, accepts or declines."""
    repo = GroupRepository(uow.session)
    invitation = access_own_invitation(uow, principal, invitation_id)
    group = repo.group(invitation.group_id)
    assert group is not None
    if accept:
        # Checked now, not when invited: the group, the person or their unit may have moved on.
        require_status(group)
        person = DirectoryRepository(uow.session).person(invitation.person_id)
        refusal = join_refusal(uow, group, person) if person is not None else None
        if refusal is not None:
            raise refusal
    if not repo.move_status(
        Invitation, invitation.id, "pending", "accepted" if accept else "declined"
    ):
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    invitation.decided_by, invitation.decided_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        "member.invitation_" + invitation.status,
        target_type="group",
        target_id=group.id,
    )
    if not accept:
        return None
    return _join(
        uow, group, invitation.person_id, invitation.reason, invitation.created_by, invitation.id
    )


def end_membership(uow: UnitOfWork, membership: Membership, how: str, reason: str) -> None:
    """End a membership for the record (kept, with how and why), and tell open connections."""
    membership.left_at, membership.left_how, membership.left_reason = uow.now(), how, reason
    live.member_left(uow, membership.group_id, membership.person_id, how)


def leave(uow: UnitOfWork, principal: Principal, group_id: int) -> None:
    """Leave voluntarily; an owner first hands the group over (篇四 三.1)."""
    group, role = access_group(uow, principal, group_id)
    if role is None:
        raise not_found("group")
    if role is GroupRole.OWNER:
        raise DomainError("members.owner_cannot_leave", ErrorKind.CONFLICT, clause_ids=("s4-3.1",))
    require_status(group, "active", "frozen")
    membership = MembershipRepository(uow.session).membership(group.id, principal.person_id or 0)
    assert membership is not None
    end_membership(uow, membership, "left", "")
    audit.record(uow, principal.actor(), "member.left", target_type="group", target_id=group.id)


def remove(
    uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str, reason: str
) -> Outcome | None:
    """An owner or group admin removes a member, saying why; the member is told. Where
    changes need approval, this asks the approver instead (the outcome says so)."""
    group, role = access_group(uow, principal, group_id)
    if not rules.may_manage(role):
        raise DomainError(
            "groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s1-4.3", "s3-3.1.2")
        )
    if not reason.strip():
        raise DomainError("members.reason_missing")
    require_status(group, "active", "frozen")
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    membership = memberships.membership(group.id, person.id) if person else None
    if person is None or membership is None:
        raise not_found("members.member")
    if membership.role == GroupRole.OWNER.value:
        raise DomainError("members.owner_cannot_leave", ErrorKind.CONFLICT, clause_ids=("s4-3.1",))
    if settings_in_force(uow).membership.changes_need_approval:
        return _change_request(uow, principal, group, person.id, "removal", reason)
    end_membership(uow, membership, "removed", reason.strip())
    audit.record(
        uow,
        principal.actor(),
        "member.removed",
        target_type="group",
        target_id=group.id,
        summary={"person": person.staff_no, "reason": reason.strip()},
    )
    notifications.notify(
        person.id, "member.removed", {"group": group.name, "reason": reason.strip()}
    )
    return None


def set_role(
    uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str, role: GroupRole
) -> None:
    """The owner appoints or stands down group admins; ownership moves only by transfer."""
    group, my_role = access_group(uow, principal, group_id)
    if my_role is not GroupRole.OWNER:
        raise DomainError("groups.not_owner", ErrorKind.FORBIDDEN, clause_ids=("s4-3.1",))
    if role is GroupRole.OWNER:
        raise DomainError("members.owner_by_transfer", ErrorKind.CONFLICT, clause_ids=("s4-3.1",))
    require_status(group)
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no)
    membership = (
        MembershipRepository(uow.session).membership(group.id, person.id) if person else None
    )
    if person is None or membership is None:
        raise not_found("members.member")
    if membership.role == GroupRole.OWNER.value:
        raise DomainError("members.owner_by_transfer", ErrorKind.CONFLICT, clause_ids=("s4-3.1",))
    before, membership.role = membership.role, role.value
    membership.appointed_by, membership.appointed_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        "member.role_changed",
        target_type="group",
        target_id=group.id,
        summary={"person": person.staff_no, "before": before, "after": role.value},
    )


def exempt(
    uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str, reason: str
) -> None:
    """Leave someone out of a unit-wide group on purpose, saying why (篇二 二.1 原则上)."""
    group, role = access_group(uow, principal, group_id)
    if not rules.may_manage(role):
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s2-2.1a",))
    if not reason.strip():
        raise DomainError("members.reason_missing")
    require_status(group)
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no)
    if person is None:
        raise DomainError(
            "directory.person.not_found", ErrorKind.NOT_FOUND, params={"staff_no": staff_no}
        )
    repo = GroupRepository(uow.session)
    if repo.exempted(group.id, person.id):
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    repo.add(
        GroupExemption(
            group_id=group.id,
            person_id=person.id,
            reason=reason.strip(),
            granted_by=principal.user_id,
        )
    )
    audit.record(
        uow,
        principal.actor(),
        "member.exempted",
        target_type="group",
        target_id=group.id,
        summary={"person": person.staff_no, "reason": reason.strip()},
    )


@dataclass(frozen=True)
class Coverage:
    """A unit-wide group against its unit: who is missing, who is left out and why."""

    missing: list[str]
    exempted: list[tuple[str, str]]


def coverage(uow: UnitOfWork, principal: Principal, group_id: int) -> Coverage:
    group, role = access_group(uow, principal, group_id)
    # Why someone is left out (sick leave, secondment) is for those who manage the group.
    may_see_reasons = rules.may_manage(role) or Role.OFFICE in principal.roles
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    directory = DirectoryRepository(uow.session)
    names = {p.id: p.name for p in directory.all_people()}
    exempt_rows = repo.exemptions(group.id)
    exempt_ids = {e.person_id for e in exempt_rows}
    member_ids = {m.person_id for m in memberships.members(group.id)}
    missing = [
        p.name
        for p in directory.all_people()
        if group.unit_wide
        and p.department.unit_id == group.scope_unit_id
        and p.status == EmploymentStatus.ACTIVE.value
        and p.id not in member_ids | exempt_ids
    ]
    return Coverage(
        missing,
        [(names.get(e.person_id, ""), e.reason if may_see_reasons else "") for e in exempt_rows],
    )


def _remove_automatically(
    uow: UnitOfWork, actor: Actor, group: Group, membership: Membership, reason: str
) -> None:
    """End a membership the directory no longer supports, on the record, owner told."""
    end_membership(uow, membership, "auto", reason)
    audit.record(
        uow,
        actor,
        "member.removed_automatically",
        target_type="group",
        target_id=group.id,
        summary={"person_id": membership.person_id, "reason": reason},
    )
    if group.owner_person_id is not None and group.owner_person_id != membership.person_id:
        NotificationRepository(uow.session).notify(
            group.owner_person_id, "member.left_agency", {"group": group.name, "reason": reason}
        )


def remove_leaver(uow: UnitOfWork, actor: Actor, person_id: int, reason: str) -> list[int]:
    """Someone left the agency or changed post: out of every group at once, each owner told;
    a group they owned is flagged for the office to name a successor (篇一 四.4, 篇六 二.6)."""
    touched = []
    for group, membership in GroupRepository(uow.session).groups_of_person(person_id):
        _remove_automatically(uow, actor, group, membership, reason)
        touched.append(group.id)
        if group.owner_person_id == person_id:
            flag_for_successor(uow, group)
    return touched


def remove_out_of_scope(uow: UnitOfWork, actor: Actor, person_id: int, reason: str) -> list[int]:
    """After a move to another unit: out of the groups limited to the old one, owners told."""
    person = DirectoryRepository(uow.session).person(person_id)
    if person is None:
        return []
    touched = []
    for group, membership in GroupRepository(uow.session).groups_of_person(person_id):
        if in_scope(group, person):
            continue
        if membership.role == GroupRole.OWNER.value:
            # The owner stays accountable until the office names a successor from the unit.
            flag_for_successor(uow, group)
            continue
        _remove_automatically(uow, actor, group, membership, reason)
        touched.append(group.id)
    return touched


def flag_for_successor(uow: UnitOfWork, group: Group) -> None:
    """The group's owner can no longer serve: the office must name a successor (离职继承)."""
    if group.needs_successor:
        return
    group.needs_successor = True
    notifications = NotificationRepository(uow.session)
    for office_person in _office_people(uow):
        notifications.notify(office_person, "group.needs_successor", {"group": group.name})


def _office_people(uow: UnitOfWork) -> list[int]:
    return [
        u.person_id
        for u in AccountRepository(uow.session).all()
        if u.person_id and any(r.role == Role.OFFICE.value for r in u.roles)
    ]


@dataclass(frozen=True)
class MemberView:
    person_id: int
    staff_no: str
    display_name: str
    role: str
    joined_at: datetime
    reason: str
    status: str


def members(uow: UnitOfWork, principal: Principal, group_id: int) -> list[MemberView]:
    """Display names come from the directory in the policy's format, never typed (篇二 二.1)."""
    group, _role = access_group(uow, principal, group_id)
    fmt = settings_in_force(uow).membership.display_name_format
    roster = MembershipRepository(uow.session).members(group.id)
    people = DirectoryRepository(uow.session).people_by_ids([m.person_id for m in roster])
    out = []
    for m in roster:
        rec = record_of(people[m.person_id])
        out.append(
            MemberView(
                m.person_id,
                rec.staff_no,
                display_name(rec, fmt),
                m.role,
                m.joined_at,
                m.reason,
                rec.status.value,
            )
        )
    return out


def set_nickname(uow: UnitOfWork, principal: Principal, group_id: int) -> None:
    """There is no free nickname: a display name is the directory's (篇二 二.1)."""
    access_group(uow, principal, group_id)
    raise DomainError("members.nickname_forbidden", clause_ids=rules.DISPLAY_NAME_CLAUSES)


@dataclass(frozen=True)
class InvitationView:
    id: int
    group_id: int
    group_name: str
    person_name: str
    kind: str
    reason: str
    created_at: datetime
    # A request waiting longer than the policy's deadline (篇一 九.3.3: 及时处理).
    overdue: bool = False


def inbox(
    uow: UnitOfWork, principal: Principal
) -> tuple[list[InvitationView], list[InvitationView]]:
    """My pending invitations, and the requests waiting for me as an inviter."""
    repo = GroupRepository(uow.session)
    invitations = InvitationRepository(uow.session)
    directory = DirectoryRepository(uow.session)
    names = {p.id: p.name for p in directory.all_people()}

    deadline = timedelta(hours=settings_in_force(uow).membership.request_deadline_hours)
    now = uow.now()

    def view(i: Invitation) -> InvitationView:
        group = repo.group(i.group_id)
        return InvitationView(
            i.id,
            i.group_id,
            group.name if group else "",
            names.get(i.person_id, ""),
            i.kind,
            i.reason,
            i.created_at,
            overdue=i.kind == "request" and now - i.created_at > deadline,
        )

    mine = (
        [view(i) for i in invitations.invitations_for(principal.person_id)]
        if principal.person_id
        else []
    )
    waiting: list[InvitationView] = []
    if principal.person_id:
        settings = settings_in_force(uow)
        for group, membership in repo.groups_of_person(principal.person_id):
            if rules.may_invite(settings, GroupRole(membership.role)):
                waiting.extend(view(i) for i in invitations.requests_of(group.id))
    return mine, waiting


def is_active_member(uow: UnitOfWork, group_id: int, person_id: int) -> bool:
    person = DirectoryRepository(uow.session).person(person_id)
    return (
        person is not None
        and person.status == EmploymentStatus.ACTIVE.value
        and MembershipRepository(uow.session).membership(group_id, person_id) is not None
    )
