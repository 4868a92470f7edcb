"""Violations and the sanction ladder: record a violation with its evidence, propose the
ladder's next step from the member's history, apply it (warning, mute, suspension, removal,
public criticism, escalation), let the member see their record and appeal to someone
other than who sanctioned (篇一 七, 篇三 五.1, 篇四 三.2 / 八, 篇六 四.6, 篇七 七).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.domain.events import LiveEvent
from qunguan.policy.document import SanctionStep, Settings
from qunguan.policy.rules import sanctions as rules
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services import audit
from qunguan.services.access import (
    access_appeal,
    access_group,
    access_group_to_keep_order,
    access_own_sanction,
    access_violation,
)
from qunguan.services.conduct import message_admin, patrols
from qunguan.services.groups.lifecycle import settings_in_force
from qunguan.services.membership import members
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Appeal, Restriction, Sanction, Violation
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notifications import NotificationRepository
from qunguan.tabular import write_xlsx


def record_violation(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    *,
    staff_no: str = "",
    message_id: int | None = None,
    clause_ids: tuple[str, ...] = (),
    reason: str = "",
    source: str = "person",
    report_id: int | None = None,
) -> Violation:
    """Record a violation: the member, the message (a frozen copy as evidence), the
    clauses and who recorded it (``source`` engine: the content engine flagged it)."""
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    message = MessageRepository(uow.session).get(message_id) if message_id else None
    if message is not None and message.group_id != group.id:
        raise not_found("messages.message")
    if message is not None:
        person = DirectoryRepository(uow.session).person(message.sender_person_id)
    else:
        person = DirectoryRepository(uow.session).person_by_staff_no(staff_no.strip())
    if person is None:
        raise not_found("members.member")
    if not reason.strip():
        raise DomainError("members.reason_missing")
    engine_clauses = tuple((message.verdict or {}).get("clauses", [])) if message else ()
    row = Violation(
        group_id=group.id,
        person_id=person.id,
        message_id=message.id if message else None,
        report_id=report_id,
        clause_ids=list(clause_ids or engine_clauses or rules.SANCTION_CLAUSES[:1]),
        evidence=message_admin.evidence(uow, message) if message else {},
        reason=reason.strip(),
        source=source,
        recorded_by=principal.user_id,
    )
    ConductRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "violation.recorded",
        target_type="group",
        target_id=group.id,
        summary={"violation": row.id, "person": person.staff_no, "clauses": row.clause_ids},
    )
    return row


def _history(uow: UnitOfWork, person_id: int) -> list[str]:
    return [
        s.step
        for s in ConductRepository(uow.session).sanctions_of(person_id)
        if s.status == "applied"
    ]


def propose(uow: UnitOfWork, principal: Principal, violation_id: int) -> SanctionStep:
    """The ladder's next step for this violation's member, from their history."""
    violation, _group, _role = access_violation(uow, principal, violation_id)
    settings = settings_in_force(uow)
    return rules.next_step(settings.sanctions.ladder, _history(uow, violation.person_id))


@dataclass(frozen=True)
class Measure:
    step: SanctionStep
    reason: str
    hours: float | None = None


def apply(uow: UnitOfWork, principal: Principal, violation_id: int, measure: Measure) -> Sanction:
    """Apply one measure for a recorded violation; mutes and suspensions lapse by
    themselves (the send path compares with the clock)."""
    violation, group, role = access_violation(uow, principal, violation_id)
    if Role.SECURITY_ADMIN not in principal.roles:
        rules.check_may_sanction(role)
    settings = settings_in_force(uow)
    rules.check_step(settings, measure.step)
    person = DirectoryRepository(uow.session).person(violation.person_id)
    membership = MembershipRepository(uow.session).membership(group.id, violation.person_id)
    assert person is not None
    if membership is not None and measure.step is not SanctionStep.ESCALATION:
        rules.check_target(GroupRole(membership.role), person.id == principal.person_id)
    elif measure.step is not SanctionStep.ESCALATION:
        raise not_found("members.member")
    reason = measure.reason.strip() or violation.reason
    hours = rules.hours_for(settings, measure.step, measure.hours)
    now = uow.now()
    row = Sanction(
        violation_id=violation.id,
        group_id=group.id,
        person_id=person.id,
        step=measure.step.value,
        reason=reason,
        clause_ids=list(violation.clause_ids),
        by_user_id=principal.user_id,
        created_at=now,
    )
    repo = ConductRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    if hours is not None:
        restriction = Restriction(
            group_id=group.id if measure.step is SanctionStep.MUTE else None,
            person_id=person.id,
            kind=measure.step.value,
            reason=reason,
            clause_ids=list(rules.MUTE_CLAUSES),
            starts_at=now,
            until=now + timedelta(hours=hours),
            by_user_id=principal.user_id,
        )
        repo.add(restriction)
        row.restriction_id, row.until = restriction.id, restriction.until
        uow.publish(
            LiveEvent(
                "muted",
                group.id,
                {"until": restriction.until.isoformat(), "reason": reason},
                person_ids=(person.id,),
            )
        )
    elif measure.step is SanctionStep.REMOVAL and membership is not None:
        members.end_membership(uow, membership, "removed", reason)
    elif measure.step is SanctionStep.DEMOTION and membership is not None:
        rules.check_demotable(GroupRole(membership.role))
        membership.role = GroupRole.MEMBER.value
    elif measure.step is SanctionStep.PUBLIC_CRITICISM:
        articles = "、".join(violation.clause_ids)
        body = rules.criticism_text(person.name, reason, articles)
        row.notice_message_id = message_admin.post_notice(uow, principal, group, body).id
    elif measure.step is SanctionStep.ESCALATION:
        row.escalated_to = "leader"
        for person_id in _people_with(uow, (Role.LEADER, Role.OFFICE)):
            notifications.notify(
                person_id, "case.escalated", {"group": group.name, "person": person.name}
            )
    repo.add(row)
    notifications.notify(
        person.id,
        f"sanction.{measure.step.value}",
        {
            "group": group.name,
            "reason": reason,
            "until": row.until.isoformat() if row.until else "",
        },
    )
    audit.record(
        uow,
        principal.actor(),
        f"sanction.{measure.step.value}",
        target_type="group",
        target_id=group.id,
        summary={
            "sanction": row.id,
            "violation": violation.id,
            "person": person.staff_no,
            "until": row.until.isoformat() if row.until else None,
            "clauses": row.clause_ids,
        },
    )
    patrols.record_action(uow, group.id, measure.step.value, {"person": person.name})
    return row


def _people_with(uow: UnitOfWork, roles: tuple[Role, ...]) -> list[int]:
    wanted = {r.value for r in roles}
    return [
        u.person_id
        for u in AccountRepository(uow.session).all()
        if u.person_id and any(r.role in wanted for r in u.roles)
    ]


@dataclass(frozen=True)
class SanctionView:
    id: int
    group_id: int
    step: str
    reason: str
    clauses: tuple[str, ...]
    until: datetime | None
    status: str
    created_at: datetime
    appeal: str  # "" / open / upheld / overturned


@dataclass(frozen=True)
class ViolationView:
    id: int
    group_id: int
    clauses: tuple[str, ...]
    reason: str
    evidence: dict[str, Any]
    source: str
    created_at: datetime


@dataclass(frozen=True)
class Record:
    violations: list[ViolationView]
    sanctions: list[SanctionView]


def _record(uow: UnitOfWork, person_id: int, group_id: int | None = None) -> Record:
    repo = ConductRepository(uow.session)
    sanctions = []
    for s in repo.sanctions_of(person_id, group_id):
        appeals = repo.appeals_of_sanction(s.id)
        sanctions.append(
            SanctionView(
                s.id,
                s.group_id,
                s.step,
                s.reason,
                tuple(s.clause_ids),
                s.until,
                s.status,
                s.created_at,
                appeals[-1].status if appeals else "",
            )
        )
    violations = [
        ViolationView(
            v.id,
            v.group_id,
            tuple(v.clause_ids),
            v.reason,
            dict(v.evidence),
            v.source,
            v.created_at,
        )
        for v in repo.violations_of(person_id, group_id)
    ]
    return Record(violations, sanctions)


def my_record(uow: UnitOfWork, principal: Principal) -> Record:
    """A member's own violations and sanctions. Nothing here names who reported."""
    if principal.person_id is None:
        return Record([], [])
    return _record(uow, principal.person_id)


