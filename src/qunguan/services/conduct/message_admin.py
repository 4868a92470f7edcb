"""Message administration: admins remove or redact what does not comply (the original kept
for the auditor alone), release held messages, close an off-topic thread, mark decision
records and tidy a group up by filter (篇一 五.1 / 九.4, 篇二 二.3.3, 篇六 四.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.rules import notices as notice_rules
from qunguan.policy.rules import sanctions as rules
from qunguan.services import audit
from qunguan.services.access import (
    access_group,
    access_group_to_keep_order,
    access_message_to_keep_order,
)
from qunguan.services.conduct import patrols
from qunguan.services.messages.posting import NewMessage, post
from qunguan.services.messages.views import (
    MessageView,
    edit_event,
    message_event,
    message_view,
    thread_closed_event,
)
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import ClosedThread, DecisionRecord, Group, Message
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.tabular import write_xlsx


def evidence(uow: UnitOfWork, message: Message) -> dict[str, Any]:
    """A frozen copy of a message as it stood, for a violation's record."""
    person = DirectoryRepository(uow.session).person(message.sender_person_id)
    return {
        "message_id": message.id,
        "seq": message.seq,
        "sender": person.name if person else "",
        "staff_no": person.staff_no if person else "",
        "kind": message.kind,
        "body": message.body,
        "file": message.file_ref,
        "sent_at": message.created_at.isoformat(),
        "verdict": message.verdict,
    }


def shown(uow: UnitOfWork, message: Message) -> MessageView:
    """The message as members see it now (a removed one: the placeholder)."""
    person = DirectoryRepository(uow.session).person(message.sender_person_id)
    return message_view(message, person.name if person else "")


def _mark(message: Message, action: str, reason: str, clauses: tuple[str, ...]) -> None:
    verdict = dict(message.verdict or {})
    verdict["admin"] = {"action": action, "reason": reason, "clauses": list(clauses)}
    message.verdict = verdict  # a new dict, so the JSON column is written


def remove(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    reason: str,
    *,
    seq: int | None = None,
    message_id: int | None = None,
    clause_ids: tuple[str, ...] = (),
) -> Message:
    """Remove a message: members see a placeholder naming the clause; the original stays in
    ``message_revisions`` and in the audit record, which only the auditor reads."""
    group, message = access_message_to_keep_order(
        uow, principal, group_id, seq=seq, message_id=message_id
    )
    if not reason.strip():
        raise DomainError("members.reason_missing")
    if message.kind == "notice":
        notice_rules.check_immutable()  # its publisher corrects it; nobody removes it
    if message.status not in ("visible", "held"):
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    clauses = clause_ids or rules.REMOVAL_OF_CONTENT[:1]
    now = uow.now()
    original = message.body
    MessageRepository(uow.session).add_revision(message, "removal", principal.user_id, now)
    was_held = message.status == "held"
    message.status, message.body, message.pinned_at, message.pinned_by = "removed", "", None, None
    _mark(message, "removed", reason.strip(), clauses)
    audit.record(
        uow,
        principal.actor(),
        "message.removed",
        target_type="message",
        target_id=message.id,
        summary={
            "group_id": group.id,
            "seq": message.seq,
            "reason": reason.strip(),
            "clauses": list(clauses),
            "original": original,
        },
    )
    patrols.record_action(uow, group.id, "removed", {"seq": message.seq, "reason": reason})
    if not was_held:
        uow.publish(edit_event(shown(uow, message)))
    return message


def redact(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    seq: int,
    body: str,
    reason: str,
    clause_ids: tuple[str, ...] = (),
) -> Message:
    """Correct a message (e.g. hide a phone number): members see the new text marked as
    edited by an admin; the original is kept for the auditor (篇一 九.4.4)."""
    group, message = access_message_to_keep_order(uow, principal, group_id, seq=seq)
    if not reason.strip() or not body.strip():
        raise DomainError("members.reason_missing")
    if message.kind == "notice":
        notice_rules.check_immutable()
    if message.status != "visible":
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    clauses = clause_ids or ("s1-9.4.4",)
    now = uow.now()
    original = message.body
    MessageRepository(uow.session).add_revision(message, "redaction", principal.user_id, now)
    message.body, message.edited_at = body.strip(), now
    _mark(message, "redacted", reason.strip(), clauses)
    audit.record(
        uow,
        principal.actor(),
        "message.redacted",
        target_type="message",
        target_id=message.id,
        summary={"group_id": group.id, "seq": seq, "reason": reason, "original": original},
    )
    uow.publish(edit_event(shown(uow, message)))
    return message


def release(uow: UnitOfWork, principal: Principal, group_id: int, message_id: int) -> Message:
    """A held message approved: it takes the group's next number and everyone sees it."""
    group, message = access_message_to_keep_order(uow, principal, group_id, message_id=message_id)
    if message.status != "held":
        raise DomainError("review.already_decided", ErrorKind.CONFLICT)
    message.seq = MessageRepository(uow.session).next_seq(group.id)
    message.status = "visible"
    audit.record(
        uow,
        principal.actor(),
        "message.released",
        target_type="message",
        target_id=message.id,
        summary={"group_id": group.id, "seq": message.seq},
    )
    uow.publish(message_event(shown(uow, message)))
    return message


