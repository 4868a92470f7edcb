"""Inactive members (篇七 九.2, 篇四 七.2): found, listed, confirmed by their department,
and only then removed.

A member is inactive when they have written nothing substantive (a bare "收到" does not
count) for the policy's number of days since they joined. The daily job lists them for the
group's managers; a manager asks the member's department to confirm that the member no
longer needs the group; the department (its head, or the office where it has none)
confirms or keeps them; only a confirmed finding can be removed, and the removal names the
confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import settings_for_group_type
from qunguan.policy.rules import membership as rules
from qunguan.services import audit
from qunguan.services.access import (
    access_finding,
    access_finding_to_confirm,
    access_group,
    confirmers,
)
from qunguan.services.groups.lifecycle import require_status
from qunguan.services.membership import members
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import AuditFinding, Person
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import FindingRepository, MembershipRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notifications import NotificationRepository

SYSTEM = Actor.system("scheduler")
KIND = "inactive"
# Statuses of an inactive finding while it is still undecided.
PENDING = ("open", "awaiting_department", "confirmed")


def find_inactive(uow: UnitOfWork, run_id: int | None = None, now: datetime | None = None) -> int:
    """The daily job: list every member silent for too long, once per member and group."""
    in_force = policy_versions.current(uow)
    if in_force is None:
        return 0
    now = now or uow.now()
    repo = GroupRepository(uow.session)
    findings = FindingRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    found = 0
    for group in repo.groups(status="active"):
        days = rules.inactive_since(settings_for_group_type(in_force.policy, group.type))
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        roster = [m for m in memberships.members(group.id) if m.joined_at <= cutoff]
        last = MessageRepository(uow.session).last_activity(
            group.id, [m.person_id for m in roster], substantive_only=True
        )
        for membership in roster:
            seen = last.get(membership.person_id)
            if (seen is not None and seen > cutoff) or membership.role == "owner":
                continue
            latest = findings.latest_finding(group.id, membership.person_id, KIND)
            if latest is not None and (
                latest.status in PENDING
                # Kept by their department: silent for a whole period again before asking.
                or (latest.resolved_at is not None and latest.resolved_at > cutoff)
            ):
                continue
            repo.add(
                AuditFinding(
                    group_id=group.id,
                    person_id=membership.person_id,
                    kind=KIND,
                    job_run_id=run_id,
                    last_activity_at=seen,
                )
            )
            found += 1
            if group.owner_person_id is not None:
                notifications.notify(
                    group.owner_person_id,
                    "audit.inactive",
                    {"group": group.name, "days": days},
                )
    return found


@dataclass(frozen=True)
class InactiveView:
    finding_id: int
    group_id: int
    person_name: str
    staff_no: str
    department: str
    employment_status: str
    last_activity_at: datetime | None
    status: str
    note: str


def _view(finding: AuditFinding, person: Person | None) -> InactiveView:
    return InactiveView(
        finding.id,
        finding.group_id,
        person.name if person else "",
        person.staff_no if person else "",
        person.department.name if person else "",
        person.status if person else "",
        finding.last_activity_at,
        finding.status,
        finding.note,
    )


def report(uow: UnitOfWork, principal: Principal, group_id: int) -> list[InactiveView]:
    """The inactive members of a group with their last substantive activity and their
    employment status in the directory, for those who manage it (篇七 九.2)."""
    group, role = access_group(uow, principal, group_id)
    if not rules.may_manage(role) and Role.OFFICE not in principal.roles:
        raise DomainError(
            "groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=rules.INACTIVITY_CLAUSES
        )
    findings = FindingRepository(uow.session)
    rows = [f for status in PENDING for f in findings.findings(group.id, status) if f.kind == KIND]
    people = DirectoryRepository(uow.session).people_by_ids([f.person_id for f in rows])
    return [_view(f, people.get(f.person_id)) for f in sorted(rows, key=lambda f: f.id)]


def request_confirmation(uow: UnitOfWork, principal: Principal, finding_id: int) -> None:
    """A manager starts the removal: the member's department is asked to confirm."""
    finding, group, _role = access_finding(uow, principal, finding_id, kind=KIND)
    require_status(group, "active", "frozen")
    if finding.status != "open":
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    finding.status = "awaiting_department"
    finding.requested_by, finding.requested_at = principal.user_id, uow.now()
    person = DirectoryRepository(uow.session).person(finding.person_id)
    for confirmer in confirmers(uow, person):
        NotificationRepository(uow.session).notify(
            confirmer,
            "inactivity.confirm",
            {"group": group.name, "name": person.name if person else ""},
        )
    audit.record(
        uow,
        principal.actor(),
        "member.inactivity_confirmation_requested",
        target_type="group",
        target_id=group.id,
        summary={"finding": finding.id, "person_id": finding.person_id},
    )