def member_record(uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str) -> Record:
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    person = DirectoryRepository(uow.session).person_by_staff_no(staff_no.strip())
    if person is None:
        raise not_found("members.member")
    return _record(uow, person.id, group.id)


def appeal(uow: UnitOfWork, principal: Principal, sanction_id: int, statement: str) -> Appeal:
    """A member appeals their own sanction, once, while the policy allows appeals."""
    sanction = access_own_sanction(uow, principal, sanction_id)
    settings: Settings = settings_in_force(uow)
    if not settings.sanctions.appeals:
        raise DomainError("appeals.not_allowed", ErrorKind.CONFLICT)
    if not statement.strip():
        raise DomainError("appeals.statement_missing")
    if ConductRepository(uow.session).appeals_of_sanction(sanction.id):
        raise DomainError("appeals.already_filed", ErrorKind.CONFLICT)
    now = uow.now()
    row = Appeal(
        sanction_id=sanction.id,
        person_id=sanction.person_id,
        statement=statement.strip(),
        due_at=now + timedelta(days=rules.APPEAL_DAYS),
        created_at=now,
    )
    ConductRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "appeal.filed",
        target_type="group",
        target_id=sanction.group_id,
        summary={"appeal": row.id, "sanction": sanction.id},
    )
    return row


def decide_appeal(
    uow: UnitOfWork, principal: Principal, appeal_id: int, *, overturn: bool, note: str
) -> Appeal:
    """Decided by a manager of the group (or the security admin) who did not sanction;
    overturning lifts a running mute or suspension and takes the step off the history."""
    row, sanction, _group, _role = access_appeal(uow, principal, appeal_id)
    rules.check_appeal_decider(sanction.by_user_id, principal.user_id)
    if row.status != "open":
        raise DomainError("review.already_decided", ErrorKind.CONFLICT)
    now = uow.now()
    row.status = "overturned" if overturn else "upheld"
    row.decided_by, row.decided_at, row.decision_note = principal.user_id, now, note.strip()
    if overturn:
        sanction.status = "overturned"
        if sanction.restriction_id is not None:
            restriction = MessageRepository(uow.session).restriction(sanction.restriction_id)
            if restriction is not None and restriction.lifted_at is None:
                _lift(uow, principal, restriction, sanction.group_id, now)
    NotificationRepository(uow.session).notify(
        row.person_id, f"appeal.{row.status}", {"note": row.decision_note}
    )
    audit.record(
        uow,
        principal.actor(),
        f"appeal.{row.status}",
        target_type="group",
        target_id=sanction.group_id,
        summary={"appeal": row.id, "sanction": sanction.id},
    )
    return row


