"""Who may publish notices: the office, leaders, and departments a leader authorises.

A leader's authorisation (篇二 二.(二).3) covers some groups or all, ends on a date, can be
revoked, and is audited; a department publishes only under one that is live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind, not_found
from qunguan.policy.rules import notices as rules
from qunguan.services import audit
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import NoticeGrant
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.notices import NoticeRepository


@dataclass(frozen=True)
class GrantView:
    id: int
    department_id: int
    department: str
    group_ids: list[int] | None
    reason: str
    starts_at: datetime
    ends_at: datetime
    revoked_at: datetime | None
    live: bool


def _require_leader(principal: Principal) -> None:
    if Role.LEADER not in principal.roles:
        raise DomainError(
            "notices.grant_leader_only", ErrorKind.FORBIDDEN, clause_ids=rules.PUBLISH_CLAUSES
        )


def grant(
    uow: UnitOfWork,
    principal: Principal,
    department_id: int,
    days: int,
    reason: str,
    group_ids: list[int] | None = None,
) -> NoticeGrant:
    """A leader authorises a department to publish, to some groups or all, for a while."""
    _require_leader(principal)
    settings = policy_versions.require_current(uow).policy.settings
    rules.check_grant_days(settings, days)
    department = next(
        (d for d in DirectoryRepository(uow.session).departments() if d.id == department_id),
        None,
    )
    if department is None:
        raise not_found("notices.department")
    if not reason.strip():
        raise DomainError(
            "notices.reason_required",
            details=[ErrorDetail("notices.reason_required", field="reason")],
        )
    groups = GroupRepository(uow.session)
    for gid in group_ids or []:
        if groups.group(gid) is None:
            raise not_found("group")
    now = uow.now()
    row = NoticeGrant(
        department_id=department_id,
        group_ids=sorted(set(group_ids)) if group_ids else None,
        reason=reason.strip(),
        starts_at=now,
        ends_at=now + timedelta(days=days),
        granted_by=principal.user_id,
    )
    NoticeRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "notice.grant",
        target_type="department",
        target_id=department_id,
        summary={"grant_id": row.id, "groups": row.group_ids, "until": row.ends_at.isoformat()},
    )
    return row


def revoke_grant(uow: UnitOfWork, principal: Principal, grant_id: int) -> None:
    _require_leader(principal)
    row = NoticeRepository(uow.session).grant(grant_id)
    if row is None:
        raise not_found("notices.grant")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = uow.now(), principal.user_id
        audit.record(
            uow, principal.actor(), "notice.grant_revoked", target_type="grant", target_id=row.id
        )


def grants(uow: UnitOfWork, principal: Principal) -> list[GrantView]:
    """Leaders and the office see every authorisation; anyone else, their department's."""
    sees_all = not {Role.LEADER, Role.OFFICE}.isdisjoint(principal.roles)
    person = (
        DirectoryRepository(uow.session).person(principal.person_id)
        if principal.person_id and not sees_all
        else None
    )
    now = uow.now()
    return [
        GrantView(
            g.id,
            g.department_id,
            name,
            g.group_ids,
            g.reason,
            g.starts_at,
            g.ends_at,
            g.revoked_at,
            g.revoked_at is None and g.starts_at <= now < g.ends_at,
        )
        for g, name in NoticeRepository(uow.session).grants()
        if sees_all or (person is not None and g.department_id == person.department_id)
    ]


def publisher(uow: UnitOfWork, principal: Principal) -> tuple[rules.Publisher, int | None, str]:
    """The publisher's standing, the grant it would publish under, and the issuer's name."""
    person = (
        DirectoryRepository(uow.session).person(principal.person_id)
        if principal.person_id
        else None
    )
    live = (
        NoticeRepository(uow.session).live_grants(person.department_id, uow.now())
        if person is not None
        else []
    )
    covered: frozenset[int] | None = frozenset()
    for g in live:
        if g.group_ids is None:
            covered = None
            break
        covered = (covered or frozenset()) | frozenset(g.group_ids)
    issuer = person.department.name if person is not None else principal.username
    return (
        rules.Publisher(
            Role.OFFICE in principal.roles, Role.LEADER in principal.roles, covered, bool(live)
        ),
        live[0].id if live else None,
        issuer,
    )


def may_publish(uow: UnitOfWork, principal: Principal) -> bool:
    """Whether the composer is worth showing: some authority to some group."""
    return authority_of(uow, principal) is not None


def authority_of(uow: UnitOfWork, principal: Principal) -> str | None:
    """The authority the principal would publish under to groups it may reach; None: none."""
    settings = policy_versions.require_current(uow).policy.settings
    publisher_, _grant, _issuer = publisher(uow, principal)
    try:
        return rules.authority(settings, publisher_, set())
    except DomainError:
        return None


@dataclass(frozen=True)
class TargetGroup:
    id: int
    name: str
    members: int


def targets(uow: UnitOfWork, principal: Principal) -> list[TargetGroup]:
    """The active groups the principal may publish to, with their member counts: every group
    for the office and leaders, the granted ones for an authorised department."""
    authority = authority_of(uow, principal)
    if authority is None:
        return []
    found = [TargetGroup(*row) for row in NoticeRepository(uow.session).active_groups()]
    if authority != "authorised_department":
        return found
    publisher_, _grant, _issuer = publisher(uow, principal)
    covered = publisher_.granted_groups
    return found if covered is None else [g for g in found if g.id in covered]


def departments(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Every department, named with its unit, for the authorisation form."""
    return [
        (d.id, f"{d.unit.name} {d.name}") for d in DirectoryRepository(uow.session).departments()
    ]