def confirm(
    uow: UnitOfWork, principal: Principal, finding_id: int, *, no_longer_needed: bool, note: str
) -> None:
    """The department answers: the member no longer needs the group (removal may go on),
    or still does (the finding is closed and the member stays)."""
    finding = access_finding_to_confirm(uow, principal, finding_id, kind=KIND)
    if finding.status != "awaiting_department":
        raise DomainError("members.already_decided", ErrorKind.CONFLICT)
    now = uow.now()
    finding.confirmed_by, finding.confirmed_at = principal.user_id, now
    finding.note = note.strip()
    if no_longer_needed:
        finding.status = "confirmed"
    else:
        finding.status, finding.resolved_by, finding.resolved_at = "kept", principal.user_id, now
    audit.record(
        uow,
        principal.actor(),
        "member.inactivity_" + ("confirmed" if no_longer_needed else "kept"),
        target_type="group",
        target_id=finding.group_id,
        summary={"finding": finding.id, "person_id": finding.person_id, "note": finding.note},
    )


def remove(uow: UnitOfWork, principal: Principal, finding_id: int) -> None:
    """Remove an inactive member, which only a department's confirmation allows."""
    finding, group, _role = access_finding(uow, principal, finding_id, kind=KIND)
    if finding.status != "confirmed":
        raise DomainError("inactivity.not_confirmed", ErrorKind.CONFLICT, clause_ids=("s7-9.2b",))
    membership = MembershipRepository(uow.session).membership(group.id, finding.person_id)
    if membership is not None:
        members.end_membership(uow, membership, "removed", "长期未参与，经所在部门确认后移出")
    now = uow.now()
    finding.status, finding.resolved_by, finding.resolved_at = "removed", principal.user_id, now
    audit.record(
        uow,
        principal.actor(),
        "member.inactivity_removed",
        target_type="group",
        target_id=group.id,
        summary={
            "finding": finding.id,
            "person_id": finding.person_id,
            "confirmed_by": finding.confirmed_by,
            "confirmed_at": finding.confirmed_at.isoformat() if finding.confirmed_at else None,
        },
    )


def tasks(uow: UnitOfWork, principal: Principal) -> list[InactiveView]:
    """The confirmations waiting for me as a department head (or the office).

    Every groups page asks this: one query finds what waits anywhere (usually nothing),
    and the confirmers are worked out once per person, not once per finding."""
    repo = GroupRepository(uow.session)
    findings = FindingRepository(uow.session)
    waiting = [
        f
        for f in findings.findings_everywhere(KIND, "awaiting_department")
        if (group := repo.group(f.group_id)) is not None and group.status == "active"
    ]
    if not waiting or principal.person_id is None:
        return []
    people = DirectoryRepository(uow.session).people_by_ids([f.person_id for f in waiting])
    answering: dict[int, list[int]] = {}
    out = []
    for finding in waiting:
        if finding.person_id not in answering:
            answering[finding.person_id] = confirmers(uow, people.get(finding.person_id))
        if principal.person_id in answering[finding.person_id]:
            out.append(_view(finding, people.get(finding.person_id)))
    return out
