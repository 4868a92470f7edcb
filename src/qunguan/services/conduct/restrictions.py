"""Timed mutes: a group's admins stop a member posting for a while (篇一 七.1 限制发言).

A mute lapses by itself at its end time: the send path compares with the clock, so no job
has to lift it. The muted member's open connections hear of it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.actor import Principal
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.domain.events import LiveEvent
from qunguan.policy.rules import posting as rules
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services import audit
from qunguan.services.groups.lifecycle import access_group, settings_in_force
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Restriction
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notifications import NotificationRepository

MAX_MUTE_HOURS = 720


@dataclass(frozen=True)
class RestrictionView:
    id: int
    person_id: int
    kind: str
    reason: str
    until: datetime
    clauses: tuple[str, ...]


def _view(row: Restriction) -> RestrictionView:
    return RestrictionView(
        row.id, row.person_id, row.kind, row.reason, row.until, tuple(row.clause_ids or ())
    )


def mute(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    staff_no: str,
    hours: float | None,
    reason: str,
) -> RestrictionView:
    """Mute a member for ``hours`` (the policy's default where none is given)."""
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role):
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s1-4.3",))
    if not reason.strip():
        raise DomainError("members.reason_missing")
    hours = hours if hours is not None else settings_in_force(uow).sanctions.mute_default_hours
    if not 0 < hours <= MAX_MUTE_HOURS:
        raise DomainError("restrictions.hours_invalid", params={"max": MAX_MUTE_HOURS})
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no.strip())
    membership = (
        MembershipRepository(uow.session).membership(group.id, person.id) if person else None
    )
    if person is None or membership is None:
        raise not_found("members.member")
    if membership.role == GroupRole.OWNER.value or person.id == principal.person_id:
        raise DomainError("restrictions.not_mutable", ErrorKind.CONFLICT)
    now = utcnow()
    row = Restriction(
        group_id=group.id,
        person_id=person.id,
        kind="mute",
        reason=reason.strip(),
        clause_ids=list(rules.MUTE_CLAUSES),
        starts_at=now,
        until=now + timedelta(hours=hours),
        by_user_id=principal.user_id,
    )
    MessageRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "member.muted",
        target_type="group",
        target_id=group.id,
        summary={"person": person.staff_no, "until": row.until.isoformat(), "reason": row.reason},
    )
    NotificationRepository(uow.session).notify(
        person.id,
        "member.muted",
        {"group": group.name, "until": row.until.isoformat(), "reason": row.reason},
    )
    uow.publish(
        LiveEvent(
            "muted",
            group.id,
            {"until": row.until.isoformat(), "reason": row.reason},
            person_ids=(person.id,),
        )
    )
    return _view(row)


def lift(uow: UnitOfWork, principal: Principal, group_id: int, restriction_id: int) -> None:
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role):
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s1-4.3",))
    row = MessageRepository(uow.session).restriction(restriction_id)
    if row is None or row.group_id != group.id or row.lifted_at is not None:
        raise not_found("restrictions.restriction")
    row.lifted_at, row.lifted_by = utcnow(), principal.user_id
    audit.record(
        uow,
        principal.actor(),
        "member.unmuted",
        target_type="group",
        target_id=group.id,
        summary={"restriction_id": row.id},
    )
    uow.publish(LiveEvent("unmuted", group.id, {}, person_ids=(row.person_id,)))


def in_force(uow: UnitOfWork, principal: Principal, group_id: int) -> list[RestrictionView]:
    """Managers see every mute running in the group; a member sees only their own."""
    group, role = access_group(uow, principal, group_id)
    rows = MessageRepository(uow.session).restrictions_of(group.id, utcnow())
    if not may_manage(role):
        rows = [r for r in rows if r.person_id == principal.person_id]
    return [_view(r) for r in rows]
