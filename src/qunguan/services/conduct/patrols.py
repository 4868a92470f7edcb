"""Patrols (巡查): at the policy's interval each active group gets a patrol task for its
admins with a checklist; what they do meanwhile is recorded on it; one not completed in
time is escalated to the office or the leaders (篇一 六.1 / 九.3.2, 篇六 四.4, 篇七 九.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.rules import sanctions as rules
from qunguan.policy.rules.membership import may_manage
from qunguan.services import audit
from qunguan.services.access import access_group, access_patrol
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Patrol
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.notifications import NotificationRepository

SYSTEM = Actor.system("patrol")


def checklist(uow: UnitOfWork, group_id: int, now: datetime) -> dict[str, Any]:
    """What a patrol looks at: unanswered reports, held content, members out of scope or
    inactive, pins gone stale."""
    repo = ConductRepository(uow.session)
    stale = now - timedelta(days=rules.STALE_PIN_DAYS)
    findings = repo.open_findings([group_id])
    return {
        "open_reports": [r.id for r in repo.open_reports([group_id])],
        "held_messages": [m.id for m in repo.held([group_id])],
        "members_out_of_scope": [f.id for f in findings if f.kind != "inactive"],
        "inactive_members": [f.id for f in findings if f.kind == "inactive"],
        "stale_pins": [m.seq for m in repo.stale_pins(group_id, stale)],
    }


def schedule(uow: UnitOfWork, _run_id: int | None = None, now: datetime | None = None) -> int:
    """The scheduled job: a patrol for every active group that has none open."""
    now = now or uow.now()
    repo = ConductRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    made = 0
    for group in repo.active_groups():
        if repo.open_patrol(group.id) is not None:
            continue
        patrol = Patrol(
            group_id=group.id,
            due_at=rules.patrol_due(now),
            checklist=checklist(uow, group.id, now),
            created_at=now,
        )
        repo.add(patrol)
        for person_id in repo.managers(group.id):
            notifications.notify(
                person_id, "patrol.due", {"group": group.name, "patrol": patrol.id}
            )
        made += 1
    return made


def record_action(uow: UnitOfWork, group_id: int, action: str, detail: dict[str, Any]) -> None:
    """What an admin did while a patrol was open goes on its record."""
    patrol = ConductRepository(uow.session).open_patrol(group_id)
    if patrol is not None:
        entry = {"action": action, "at": uow.now().isoformat(timespec="seconds"), **detail}
        patrol.actions = [*patrol.actions, entry]


def complete(uow: UnitOfWork, principal: Principal, patrol_id: int, note: str = "") -> Patrol:
    patrol, _group, _role = access_patrol(uow, principal, patrol_id)
    if patrol.status != "open":
        raise DomainError("review.already_decided", ErrorKind.CONFLICT)
    patrol.status, patrol.note = "done", note.strip()
    patrol.completed_by, patrol.completed_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        "patrol.completed",
        target_type="group",
        target_id=patrol.group_id,
        summary={"patrol": patrol.id, "actions": len(patrol.actions)},
    )
    return patrol


def _people_with_role(uow: UnitOfWork, role: Role) -> list[int]:
    return [
        u.person_id
        for u in AccountRepository(uow.session).all()
        if u.person_id and any(r.role == role.value for r in u.roles)
    ]


def escalate_overdue(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Patrols past their due time go to the office (or the leaders, as the policy says)."""
    now = now or uow.now()
    in_force = policy_versions.current(uow)
    if in_force is None:
        return 0
    target = in_force.policy.settings.patrol.overdue_escalates_to
    recipients = _people_with_role(uow, Role.LEADER if target == "leader" else Role.OFFICE)
    groups = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    rows = ConductRepository(uow.session).overdue_patrols(now)
    for patrol in rows:
        patrol.escalated_at, patrol.escalated_to = now, target
        group = groups.group(patrol.group_id)
        for person_id in recipients:
            notifications.notify(
                person_id,
                "patrol.overdue",
                {"group": group.name if group else "", "patrol": patrol.id},
            )
        audit.record(
            uow,
            SYSTEM,
            "patrol.escalated",
            target_type="group",
            target_id=patrol.group_id,
            summary={"patrol": patrol.id, "to": target, "due_at": patrol.due_at.isoformat()},
        )
    return len(rows)


@dataclass(frozen=True)
class PatrolView:
    id: int
    group_id: int
    status: str
    due_at: datetime
    checklist: dict[str, Any]
    actions: list[dict[str, Any]]
    escalated_to: str
    completed_at: datetime | None
    note: str


def view(patrol: Patrol) -> PatrolView:
    return PatrolView(
        patrol.id,
        patrol.group_id,
        patrol.status,
        patrol.due_at,
        dict(patrol.checklist),
        list(patrol.actions),
        patrol.escalated_to,
        patrol.completed_at,
        patrol.note,
    )


def of_group(uow: UnitOfWork, principal: Principal, group_id: int) -> list[PatrolView]:
    """A group's patrols, newest first, for those who manage it (and the security admin)."""
    if Role.SECURITY_ADMIN not in principal.roles:
        _group, role = access_group(uow, principal, group_id)
        if not may_manage(role):
            raise DomainError(
                "groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=rules.PATROL_CLAUSES
            )
    return [view(p) for p in ConductRepository(uow.session).patrols([group_id])]


def open_of(uow: UnitOfWork, group_ids: list[int]) -> list[PatrolView]:
    """The open patrols of these groups (the review page lists them)."""
    return [
        view(p) for p in ConductRepository(uow.session).patrols(group_ids) if p.status == "open"
    ]