def case_file(uow: UnitOfWork, principal: Principal, group_id: int, staff_no: str) -> bytes:
    """The case for leaders or HR: violations with their evidence, the measures taken and
    the clauses, as a workbook. Exporting it is audited."""
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    record = member_record(uow, principal, group.id, staff_no)
    violations = [
        [
            v.id,
            v.created_at.isoformat(" ", "minutes"),
            "、".join(v.clauses),
            v.reason,
            v.source,
            str(v.evidence.get("seq") or ""),
            str(v.evidence.get("body") or ""),
        ]
        for v in record.violations
    ]
    sanctions = [
        [
            s.id,
            s.created_at.isoformat(" ", "minutes"),
            s.step,
            s.reason,
            "、".join(s.clauses),
            s.until.isoformat(" ", "minutes") if s.until else "",
            s.status,
            s.appeal,
        ]
        for s in record.sanctions
    ]
    audit.record(
        uow,
        principal.actor(),
        "case.exported",
        target_type="group",
        target_id=group.id,
        summary={"person": staff_no},
    )
    return write_xlsx(
        [
            (
                "违规记录",
                ["编号", "时间", "条款", "事由", "来源", "消息序号", "证据原文"],
                violations,
            ),
            (
                "处理措施",
                ["编号", "时间", "措施", "事由", "条款", "截止", "状态", "申诉"],
                sanctions,
            ),
        ]
    )


