"""Groups: applications and their approval, naming, owners, renaming, dissolution.

A group comes into existence only by an approved application (篇一 三.1, 篇四 二.1–二.3); it
always has one accountable owner (篇四 三.1, 篇五 二); it is archived, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.directory import EmploymentStatus
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind, not_found
from qunguan.policy.document import Settings
from qunguan.policy.rules import groups as rules
from qunguan.policy.rules import membership as membership_rules
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services import audit, term_lists
from qunguan.services.access import access_group
from qunguan.services.membership import live
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Group, GroupApplication, Invitation, Membership, Person
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import InvitationRepository, MembershipRepository
from qunguan.store.repositories.notifications import NotificationRepository

OFFICE_DEPARTMENT = "办公室"


def settings_in_force(uow: UnitOfWork) -> Settings:
    return policy_versions.require_current(uow).policy.settings


def _my_person(principal: Principal) -> int:
    if principal.person_id is None:
        raise DomainError("groups.no_person", ErrorKind.FORBIDDEN)
    return principal.person_id


def _active_person(uow: UnitOfWork, staff_no: str) -> Person:
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no.strip())
    if person is None:
        raise DomainError(
            "directory.person.not_found", ErrorKind.NOT_FOUND, params={"staff_no": staff_no}
        )
    if person.status != EmploymentStatus.ACTIVE.value:
        raise DomainError("groups.person_not_active", params={"name": person.name})
    return person


def _name_check(
    uow: UnitOfWork, settings: Settings, name: str, exclude: str = ""
) -> rules.NameCheck:
    directory = DirectoryRepository(uow.session)
    repo = GroupRepository(uow.session)
    taken = [n for n in repo.active_names() + repo.pending_names() if n != exclude]
    return rules.check_name(
        settings,
        name,
        person_names={p.name for p in directory.all_people()},
        active_names=taken,
        unit_names=[u.name for u in directory.units()],
        sensitive_word=term_lists.listed_word(uow, name),
    )


@dataclass(frozen=True)
class ApplicationForm:
    name: str
    type: str
    purpose: str
    owner_staff_no: str
    end_date: date | None = None
    # Directory names the applicant confirms keeping in the name, where the policy warns.
    confirm_names: tuple[str, ...] = ()
    # The unit the group serves, if limited to one: only its people may be members.
    scope_unit: str = ""
    # Everyone active in the scope unit is a member, newcomers included (篇二 二.1).
    unit_wide: bool = False
    # Staff numbers of the first members, invited once the group exists.
    members: tuple[str, ...] = ()
    # The applicant saw the possible-duplicate warning and goes on knowingly.
    confirm_duplicate: bool = False


def apply(uow: UnitOfWork, principal: Principal, form: ApplicationForm) -> GroupApplication:
    """Ask for a group. Nothing exists until the approver the policy names approves it."""
    _my_person(principal)
    settings = settings_in_force(uow)
    owner = _active_person(uow, form.owner_staff_no)
    in_office = owner.department.name == OFFICE_DEPARTMENT
    app = rules.Application(
        form.name.strip(), form.type, form.purpose, form.end_date, owner.party_member, in_office
    )
    problems = rules.check_application(settings, app, uow.now().date())
    scope_unit_id = None
    if form.scope_unit.strip():
        unit = DirectoryRepository(uow.session).unit_by_name(form.scope_unit.strip())
        if unit is None:
            problems.append(
                ErrorDetail("groups.scope_unknown", field="scope_unit", value=form.scope_unit)
            )
        else:
            scope_unit_id = unit.id
            if owner.department.unit_id != unit.id:
                problems.append(
                    ErrorDetail("groups.owner_out_of_scope", field="owner", value=unit.name)
                )
    if form.unit_wide and scope_unit_id is None:
        problems.append(ErrorDetail("groups.unit_wide_needs_scope", field="scope_unit"))
    proposed = [
        _active_person(uow, s) for s in dict.fromkeys(n.strip() for n in form.members if n.strip())
    ]
    duplicates = _duplicates(uow, form.name.strip(), frozenset(p.id for p in proposed))
    if duplicates and not form.confirm_duplicate:
        problems.append(
            ErrorDetail(
                "groups.possible_duplicate",
                field="name",
                value="、".join(f"{d.name}（#{d.id}）" for d in duplicates),
            )
        )
    named = _name_check(uow, settings, form.name)
    problems += named.problems
    unconfirmed = [n for n in named.warnings if n not in form.confirm_names]
    if unconfirmed:
        problems.append(
            ErrorDetail(
                "groups.name_has_person_confirm", field="name", value="、".join(unconfirmed)
            )
        )
    if problems:
        raise rules.refuse("groups.application_invalid", problems)
    row = GroupApplication(
        name=app.name,
        type=app.type,
        purpose=app.purpose.strip(),
        end_date=app.end_date,
        owner_person_id=owner.id,
        scope_unit_id=scope_unit_id,
        unit_wide=form.unit_wide,
        proposed_members=[p.id for p in proposed],
        duplicate_of=[d.id for d in duplicates],
        applicant_user_id=principal.user_id,
        confirmed_names=sorted(named.warnings),
    )
    GroupRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "group.applied",
        target_type="group_application",
        target_id=row.id,
        summary={
            "name": row.name,
            "type": row.type,
            "owner": owner.staff_no,
            "confirmed_person_names": row.confirmed_names,
        },
    )
    return row


def _duplicates(uow: UnitOfWork, name: str, proposed: frozenset[int]) -> list[rules.ExistingGroup]:
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    existing = [
        rules.ExistingGroup(g.id, g.name, frozenset(m.person_id for m in memberships.members(g.id)))
        for g in repo.groups(status="active")
    ]
    return rules.possible_duplicates(name, proposed, existing)


def decide(
    uow: UnitOfWork, principal: Principal, application_id: int, *, approve: bool, note: str = ""
) -> Group | None:
    """The approver approves (the group is created with its owner) or refuses with a reason."""
    repo = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    row = repo.application(application_id)
    if row is None:
        raise not_found("groups.application")
    settings = settings_in_force(uow)
    approver = rules.approver_role(settings)
    if approver not in principal.roles:
        raise DomainError(
            "groups.not_approver",
            ErrorKind.FORBIDDEN,
            params={"role": approver.value},
            clause_ids=rules.CREATION_CLAUSES,
        )
    if row.applicant_user_id == principal.user_id:
        raise DomainError(
            "groups.approver_is_applicant", ErrorKind.FORBIDDEN, clause_ids=("s1-3.1",)
        )
    if row.status != "pending":
        raise DomainError("groups.application_decided", ErrorKind.CONFLICT)
    now = uow.now()
    if not approve:
        if not note.strip():
            raise DomainError("groups.reason_missing")
        if not repo.move_status(GroupApplication, row.id, "pending", "refused"):
            raise DomainError("groups.application_decided", ErrorKind.CONFLICT)
        row.decided_by, row.decided_at, row.decision_note = principal.user_id, now, note.strip()
        audit.record(
            uow,
            principal.actor(),
            "group.refused",
            target_type="group_application",
            target_id=row.id,
            summary={"note": row.decision_note},
        )
        return None
    needed = settings.groups.approvals_required_for.get(row.type, 1)
    if any(a["user_id"] == principal.user_id for a in row.approvals):
        raise DomainError("groups.already_approved", ErrorKind.CONFLICT, clause_ids=("s5-1a",))
    row.approvals = [
        *row.approvals,
        {"user_id": principal.user_id, "at": now.isoformat(), "note": note.strip()},
    ]
    if len(row.approvals) < needed:
        # More approvers must agree (篇五 一): nothing exists yet.
        audit.record(
            uow,
            principal.actor(),
            "group.approval_recorded",
            target_type="group_application",
            target_id=row.id,
            summary={"approvals": len(row.approvals), "needed": needed},
        )
        return None
    taken = [n for n in repo.active_names()]
    if row.name in taken:
        raise DomainError(
            "groups.application_invalid",
            details=[ErrorDetail("groups.name_taken", field="name", value=row.name)],
        )
    # The owner named months ago may have left, moved or lost a qualification since.
    owner = DirectoryRepository(uow.session).person(row.owner_person_id)
    owner_problems = _owner_problems(settings, owner, row.scope_unit_id)
    if owner_problems:
        raise rules.refuse("groups.owner_invalid", owner_problems)
    if not repo.move_status(GroupApplication, row.id, "pending", "approved"):
        raise DomainError("groups.application_decided", ErrorKind.CONFLICT)
    row.decided_by, row.decided_at, row.decision_note = principal.user_id, now, note.strip()
    group = Group(
        name=row.name,
        type=row.type,
        purpose=row.purpose,
        end_date=row.end_date,
        owner_person_id=row.owner_person_id,
        scope_unit_id=row.scope_unit_id,
        unit_wide=row.unit_wide,
        application_id=row.id,
        created_at=now,
    )
    repo.add(group)
    repo.add(
        Membership(
            group_id=group.id,
            person_id=row.owner_person_id,
            role=GroupRole.OWNER.value,
            joined_at=now,
            appointed_by=principal.user_id,
            appointed_at=now,
            reason="建群审批指定的群主",
        )
    )
    live.member_joined(uow, group.id, row.owner_person_id)
    audit.record(
        uow,
        principal.actor(),
        "group.created",
        target_type="group",
        target_id=group.id,
        summary={"application": row.id, "name": group.name, "owner_person_id": row.owner_person_id},
    )
    notifications.notify(row.owner_person_id, "group.owner_appointed", {"group": group.name})
    _bring_in_proposed(uow, settings, group, row, principal)
    if group.unit_wide:
        for person in DirectoryRepository(uow.session).all_people():
            if (
                person.department.unit_id == group.scope_unit_id
                and person.id != row.owner_person_id
            ):
                add_to_unit_wide(uow, group, person)
    return group


def _bring_in_proposed(
    uow: UnitOfWork, settings: Settings, group: Group, row: GroupApplication, principal: Principal
) -> None:
    """The application's first members: invited (or added, where no consent is asked)."""
    repo = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    directory = DirectoryRepository(uow.session)
    for person_id in row.proposed_members or []:
        person = directory.person(person_id)
        if person is None or join_refusal(uow, group, person) is not None:
            continue
        if settings.membership.invitee_must_consent:
            repo.add(
                Invitation(
                    group_id=group.id,
                    person_id=person_id,
                    kind="invitation",
                    reason="建群申请所列成员",
                    created_by=principal.user_id,
                )
            )
            notifications.notify(person_id, "member.invited", {"group": group.name})
        else:
            now = uow.now()
            repo.add(
                Membership(
                    group_id=group.id,
                    person_id=person_id,
                    role=GroupRole.MEMBER.value,
                    joined_at=now,
                    reason="建群申请所列成员",
                    appointed_by=principal.user_id,
                    appointed_at=now,
                )
            )
            live.member_joined(uow, group.id, person_id)


