"""Keeping membership true: leavers out at once, periodic audits, expired groups.

These are the use cases the scheduler runs; each is safe to run from several server
processes at the same time (events are claimed one by one; audits per period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.directory import EmploymentStatus
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.domain.events import EmploymentStatusChanged, PersonJoined, PersonMoved
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services import audit
from qunguan.services.access import access_finding, access_group
from qunguan.services.groups.lifecycle import (
    add_to_unit_wide,
    in_scope,
    require_status,
    settings_in_force,
)
from qunguan.services.membership import members
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import AuditFinding
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.jobs import JobRunRepository
from qunguan.store.repositories.membership import FindingRepository, MembershipRepository
from qunguan.store.repositories.notifications import NotificationRepository
from qunguan.store.repositories.outbox import OutboxRepository

SYSTEM = Actor.system("scheduler")
_LEFT_REASONS = {"transferred": "调离", "left": "离职"}


def process_directory_events(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Act on employment changes: whoever is no longer active leaves every group."""
    now = now or uow.now()
    outbox = OutboxRepository(uow.session)
    handled = 0
    for event in outbox.pending():
        if event.kind not in (EmploymentStatusChanged.kind, PersonMoved.kind, PersonJoined.kind):
            continue
        if not outbox.claim(event.id, now):
            continue
        person_id = int(event.payload["person_id"])
        if event.kind in (PersonMoved.kind, PersonJoined.kind):
            # A move ends memberships of groups limited to the old unit; the new (or
            # newly joined) unit's unit-wide groups take the person in.
            members.remove_out_of_scope(uow, SYSTEM, person_id, "通讯录显示已调往其他单位")
            join_unit_wide_groups(uow, person_id)
        elif str(event.payload["after"]) != EmploymentStatus.ACTIVE.value:
            after = str(event.payload["after"])
            members.remove_leaver(
                uow, SYSTEM, person_id, f"通讯录显示已{_LEFT_REASONS.get(after, after)}"
            )
        handled += 1
    return handled


def audit_memberships(uow: UnitOfWork, run_id: int | None = None) -> int:
    """Find members who should not be there (no longer active in the directory, or outside
    the group's unit); list them for the owner, or remove them at once where the policy says
    so (篇二 二.(三).2)."""
    settings = settings_in_force(uow)
    repo = GroupRepository(uow.session)
    findings = FindingRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    directory = DirectoryRepository(uow.session)
    found = 0
    for group in repo.groups(status="active"):
        for membership in memberships.members(group.id):
            person = directory.person(membership.person_id)
            if person is None:
                continue
            if person.status != EmploymentStatus.ACTIVE.value:
                kind = "not_active"
            elif not in_scope(group, person):
                kind = "out_of_scope"
            else:
                continue
            if findings.open_finding(group.id, person.id) is not None:
                continue
            finding = AuditFinding(
                group_id=group.id, person_id=person.id, kind=kind, job_run_id=run_id
            )
            repo.add(finding)
            found += 1
            if settings.membership.remove_on_audit_automatically:
                _resolve(uow, SYSTEM, finding, remove=True)
            elif group.owner_person_id is not None:
                notifications.notify(
                    group.owner_person_id,
                    "audit.finding",
                    {"group": group.name, "name": person.name},
                )
    return found


def _resolve(uow: UnitOfWork, actor: Actor, finding: AuditFinding, *, remove: bool) -> None:
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    membership = memberships.membership(finding.group_id, finding.person_id)
    if remove and membership is not None and membership.role == GroupRole.OWNER.value:
        # Never ownerless: the owner stays until the office names a successor.
        group = repo.group(finding.group_id)
        assert group is not None
        members.flag_for_successor(uow, group)
        remove = False
    if remove and membership is not None:
        members.end_membership(uow, membership, "removed", "成员核查：不应在群内")
    finding.status = "removed" if remove else "kept"
    finding.resolved_by, finding.resolved_at = actor.user_id, uow.now()
    audit.record(
        uow,
        actor,
        "member.audit_" + finding.status,
        target_type="group",
        target_id=finding.group_id,
        summary={"person_id": finding.person_id, "finding": finding.id, "kind": finding.kind},
    )


def resolve_finding(
    uow: UnitOfWork, principal: Principal, finding_id: int, *, remove: bool
) -> None:
    """The owner's one click: remove the member, or keep them (with the decision recorded)."""
    finding, group, _role = access_finding(uow, principal, finding_id)
    require_status(group, "active", "frozen")
    if finding.status != "open":
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    if finding.kind == "inactive" and remove:
        # An inactive member goes only once their department confirms (篇七 九.2).
        raise DomainError("inactivity.not_confirmed", ErrorKind.CONFLICT, clause_ids=("s7-9.2b",))
    _resolve(uow, principal.actor(), finding, remove=remove)


@dataclass(frozen=True)
class FindingView:
    id: int
    person_name: str
    staff_no: str
    kind: str
    created_at: datetime


def findings(uow: UnitOfWork, principal: Principal, group_id: int) -> list[FindingView]:
    """Audit findings are for those who manage the group (and the office), not its members."""
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role) and Role.OFFICE not in principal.roles:
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s2-2.3.2",))
    directory = DirectoryRepository(uow.session)
    out = []
    for f in FindingRepository(uow.session).findings(group.id):
        if f.kind == "inactive":  # listed with their own flow: services/inactivity.py
            continue
        person = directory.person(f.person_id)
        out.append(
            FindingView(
                f.id,
                person.name if person else "",
                person.staff_no if person else "",
                f.kind,
                f.created_at,
            )
        )
    return out


def expire_groups(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Groups past their end date: the owner is asked to dissolve; frozen where the policy says."""
    today = (now or uow.now()).date()
    settings = settings_in_force(uow)
    repo = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    count = 0
    for group in repo.groups(status="active"):
        if group.end_date is None or group.end_date >= today:
            continue
        count += 1
        if settings.groups.freeze_when_expired:
            group.status = "frozen"
            audit.record(
                uow,
                SYSTEM,
                "group.frozen",
                target_type="group",
                target_id=group.id,
                summary={"end_date": group.end_date.isoformat()},
            )
        if group.owner_person_id is not None:
            notifications.notify(group.owner_person_id, "group.expired", {"group": group.name})
    return count


def claim_period(uow: UnitOfWork, job: str, period: str, now: datetime) -> int | None:
    """Claim a job's run for one period; None if another server process already has."""
    run = JobRunRepository(uow.session).claim_run(job, period, now)
    return run.id if run is not None else None


def join_unit_wide_groups(uow: UnitOfWork, person_id: int) -> int:
    person = DirectoryRepository(uow.session).person(person_id)
    if person is None:
        return 0
    repo = GroupRepository(uow.session)
    joined = 0
    for group in repo.unit_wide_groups(person.department.unit_id):
        if add_to_unit_wide(uow, group, person):
            joined += 1
    return joined