def message_id_of(uow: UnitOfWork, principal: Principal, group_id: int, seq: int) -> int:
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    message = MessageRepository(uow.session).by_seq(group.id, seq)
    if message is None:
        raise not_found("messages.message")
    return message.id


@dataclass(frozen=True)
class Transparency:
    since: str
    counts: dict[str, int]
    total: int


def transparency(uow: UnitOfWork, principal: Principal, group_id: int) -> Transparency:
    """What any member may see of enforcement in their group this month: how many
    measures of each kind, never against whom (篇七 十三.1)."""
    group, _role = access_group(uow, principal, group_id)
    now = uow.now()
    since = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = ConductRepository(uow.session).sanction_counts(group.id, since)
    return Transparency(since.date().isoformat(), counts, sum(counts.values()))


def steps_open(uow: UnitOfWork) -> list[SanctionStep]:
    """The measures an admin may choose under the policy in force: its ladder, and
    escalation, which is always open."""
    ladder = list(settings_in_force(uow).sanctions.ladder)
    return ladder if SanctionStep.ESCALATION in ladder else [*ladder, SanctionStep.ESCALATION]


# Timed restrictions: mutes and suspensions ---------------------------------------------------
#
# A mute is a sanction, whichever way it comes: the ladder's step on the case page or the
# review queue, or the quick mute in the conversation. Both go through ``apply`` (one write,
# one audit action ``sanction.mute``); the quick mute records its violation first. A mute
# lapses by itself at its end time: the send path compares with the clock.


@dataclass(frozen=True)
class RestrictionView:
    id: int
    person_id: int
    kind: str
    reason: str
    until: datetime
    clauses: tuple[str, ...]


def _restriction_view(row: Restriction) -> RestrictionView:
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
    """The quick mute (篇一 七.1 限制发言): a violation recorded by the admin, and the mute
    applied to it as the ladder applies one, for ``hours`` (the policy's default where none
    is given)."""
    violation = record_violation(
        uow, principal, group_id, staff_no=staff_no, reason=reason, clause_ids=rules.MUTE_CLAUSES
    )
    sanction = apply(uow, principal, violation.id, Measure(SanctionStep.MUTE, reason, hours))
    assert sanction.restriction_id is not None
    restriction = MessageRepository(uow.session).restriction(sanction.restriction_id)
    assert restriction is not None
    return _restriction_view(restriction)


def _lift(
    uow: UnitOfWork, principal: Principal, row: Restriction, group_id: int, now: datetime
) -> None:
    """End a running mute or suspension now; the member's connections hear of it."""
    row.lifted_at, row.lifted_by = now, principal.user_id
    uow.publish(LiveEvent("unmuted", group_id, {}, person_ids=(row.person_id,)))


def lift(uow: UnitOfWork, principal: Principal, group_id: int, restriction_id: int) -> None:
    """An admin lifts a mute in their group before its end."""
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    row = MessageRepository(uow.session).restriction(restriction_id)
    if row is None or row.group_id != group.id or row.lifted_at is not None:
        raise not_found("restrictions.restriction")
    _lift(uow, principal, row, group.id, uow.now())
    audit.record(
        uow,
        principal.actor(),
        "member.unmuted",
        target_type="group",
        target_id=group.id,
        summary={"restriction_id": row.id},
    )


def restrictions_in_force(
    uow: UnitOfWork, principal: Principal, group_id: int
) -> list[RestrictionView]:
    """Managers see every mute running in the group; a member sees only their own."""
    group, role = access_group(uow, principal, group_id)
    rows = MessageRepository(uow.session).restrictions_of(group.id, uow.now())
    if not may_manage(role):
        rows = [r for r in rows if r.person_id == principal.person_id]
    return [_restriction_view(r) for r in rows]