def join_refusal(uow: UnitOfWork, group: Group, person: Person) -> DomainError | None:
    """Why ``person`` cannot join ``group`` now, or None: one rule for every way in
    (invitation, request, application, unit-wide fill)."""
    if person.status != EmploymentStatus.ACTIVE.value:
        return DomainError("groups.person_not_active", params={"name": person.name})
    if not in_scope(group, person):
        return DomainError(
            "members.out_of_scope", params={"name": person.name}, clause_ids=("s6-2.4", "s2-2.3.2")
        )
    if MembershipRepository(uow.session).membership(group.id, person.id) is not None:
        return DomainError(
            "members.already_member", ErrorKind.CONFLICT, params={"name": person.name}
        )
    return None


def add_to_unit_wide(uow: UnitOfWork, group: Group, person: Person) -> bool:
    """Everyone active in the unit belongs to its unit-wide group, but the exempted."""
    repo = GroupRepository(uow.session)
    invitations = InvitationRepository(uow.session)
    if join_refusal(uow, group, person) is not None or repo.exempted(group.id, person.id):
        return False
    now = uow.now()
    invitations.close_invitations(group.id, person.id, "superseded")
    repo.add(
        Membership(
            group_id=group.id,
            person_id=person.id,
            role=GroupRole.MEMBER.value,
            joined_at=now,
            reason="单位全员群",
            appointed_at=now,
        )
    )
    live.member_joined(uow, group.id, person.id)
    audit.record(
        uow,
        Actor.system("unit-wide"),
        "member.added_to_unit_group",
        target_type="group",
        target_id=group.id,
        summary={"person_id": person.id},
    )
    return True


