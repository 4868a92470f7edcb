"""The review queue (审核队列): held content, reports, appeals and membership findings of
the groups one keeps order in (agency-wide for the security admin), each with its
context, clauses, deadline and one-click decisions: release, dismiss, remove, warn,
mute N hours, escalate. Nothing in an item names a reporter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.policy.document import SanctionStep
from qunguan.policy.rules import sanctions as rules
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services.access import access_group_to_keep_order, access_review_item
from qunguan.services.conduct import message_admin, reports, sanctions
from qunguan.services.membership import audit as membership_audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Group
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.messages import MessageRepository

KINDS = ("held", "report", "appeal", "finding")


@dataclass(frozen=True)
class Item:
    kind: str  # held / report / appeal / finding
    id: int
    group_id: int
    group_name: str
    title: str  # what it is about: the message's text, the member, the appeal
    person: str  # whose conduct is in question
    staff_no: str
    reason: str
    clauses: tuple[str, ...]
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    decisions: tuple[str, ...]
    seq: int | None = None
    context: dict[str, Any] = field(default_factory=dict)


def groups_reviewed(uow: UnitOfWork, principal: Principal) -> list[Group]:
    """The groups whose queue this principal works: all for the security admin, else the
    ones they own or administer."""
    repo = GroupRepository(uow.session)
    if Role.SECURITY_ADMIN in principal.roles:
        return ConductRepository(uow.session).active_groups()
    if principal.person_id is None:
        return []
    return [
        g for g, m in repo.groups_of_person(principal.person_id) if may_manage(GroupRole(m.role))
    ]


def queue(uow: UnitOfWork, principal: Principal, group_id: int | None = None) -> list[Item]:
    """Open items, the most pressing deadline first."""
    groups = {g.id: g for g in groups_reviewed(uow, principal)}
    if group_id is not None:
        if group_id not in groups:
            access_group_to_keep_order(uow, principal, group_id)  # says why
            raise not_found("group")
        groups = {group_id: groups[group_id]}
    ids = sorted(groups)
    repo = ConductRepository(uow.session)
    people = DirectoryRepository(uow.session)
    now = uow.now()
    items: list[Item] = []

    def name_of(person_id: int | None) -> tuple[str, str]:
        person = people.person(person_id) if person_id else None
        return (person.name, person.staff_no) if person else ("", "")

    for m in repo.held(ids):
        name, staff_no = name_of(m.sender_person_id)
        verdict = m.verdict or {}
        items.append(
            Item(
                "held",
                m.id,
                m.group_id,
                groups[m.group_id].name,
                m.body,
                name,
                staff_no,
                "、".join(verdict.get("categories", [])),
                tuple(verdict.get("clauses", [])),
                m.created_at,
                None,
                False,
                ("release", "remove", "warn", "mute", "escalate"),
                context={"categories": list(verdict.get("categories", []))},
            )
        )
    for r in repo.open_reports(ids):
        shown = reports.view(uow, r)
        name, staff_no = name_of(r.target_person_id)
        items.append(
            Item(
                "report",
                r.id,
                r.group_id,
                groups[r.group_id].name,
                shown.body,
                name,
                staff_no,
                r.reason,
                rules.REPORT_CLAUSES,
                r.created_at,
                r.due_at,
                shown.overdue,
                ("dismiss", "remove", "warn", "mute", "escalate")
                if r.message_id
                else ("dismiss", "warn", "mute", "escalate"),
                seq=shown.seq,
                # Whether an identity is sealed, not whose: the security admin may ask for it.
                context={
                    "category": r.category,
                    "target": r.target_kind,
                    "sealed": r.reporter_sealed is not None,
                },
            )
        )
    for a, s in repo.open_appeals(ids):
        name, staff_no = name_of(a.person_id)
        items.append(
            Item(
                "appeal",
                a.id,
                s.group_id,
                groups[s.group_id].name,
                a.statement,
                name,
                staff_no,
                s.reason,
                tuple(s.clause_ids),
                a.created_at,
                a.due_at,
                a.due_at < now,
                ("uphold", "overturn"),
                context={"step": s.step, "sanctioned_by_me": s.by_user_id == principal.user_id},
            )
        )
    for f in repo.open_findings(ids):
        if f.kind == "inactive":  # their own flow asks the department first
            continue
        name, staff_no = name_of(f.person_id)
        items.append(
            Item(
                "finding",
                f.id,
                f.group_id,
                groups[f.group_id].name,
                f.kind,
                name,
                staff_no,
                f.kind,
                ("s2-2.3.2",),
                f.created_at,
                None,
                False,
                # The owner decides membership; the security admin only sees it listed.
                () if Role.SECURITY_ADMIN in principal.roles else ("keep", "remove"),
            )
        )
    return sorted(items, key=lambda i: (i.due_at is None, i.due_at or i.created_at))


@dataclass(frozen=True)
class Decision:
    action: str
    reason: str = ""
    hours: float | None = None


_SANCTIONS = {
    "warn": SanctionStep.WARNING,
    "mute": SanctionStep.MUTE,
    "escalate": SanctionStep.ESCALATION,
}


def decide(
    uow: UnitOfWork, principal: Principal, kind: str, item_id: int, decision: Decision
) -> str:
    """One click on a queue item; returns the outcome recorded. A measure against a
    message's sender also removes the message, and is linked to a recorded violation."""
    item = access_review_item(uow, principal, kind, item_id)
    if kind == "held":
        return _decide_message(uow, principal, item.id, decision, report_id=None)
    if kind == "report":
        row = ConductRepository(uow.session).report(item.id)
        assert row is not None  # the door loaded it
        if row.status != "open":
            raise DomainError("review.already_decided", ErrorKind.CONFLICT)
        if decision.action == "dismiss":
            outcome = "dismissed"
        elif row.message_id is not None:
            outcome = _decide_message(uow, principal, row.message_id, decision, report_id=row.id)
        else:
            outcome = _sanction_member(
                uow, principal, row.group_id, row.target_person_id, decision, row.id
            )
        reports.close(uow, principal, row.id, outcome, decision.reason)
        return outcome
    if kind == "appeal":
        if decision.action not in ("uphold", "overturn"):
            raise DomainError("review.decision_invalid", params={"action": decision.action})
        appeal = sanctions.decide_appeal(
            uow, principal, item_id, overturn=decision.action == "overturn", note=decision.reason
        )
        return appeal.status
    if kind == "finding":
        if decision.action not in ("keep", "remove"):
            raise DomainError("review.decision_invalid", params={"action": decision.action})
        membership_audit.resolve_finding(
            uow, principal, item_id, remove=decision.action == "remove"
        )
        return decision.action
    raise not_found("review.item")