def close_thread(
    uow: UnitOfWork, principal: Principal, group_id: int, seq: int, reason: str
) -> None:
    """End an off-topic thread: replies to its message are refused from now on."""
    group, message = access_message_to_keep_order(uow, principal, group_id, seq=seq)
    repo = ConductRepository(uow.session)
    if repo.thread_closed(group.id, seq) is not None:
        return
    repo.add(
        ClosedThread(
            group_id=group.id,
            seq=message.seq or seq,
            reason=reason.strip(),
            closed_by=principal.user_id,
        )
    )
    audit.record(
        uow,
        principal.actor(),
        "thread.closed",
        target_type="group",
        target_id=group.id,
        summary={"seq": seq, "reason": reason.strip()},
    )
    uow.publish(thread_closed_event(group.id, seq))


def mark_decision(
    uow: UnitOfWork, principal: Principal, group_id: int, seq: int, title: str
) -> DecisionRecord:
    """Mark a message as a decision of the group. A record once made is not edited."""
    group, message = access_message_to_keep_order(uow, principal, group_id, seq=seq)
    if message.status != "visible":
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    title = title.strip()
    if not 1 <= len(title) <= 200:
        raise DomainError("decisions.title_invalid")
    repo = ConductRepository(uow.session)
    if repo.decision_of(message.id) is not None:
        raise DomainError(
            "decisions.already_recorded", ErrorKind.CONFLICT, clause_ids=rules.DECISION_CLAUSES
        )
    row = DecisionRecord(
        group_id=group.id, message_id=message.id, title=title, marked_by=principal.user_id
    )
    repo.add(row)
    audit.record(
        uow,
        principal.actor(),
        "decision.recorded",
        target_type="group",
        target_id=group.id,
        summary={"seq": seq, "title": title},
    )
    return row


@dataclass(frozen=True)
class DecisionView:
    id: int
    seq: int | None
    title: str
    body: str
    sender: str
    sent_at: datetime
    marked_at: datetime


def decisions(uow: UnitOfWork, principal: Principal, group_id: int) -> list[DecisionView]:
    """A group's decision records: its members read them."""
    group, _role = access_group(uow, principal, group_id)
    rows = ConductRepository(uow.session).decisions(group.id)
    people = DirectoryRepository(uow.session).people_by_ids(
        sorted({m.sender_person_id for _d, m in rows})
    )
    return [
        DecisionView(
            d.id,
            m.seq,
            d.title,
            m.body,
            people[m.sender_person_id].name if m.sender_person_id in people else "",
            m.created_at,
            d.marked_at,
        )
        for d, m in rows
    ]


def export_decisions(uow: UnitOfWork, principal: Principal, group_id: int) -> bytes:
    items = decisions(uow, principal, group_id)
    rows = [[d.title, d.seq, d.sender, d.sent_at.isoformat(" ", "minutes"), d.body] for d in items]
    return write_xlsx([("决策记录", ["决策", "消息序号", "发言人", "时间", "内容"], rows)])


@dataclass(frozen=True)
class TidyFilter:
    text: str = ""
    sender_staff_no: str = ""
    before: datetime | None = None
    category: str = ""


def tidy(uow: UnitOfWork, principal: Principal, group_id: int, f: TidyFilter, reason: str) -> int:
    """Remove every visible message matching the filter (at least one criterion), each as
    ``remove`` would; returns how many."""
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    if not (f.text.strip() or f.sender_staff_no.strip() or f.before or f.category):
        raise DomainError("tidy.filter_empty")
    sender_id = None
    if f.sender_staff_no.strip():
        person = DirectoryRepository(uow.session).person_by_staff_no(f.sender_staff_no.strip())
        if person is None:
            return 0
        sender_id = person.id
    rows = ConductRepository(uow.session).matching_messages(
        group.id,
        text=f.text.strip(),
        sender_person_id=sender_id,
        before=f.before,
        category=f.category,
    )
    # Official notices are never tidied away: their publisher corrects them (篇二 三.1).
    rows = [m for m in rows if m.kind != "notice"]
    for message in rows:
        remove(uow, principal, group.id, reason, message_id=message.id)
    return len(rows)


def post_notice(uow: UnitOfWork, principal: Principal, group: Group, body: str) -> MessageView:
    """Post an official text into a group in the acting admin's name (a criticism notice),
    outside the member's send path: it is the group's own announcement."""
    person = (
        DirectoryRepository(uow.session).person(principal.person_id)
        if principal.person_id
        else None
    )
    now = uow.now()
    official = NewMessage(
        group_id=group.id,
        sender_person_id=principal.person_id,
        sender_user_id=principal.user_id,
        sender_name=person.name if person else "",
        client_id=f"notice-{now.timestamp():.6f}",
        body=body,
    )
    return post(uow, official, now)