def _owner_problems(
    settings: Settings, owner: Person | None, scope_unit_id: int | None
) -> list[ErrorDetail]:
    if owner is None or owner.status != EmploymentStatus.ACTIVE.value:
        return [ErrorDetail("groups.owner_not_active", field="owner")]
    problems = rules.check_owner(
        settings, owner.party_member, owner.department.name == OFFICE_DEPARTMENT
    )
    if scope_unit_id is not None and owner.department.unit_id != scope_unit_id:
        problems.append(
            ErrorDetail(
                "groups.owner_out_of_scope", field="owner", value=owner.department.unit.name
            )
        )
    return problems


def require_status(group: Group, *allowed: str) -> None:
    """An archived group is read-only; a frozen one only lets people out and owners change."""
    if group.status not in (allowed or ("active",)):
        raise DomainError("groups.not_active", ErrorKind.CONFLICT, params={"status": group.status})


def _require_manager(group: Group, role: GroupRole | None, clauses: tuple[str, ...]) -> None:
    if not may_manage(role):
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=clauses)
    require_status(group)


def rename(uow: UnitOfWork, principal: Principal, group_id: int, new_name: str) -> Group:
    """Only the owner and group admins rename; the change is audited (篇一 九.3.1)."""
    group, role = access_group(uow, principal, group_id)
    _require_manager(group, role, ("s1-9.3.1",))
    settings = settings_in_force(uow)
    named = _name_check(uow, settings, new_name, exclude=group.name)
    if named.problems or named.warnings:
        details = named.problems + [
            ErrorDetail("groups.name_has_person", field="name", value=n) for n in named.warnings
        ]
        raise rules.refuse("groups.name_invalid", details)
    old, group.name = group.name, new_name.strip()
    audit.record(
        uow,
        principal.actor(),
        "group.renamed",
        target_type="group",
        target_id=group.id,
        summary={"before": old, "after": group.name},
    )
    return group