def _decide_message(
    uow: UnitOfWork,
    principal: Principal,
    message_id: int,
    decision: Decision,
    *,
    report_id: int | None,
) -> str:
    message = MessageRepository(uow.session).get(message_id)
    if message is None:
        raise not_found("messages.message")
    group_id = message.group_id
    if decision.action == "release":
        message_admin.release(uow, principal, group_id, message.id)
        return "released"
    if decision.action not in ("remove", *_SANCTIONS):
        raise DomainError("review.decision_invalid", params={"action": decision.action})
    reason = decision.reason.strip() or "违反群规"
    clauses = tuple((message.verdict or {}).get("clauses", [])) or rules.REMOVAL_OF_CONTENT[:1]
    violation = sanctions.record_violation(
        uow,
        principal,
        group_id,
        message_id=message.id,
        clause_ids=clauses,
        reason=reason,
        source="report" if report_id else ("engine" if message.status == "held" else "person"),
        report_id=report_id,
    )
    if message.status in ("visible", "held"):
        message_admin.remove(
            uow, principal, group_id, reason, message_id=message.id, clause_ids=clauses
        )
    if decision.action == "remove":
        return "removed"
    step = _SANCTIONS[decision.action]
    sanctions.apply(uow, principal, violation.id, sanctions.Measure(step, reason, decision.hours))
    return step.value


def _sanction_member(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    person_id: int | None,
    decision: Decision,
    report_id: int,
) -> str:
    if decision.action not in _SANCTIONS:
        raise DomainError("review.decision_invalid", params={"action": decision.action})
    person = DirectoryRepository(uow.session).person(person_id) if person_id else None
    if person is None:
        raise not_found("members.member")
    reason = decision.reason.strip() or "违反群规"
    violation = sanctions.record_violation(
        uow,
        principal,
        group_id,
        staff_no=person.staff_no,
        reason=reason,
        source="report",
        report_id=report_id,
    )
    step = _SANCTIONS[decision.action]
    sanctions.apply(uow, principal, violation.id, sanctions.Measure(step, reason, decision.hours))
    return step.value
