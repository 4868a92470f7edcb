"""Responsiveness: messages that wait for an answer from named people.

A work inquiry or assignment names the members who must respond (篇五 四: 第一时间给予
回应); a member's question waits on the group's owner and admins (篇七 六). Each tracks the
time to each person's first response — a reply to the message — against a deadline in
working time; the overdue are reminded once and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind
from qunguan.policy.document import Settings
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.policy.workcalendar import add_working_minutes, working_minutes_between
from qunguan.services.access import access_group
from qunguan.services.groups.lifecycle import GroupView, my_groups
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Inquiry
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.messages import InquiryRepository, OpenTarget
from qunguan.store.repositories.notifications import NotificationRepository

KINDS = ("inquiry", "assignment", "question")
RESPONSE_CLAUSES = ("s5-4",)


def check_kind(kind: str, mentions: tuple[int, ...]) -> None:
    """An inquiry or assignment names who must answer; a question goes to the admins."""
    if kind not in KINDS:
        raise DomainError(
            "inquiries.kind_unknown", details=[ErrorDetail("inquiries.kind_unknown", field="kind")]
        )
    if kind != "question" and not mentions:
        raise DomainError(
            "inquiries.targets_required",
            details=[ErrorDetail("inquiries.targets_required", field="mentions")],
            clause_ids=RESPONSE_CLAUSES,
        )


def _due(settings: Settings, kind: str, asked_at: datetime) -> datetime | None:
    if kind == "question":
        hours = settings.responsiveness.questions_answer_within_hours
        minutes = hours * 60 if hours else None
    else:
        minutes = settings.responsiveness.respond_within_minutes
    return add_working_minutes(settings.calendar, asked_at, minutes) if minutes else None


def open_inquiry(
    uow: UnitOfWork,
    settings: Settings,
    *,
    message_id: int,
    group_id: int,
    seq: int,
    kind: str,
    asker: int,
    mentions: tuple[int, ...],
    at: datetime,
) -> None:
    """Called by the send path once the message is stored with its sequence number."""
    repo = InquiryRepository(uow.session)
    if kind == "question":
        targets = [
            m.person_id
            for m in MembershipRepository(uow.session).members(group_id)
            if may_manage(GroupRole(m.role))
        ]
    else:
        targets = list(mentions)
    targets = sorted({t for t in targets if t != asker})
    if not targets:
        return
    inquiry = Inquiry(
        message_id=message_id,
        group_id=group_id,
        seq=seq,
        kind=kind,
        asked_by=asker,
        asked_at=at,
        due_at=_due(settings, kind, at),
    )
    repo.add(inquiry)
    repo.add_targets(inquiry.id, targets)


def record_response(
    uow: UnitOfWork, group_id: int, reply_to_seq: int, person_id: int, message_id: int, at: datetime
) -> bool:
    """A reply to an inquiry is its target's first response (later ones change nothing)."""
    return InquiryRepository(uow.session).respond(group_id, reply_to_seq, person_id, message_id, at)


@dataclass(frozen=True)
class TargetView:
    inquiry_id: int
    group_id: int
    group_name: str
    seq: int
    kind: str
    body: str
    asked_by: str
    asked_at: datetime
    due_at: datetime | None
    person_id: int
    person: str
    department: str
    responded_at: datetime | None
    # Working minutes from the question to the first answer (or to now, while open).
    minutes: int
    overdue: bool


def _views(
    uow: UnitOfWork, settings: Settings, rows: list[OpenTarget], now: datetime | None = None
) -> list[TargetView]:
    now = now or uow.now()
    people = DirectoryRepository(uow.session).people_by_ids(
        sorted({r.person_id for r in rows} | {r.asked_by for r in rows})
    )
    # A question is answered once any of its admins has answered it.
    answered = {r.inquiry_id for r in rows if r.kind == "question" and r.responded_at}
    out = []
    for r in rows:
        person, asker = people.get(r.person_id), people.get(r.asked_by)
        end = r.responded_at or now
        settled = r.inquiry_id in answered
        out.append(
            TargetView(
                r.inquiry_id,
                r.group_id,
                r.group_name,
                r.seq,
                r.kind,
                r.body,
                asker.name if asker else "",
                r.asked_at,
                r.due_at,
                r.person_id,
                person.name if person else "",
                person.department.name if person else "",
                r.responded_at,
                working_minutes_between(settings.calendar, r.asked_at, end),
                r.due_at is not None and end > r.due_at and not (settled and not r.responded_at),
            )
        )
    return out


def report(
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    group_id: int,
    *,
    only_overdue: bool = False,
    now: datetime | None = None,
) -> list[TargetView]:
    """A group's inquiries and questions, per person: time to first response, overdue (as
    of ``now``). Its managers (and the office) see it."""
    group, role = access_group(uow, principal, group_id)
    if role is not None and not may_manage(role):
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN)
    rows = InquiryRepository(uow.session).targets_of_group(group.id)
    views = _views(uow, settings, rows, now)
    return [v for v in views if v.overdue] if only_overdue else views


def waiting_on_me(uow: UnitOfWork, principal: Principal, settings: Settings) -> list[TargetView]:
    """What I have not answered yet, oldest first."""
    if principal.person_id is None:
        return []
    rows = InquiryRepository(uow.session).open_for_person(principal.person_id)
    return _views(uow, settings, rows)


def open_questions(uow: UnitOfWork, principal: Principal, group_id: int) -> list[TargetView]:
    """A group's questions no admin has answered yet (篇七 六.1)."""
    group, _role = access_group(uow, principal, group_id)
    settings = policy_versions.require_current(uow).policy.settings
    rows = [
        r for r in InquiryRepository(uow.session).targets_of_group(group.id) if r.kind == "question"
    ]
    answered = {r.inquiry_id for r in rows if r.responded_at is not None}
    firsts: dict[int, OpenTarget] = {}
    for r in rows:
        if r.inquiry_id not in answered:
            firsts.setdefault(r.inquiry_id, r)
    return _views(uow, settings, list(firsts.values()))


def remind_overdue(uow: UnitOfWork, now: datetime) -> int:
    """Remind each person once when their answer becomes overdue."""
    repo = InquiryRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    reminded = 0
    for target in repo.overdue_unreminded(now):
        if not repo.claim_reminder(target.inquiry_id, target.person_id, now):
            continue
        notifications.notify(
            target.person_id,
            "inquiry.overdue",
            {"group_id": target.group_id, "seq": target.seq, "kind": target.kind},
        )
        reminded += 1
    return reminded


def managed_groups(uow: UnitOfWork, principal: Principal) -> list[GroupView]:
    """The groups whose answers I watch: those I own or administer; the office, all."""
    return [
        g
        for g in my_groups(uow, principal)
        if (g.my_role is None and Role.OFFICE in principal.roles)
        or (g.my_role is not None and may_manage(GroupRole(g.my_role)))
    ]