def transfer_ownership(
    uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str
) -> Group:
    """Hand the group to another person, explicitly; the owner or (for a successor) the office."""
    group, role = access_group(uow, principal, group_id)
    # The owner hands over; the office steps in only to name a successor (离职继承).
    by_office = (
        role is not GroupRole.OWNER and Role.OFFICE in principal.roles and group.needs_successor
    )
    if role is not GroupRole.OWNER and not by_office:
        raise DomainError("groups.not_owner", ErrorKind.FORBIDDEN, clause_ids=("s4-3.1",))
    require_status(group, "active", "frozen")
    settings = settings_in_force(uow)
    new_owner = _active_person(uow, staff_no)
    if not in_scope(group, new_owner):
        raise rules.refuse(
            "groups.owner_invalid",
            [
                ErrorDetail(
                    "groups.owner_out_of_scope", field="owner", value=new_owner.department.unit.name
                )
            ],
        )
    problems = rules.check_owner(
        settings, new_owner.party_member, new_owner.department.name == OFFICE_DEPARTMENT
    )
    if problems:
        raise rules.refuse("groups.owner_invalid", problems)
    repo = GroupRepository(uow.session)
    invitations = InvitationRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    now = uow.now()
    for m in memberships.members(group.id):
        if m.role == GroupRole.OWNER.value:
            m.role = GroupRole.GROUP_ADMIN.value
    invitations.close_invitations(group.id, new_owner.id, "superseded")
    membership = memberships.membership(group.id, new_owner.id)
    if membership is None:
        membership = Membership(
            group_id=group.id, person_id=new_owner.id, joined_at=now, reason="接任群主"
        )
        repo.add(membership)
        live.member_joined(uow, group.id, new_owner.id)
    membership.role = GroupRole.OWNER.value
    membership.appointed_by, membership.appointed_at = principal.user_id, now
    previous = group.owner_person_id
    group.owner_person_id, group.needs_successor = new_owner.id, False
    audit.record(
        uow,
        principal.actor(),
        "group.owner_transferred",
        target_type="group",
        target_id=group.id,
        summary={"before": previous, "after": new_owner.id, "appointed_by": principal.username},
    )
    notifications.notify(new_owner.id, "group.owner_appointed", {"group": group.name})
    return group


def dissolve(uow: UnitOfWork, principal: Principal, group_id: int, reason: str) -> Group:
    """Archive the group: read-only from now, never deleted (篇五 一)."""
    group, role = access_group(uow, principal, group_id)
    if role is not GroupRole.OWNER and Role.OFFICE not in principal.roles:
        raise DomainError("groups.not_owner", ErrorKind.FORBIDDEN, clause_ids=("s5-1b",))
    if group.status == "archived":
        raise DomainError("groups.not_active", ErrorKind.CONFLICT, params={"status": group.status})
    if not reason.strip():
        raise DomainError("groups.reason_missing")
    group.status, group.archived_at = "archived", uow.now()
    audit.record(
        uow,
        principal.actor(),
        "group.dissolved",
        target_type="group",
        target_id=group.id,
        summary={"reason": reason.strip()},
    )
    return group


@dataclass(frozen=True)
class GroupView:
    id: int
    name: str
    type: str
    purpose: str
    status: str
    end_date: date | None
    my_role: str | None
    needs_successor: bool
    created_at: datetime


def _view(group: Group, role: str | None) -> GroupView:
    return GroupView(
        group.id,
        group.name,
        group.type,
        group.purpose,
        group.status,
        group.end_date,
        role,
        group.needs_successor,
        group.created_at,
    )


def my_groups(uow: UnitOfWork, principal: Principal) -> list[GroupView]:
    repo = GroupRepository(uow.session)
    mine = (
        {g.id: _view(g, m.role) for g, m in repo.groups_of_person(principal.person_id)}
        if principal.person_id
        else {}
    )
    if Role.OFFICE in principal.roles:
        for g in repo.groups():
            mine.setdefault(g.id, _view(g, None))
    return sorted(mine.values(), key=lambda v: v.id)


def group_view(uow: UnitOfWork, principal: Principal, group_id: int) -> GroupView:
    group, role = access_group(uow, principal, group_id)
    return _view(group, role.value if role else None)


@dataclass(frozen=True)
class Abilities:
    """What the principal may do in a group, as the rules in force say: pages show the
    forms these allow, and never work it out themselves."""

    post: bool  # write in the conversation
    invite: bool  # invite (or add) people
    request: bool  # ask for someone to be added
    manage: bool  # owner or group admin: keep order, rename, remove
    hand_over: bool  # hand the group to a new owner
    consent_asked: bool  # an invitee must accept before joining
    see_findings: bool  # membership-audit findings and inactive members (managers, office)


def abilities(uow: UnitOfWork, principal: Principal, group_id: int) -> Abilities:
    group, role = access_group(uow, principal, group_id)
    settings = settings_in_force(uow)
    return Abilities(
        post=role is not None and group.status == "active",
        invite=membership_rules.may_invite(settings, role),
        request=role is not None and settings.membership.members_may_request,
        manage=may_manage(role),
        hand_over=role is GroupRole.OWNER
        or (Role.OFFICE in principal.roles and group.needs_successor),
        consent_asked=settings.membership.invitee_must_consent,
        see_findings=may_manage(role) or Role.OFFICE in principal.roles,
    )


def may_approve_applications(uow: UnitOfWork, principal: Principal) -> bool:
    """Whether the principal holds the role that approves new groups under the policy."""
    try:
        return rules.approver_role(settings_in_force(uow)) in principal.roles
    except DomainError:  # no policy adopted yet
        return False


@dataclass(frozen=True)
class ApplicationView:
    id: int
    name: str
    type: str
    purpose: str
    end_date: date | None
    owner_name: str
    status: str
    created_at: datetime
    decision_note: str
    approvals: int = 0
    approvals_needed: int = 1
    # Active groups it may duplicate, as "name (#id)", for the approver to weigh (篇六 二.1).
    duplicates: tuple[str, ...] = ()


def applications(uow: UnitOfWork, principal: Principal) -> list[ApplicationView]:
    """The approver sees every application; others see their own."""
    settings = settings_in_force(uow)
    approver = rules.approver_role(settings) in principal.roles
    directory = DirectoryRepository(uow.session)
    names = {p.id: p.name for p in directory.all_people()}
    return [
        ApplicationView(
            a.id,
            a.name,
            a.type,
            a.purpose,
            a.end_date,
            names.get(a.owner_person_id, ""),
            a.status,
            a.created_at,
            a.decision_note,
            approvals=len(a.approvals or []),
            approvals_needed=settings.groups.approvals_required_for.get(a.type, 1),
            duplicates=tuple(
                f"{g.name}（#{g.id}）"
                for g in (GroupRepository(uow.session).group(i) for i in a.duplicate_of or [])
                if g is not None
            ),
        )
        for a in GroupRepository(uow.session).applications()
        if approver or a.applicant_user_id == principal.user_id
    ]


def in_scope(group: Group, person: Person) -> bool:
    """A group limited to a unit takes only that unit's people (篇六 二.4)."""
    return group.scope_unit_id is None or person.department.unit_id == group.scope_unit_id
