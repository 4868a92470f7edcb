"""Official notices: publication by authority, acknowledgement as proof of delivery.

A notice is published by the office, a leader, or a department a leader has authorised
(篇二 二.(二).3); a sensitive one waits for a leader where the policy says so (篇四 五.2).
Publication puts a pinned notice message into every target group, records who it reached,
and writes the notice's content hash into the audit chain; from then on it never changes
(篇二 三.1) — a correction is a new version that asks everyone again. A member's first
acknowledgement (a tap, a reply, or a bare "收到") is the proof of delivery (篇二 二.(二).4).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind, not_found
from qunguan.domain.events import LiveEvent
from qunguan.policy.document import ContentAction, Settings
from qunguan.policy.rules import notices as rules
from qunguan.services import audit, term_lists
from qunguan.services.access import access_notice, manages_notice
from qunguan.services.messages.posting import NewMessage, post
from qunguan.services.notices import grants as notice_grants
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import (
    Notice,
    NoticeAttachment,
    NoticeTarget,
)
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notices import LedgerRow as LedgerRow  # a view: the API's too
from qunguan.store.repositories.notices import NoticeRepository
from qunguan.store.repositories.notifications import NotificationRepository

SYSTEM = Actor.system("notices")
MAX_ATTACHMENTS = 5


# --- publication ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class NoticeDraft:
    title: str
    body: str
    group_ids: tuple[int, ...]
    reply_required: bool = True
    deadline: datetime | None = None
    priority: str = "normal"
    sensitive: bool = False
    remind_every_hours: int | None = None
    attachments: tuple[Attachment, ...] = ()
    # The sender saw the content engine's request to confirm (personal data) and confirms.
    confirmed: bool = False


def _check_draft(uow: UnitOfWork, draft: NoticeDraft, settings: Settings) -> list[int]:
    problems = []
    if not 1 <= len(draft.title.strip()) <= 200:
        problems.append("title")
    if not draft.body.strip() or len(draft.body) > 20_000:
        problems.append("body")
    if problems:
        raise DomainError(
            "notices.draft_invalid",
            details=[ErrorDetail("notices.draft_invalid", field=problems[0])],
        )
    if draft.priority not in rules.PRIORITIES:
        raise DomainError(
            "notices.priority_unknown",
            details=[ErrorDetail("notices.priority_unknown", field="priority")],
        )
    group_ids = sorted(set(draft.group_ids))
    if not 1 <= len(group_ids) <= rules.MAX_TARGET_GROUPS:
        raise DomainError(
            "notices.targets_required",
            params={"max": rules.MAX_TARGET_GROUPS},
            details=[ErrorDetail("notices.targets_required", field="group_ids")],
        )
    groups = GroupRepository(uow.session)
    for gid in group_ids:
        group = groups.group(gid)
        if group is None:
            raise not_found("group")
        if group.status != "active":
            raise DomainError(
                "groups.not_active", ErrorKind.CONFLICT, params={"status": group.status}
            )
    rules.check_deadline(draft.deadline, uow.now())
    if len(draft.attachments) > MAX_ATTACHMENTS:
        raise DomainError("notices.too_many_attachments", params={"max": MAX_ATTACHMENTS})
    limit = settings.files.max_size_mb * 1024 * 1024
    for a in draft.attachments:
        if len(a.data) > limit:
            raise DomainError(
                "notices.attachment_too_large",
                params={"name": a.name, "max": settings.files.max_size_mb},
            )
    return group_ids


def _screen(uow: UnitOfWork, draft: NoticeDraft) -> None:
    """A notice passes the same content checks as any message, its files included."""
    in_force = policy_versions.require_current(uow)
    policy, settings = in_force.policy, in_force.policy.settings
    engine = term_lists.engine(uow)
    verdicts = [engine.check(f"{draft.title}\n{draft.body}", policy, settings)]
    verdicts += [engine.check_file(a.name, a.data, policy, settings) for a in draft.attachments]
    for verdict in verdicts:
        if verdict.action in (ContentAction.BLOCK, ContentAction.HOLD):
            raise DomainError(
                "notices.content_refused",
                params={"categories": "、".join(verdict.categories)},
                clause_ids=verdict.clause_ids,
            )
        if verdict.action is ContentAction.CONFIRM and not draft.confirmed:
            raise DomainError(
                "messages.confirm_required", ErrorKind.CONFLICT, clause_ids=verdict.clause_ids
            )


def publish(
    uow: UnitOfWork, principal: Principal, draft: NoticeDraft, *, corrects: int | None = None
) -> Notice:
    """Publish a notice (or submit it for a leader's approval, where the policy says so).

    ``corrects``: the notice this one corrects; it must be the latest of its series and
    the corrector must be its publisher or the office.
    """
    settings = policy_versions.require_current(uow).policy.settings
    group_ids = _check_draft(uow, draft, settings)
    publisher, grant_id, issuer = notice_grants.publisher(uow, principal)
    authority = rules.authority(settings, publisher, set(group_ids))
    _screen(uow, draft)
    repo = NoticeRepository(uow.session)
    previous = _correctable(uow, principal, corrects) if corrects is not None else None
    pending = rules.needs_leader_approval(settings, draft.sensitive, authority)
    notice = Notice(
        series_id=previous.series_id if previous else None,
        version=previous.version + 1 if previous else 1,
        supersedes_id=previous.id if previous else None,
        title=draft.title.strip(),
        body=draft.body.strip(),
        reply_required=draft.reply_required,
        deadline=draft.deadline,
        priority=draft.priority,
        sensitive=draft.sensitive,
        remind_every_hours=draft.remind_every_hours,
        status="pending_approval" if pending else "published",
        authority=authority,
        grant_id=grant_id if authority == "authorised_department" else None,
        publisher_user_id=principal.user_id,
        publisher_name=_person_name(uow, principal),
        issuer=issuer,
    )
    repo.add(notice)
    if notice.series_id is None:
        notice.series_id = notice.id
    for a in draft.attachments:
        repo.add(
            NoticeAttachment(
                notice_id=notice.id,
                name=a.name[:255],
                size=len(a.data),
                sha256=hashlib.sha256(a.data).hexdigest(),
                content=a.data,
            )
        )
    # The target groups are kept from the start, so an approver sees where it will go.
    for gid in group_ids:
        repo.add(NoticeTarget(notice_id=notice.id, group_id=gid))
    if pending:
        audit.record(
            uow,
            principal.actor(),
            "notice.submitted",
            target_type="notice",
            target_id=notice.id,
            summary={
                "title": notice.title,
                "groups": group_ids,
                "clauses": list(rules.SENSITIVE_CLAUSES),
            },
        )
        return notice
    _publish_now(uow, principal.actor(), notice)
    return notice


def _person_name(uow: UnitOfWork, principal: Principal) -> str:
    if principal.person_id is None:
        return principal.username
    person = DirectoryRepository(uow.session).person(principal.person_id)
    return person.name if person else principal.username


def _correctable(uow: UnitOfWork, principal: Principal, notice_id: int) -> Notice:
    access_notice(uow, principal, notice_id)
    old = NoticeRepository(uow.session).get_for_update(notice_id)
    if old is None:
        raise not_found("notices.notice")
    if old.publisher_user_id != principal.user_id and Role.OFFICE not in principal.roles:
        raise DomainError("notices.not_publisher_of", ErrorKind.FORBIDDEN)
    if old.status != "published":
        raise DomainError("notices.not_correctable", ErrorKind.CONFLICT)
    return old


def _fields(uow: UnitOfWork, notice: Notice) -> dict[str, Any]:
    repo = NoticeRepository(uow.session)
    assert notice.published_at is not None
    assert notice.series_id is not None
    return rules.hashed_fields(
        series=notice.series_id,
        version=notice.version,
        title=notice.title,
        body=notice.body,
        attachments=[
            {"name": a.name, "size": a.size, "sha256": a.sha256}
            for a in repo.attachments(notice.id)
        ],
        reply_required=notice.reply_required,
        deadline=notice.deadline,
        priority=notice.priority,
        group_ids=[t.group_id for t in repo.targets(notice.id)],
        publisher=notice.publisher_name,
        issuer=notice.issuer,
        published_at=notice.published_at,
    )


def recompute_hash(uow: UnitOfWork, notice: Notice) -> str:
    """The hash of the notice as stored now: equal to ``content_hash`` unless tampered."""
    return rules.content_hash(_fields(uow, notice))


def _card(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "title": notice.title,
        "reply_required": notice.reply_required,
        "deadline": notice.deadline.isoformat() if notice.deadline else None,
        "priority": notice.priority,
        "version": notice.version,
        "issuer": notice.issuer,
        "publisher": notice.publisher_name,
    }


def _publish_now(uow: UnitOfWork, actor: Actor, notice: Notice) -> None:
    """Into every target group: a pinned notice message, the recipients, the hash."""
    now = uow.now()
    notice.status, notice.published_at = "published", now
    repo = NoticeRepository(uow.session)
    targets = repo.targets(notice.id)
    sender = publisher_person(uow, notice)
    card = _card(notice)
    for target in targets:
        card_message = NewMessage(
            group_id=target.group_id,
            sender_person_id=sender,
            sender_user_id=notice.publisher_user_id,
            sender_name=notice.publisher_name,
            client_id=f"notice-{notice.id}-{target.group_id}",
            body=f"{notice.title}\n{notice.body}",
            kind="notice",
            pinned_by=notice.publisher_user_id,
            notice_ref=card,
        )
        target.message_id = post(uow, card_message, now).id
    repo.add_recipients(notice.id, [t.group_id for t in targets], sender)
    notice.content_hash = rules.content_hash(_fields(uow, notice))
    notice.audit_seq = audit.record(
        uow,
        actor,
        "notice.published",
        target_type="notice",
        target_id=notice.id,
        summary={
            "title": notice.title,
            "version": notice.version,
            "supersedes": notice.supersedes_id,
            "groups": [t.group_id for t in targets],
            "authority": notice.authority,
            "grant_id": notice.grant_id,
            "hash": notice.content_hash,
        },
    )
    if notice.supersedes_id is not None:
        _supersede(uow, notice)


def publisher_person(uow: UnitOfWork, notice: Notice) -> int:
    user = AccountRepository(uow.session).by_id(notice.publisher_user_id)
    if user is None or user.person_id is None:
        raise DomainError("notices.publisher_not_in_directory", ErrorKind.CONFLICT)
    return user.person_id


def _supersede(uow: UnitOfWork, notice: Notice) -> None:
    """The corrected version leaves the top; those who acknowledged it are asked again."""
    repo = NoticeRepository(uow.session)
    assert notice.supersedes_id is not None
    old = repo.get(notice.supersedes_id)
    assert old is not None
    old.status = "superseded"
    unpin_messages(uow, old, notice.published_at or uow.now())
    notifications = NotificationRepository(uow.session)
    for person_id in repo.acknowledged_people(old.id):
        notifications.notify(
            person_id,
            "notice.corrected",
            {"notice_id": notice.id, "title": notice.title, "version": notice.version},
        )


def unpin_messages(uow: UnitOfWork, notice: Notice, at: datetime) -> None:
    notice.unpinned_at = notice.unpinned_at or at
    messages = MessageRepository(uow.session)
    for target in NoticeRepository(uow.session).targets(notice.id):
        message = messages.get(target.message_id) if target.message_id else None
        if message is not None and message.pinned_at is not None:
            message.pinned_at = message.pinned_by = None
            assert message.seq is not None
            uow.publish(LiveEvent("pin", target.group_id, {"seq": message.seq, "pinned": False}))


def decide(
    uow: UnitOfWork, principal: Principal, notice_id: int, approve: bool, note: str = ""
) -> Notice:
    """A leader, never the one who submitted it, approves a sensitive notice (篇四 五.2)."""
    if Role.LEADER not in principal.roles:
        raise DomainError(
            "notices.approver_leader_only", ErrorKind.FORBIDDEN, clause_ids=rules.SENSITIVE_CLAUSES
        )
    notice = NoticeRepository(uow.session).get_for_update(notice_id)
    if notice is None:
        raise not_found("notices.notice")
    if notice.status != "pending_approval":
        raise DomainError("notices.not_pending", ErrorKind.CONFLICT)
    if notice.publisher_user_id == principal.user_id:
        raise DomainError(
            "notices.self_approval", ErrorKind.FORBIDDEN, clause_ids=rules.SENSITIVE_CLAUSES
        )
    notice.decided_by, notice.decided_at = principal.user_id, uow.now()
    notice.decision_note = note.strip()
    audit.record(
        uow,
        principal.actor(),
        "notice.approved" if approve else "notice.refused",
        target_type="notice",
        target_id=notice.id,
        summary={"note": notice.decision_note, "clauses": list(rules.SENSITIVE_CLAUSES)},
    )
    if approve:
        rules.check_deadline(notice.deadline, uow.now())
        if notice.supersedes_id is not None:
            old = NoticeRepository(uow.session).get_for_update(notice.supersedes_id)
            if old is None or old.status != "published":
                raise DomainError("notices.not_correctable", ErrorKind.CONFLICT)
        _publish_now(uow, principal.actor(), notice)
    else:
        notice.status = "refused"
    return notice


def refuse_edit(uow: UnitOfWork, principal: Principal, notice_id: int) -> None:
    """There is no editing a notice: it exists to say so, with the article."""
    access_notice(uow, principal, notice_id, manage=True)
    rules.check_immutable()


def unpin(uow: UnitOfWork, principal: Principal, notice_id: int) -> None:
    """The publisher (or the office) takes a notice off the top before its deadline."""
    notice = access_notice(uow, principal, notice_id, manage=True)
    if notice.status != "published":
        raise DomainError("notices.not_published", ErrorKind.CONFLICT)
    if notice.unpinned_at is None:
        unpin_messages(uow, notice, uow.now())
        notice.unpinned_by = principal.user_id
        audit.record(
            uow, principal.actor(), "notice.unpinned", target_type="notice", target_id=notice.id
        )


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    id: int
    series_id: int
    version: int
    supersedes_id: int | None
    title: str
    body: str
    reply_required: bool
    deadline: datetime | None
    priority: str
    sensitive: bool
    status: str
    authority: str
    issuer: str
    publisher: str
    published_at: datetime | None
    content_hash: str
    audit_seq: int | None
    pinned: bool
    attachments: list[dict[str, Any]]
    group_ids: list[int]
    acknowledged_at: datetime | None = None
    mine: bool = False


def view(
    uow: UnitOfWork, notice: Notice, acknowledged_at: datetime | None = None, *, full: bool = True
) -> NoticeView:
    """A notice as shown; lists (``full`` False) leave out attachments and target groups,
    which cost a query each."""
    repo = NoticeRepository(uow.session)
    return NoticeView(
        notice.id,
        notice.series_id or notice.id,
        notice.version,
        notice.supersedes_id,
        notice.title,
        notice.body,
        notice.reply_required,
        notice.deadline,
        notice.priority,
        notice.sensitive,
        notice.status,
        notice.authority,
        notice.issuer,
        notice.publisher_name,
        notice.published_at,
        notice.content_hash,
        notice.audit_seq,
        notice.status == "published" and notice.unpinned_at is None,
        [{"id": a.id, "name": a.name, "size": a.size} for a in repo.attachments(notice.id)]
        if full
        else [],
        [t.group_id for t in repo.targets(notice.id)] if full else [],
        acknowledged_at,
    )


def notice(uow: UnitOfWork, principal: Principal, notice_id: int) -> NoticeView:
    found = access_notice(uow, principal, notice_id)
    ack = (
        NoticeRepository(uow.session).acknowledgement(notice_id, principal.person_id)
        if principal.person_id
        else None
    )
    shown = view(uow, found, ack.at if ack else None)
    return with_mine(shown, manages_notice(principal, found))


def with_mine(view: NoticeView, mine: bool) -> NoticeView:
    return replace(view, mine=mine)


def inbox(uow: UnitOfWork, principal: Principal) -> list[NoticeView]:
    """The notices delivered to me, newest first, with my acknowledgement."""
    if principal.person_id is None:
        return []
    rows = NoticeRepository(uow.session).for_person(principal.person_id)
    return [view(uow, n, at, full=False) for n, at in rows]


def my_acknowledgements(uow: UnitOfWork, principal: Principal) -> dict[int, datetime | None]:
    """Each notice delivered to me and when I acknowledged it (None: not yet), one query:
    the chat page marks its notice cards with it."""
    if principal.person_id is None:
        return {}
    return {n.id: at for n, at in NoticeRepository(uow.session).for_person(principal.person_id)}


def is_recipient(uow: UnitOfWork, principal: Principal, notice_id: int) -> bool:
    return (
        principal.person_id is not None
        and NoticeRepository(uow.session).is_recipient(notice_id, principal.person_id) is not None
    )


def tally(uow: UnitOfWork, notice_id: int) -> tuple[int, int]:
    """(acknowledged, recipients), each person once, for a list of notices."""
    _groups, recipients, acknowledged = NoticeRepository(uow.session).tallies(notice_id)
    return acknowledged, recipients


def outstanding_count(uow: UnitOfWork, principal: Principal) -> int:
    if principal.person_id is None:
        return 0
    return NoticeRepository(uow.session).outstanding_count(principal.person_id)


def sees_every_notice(principal: Principal) -> bool:
    """The office and leaders run every notice, not only their own."""
    return not {Role.OFFICE, Role.LEADER}.isdisjoint(principal.roles)


def managed(uow: UnitOfWork, principal: Principal) -> list[NoticeView]:
    """What I published; the office and leaders see every notice."""
    repo = NoticeRepository(uow.session)
    if not sees_every_notice(principal):
        rows = repo.published_by(principal.user_id)
    else:
        rows = repo.recent()
    return [with_mine(view(uow, n, full=False), True) for n in rows]


def awaiting_approval(uow: UnitOfWork, principal: Principal) -> list[NoticeView]:
    if Role.LEADER not in principal.roles:
        return []
    return [view(uow, n) for n in NoticeRepository(uow.session).pending_approval()]


def attachment(
    uow: UnitOfWork, principal: Principal, notice_id: int, attachment_id: int
) -> NoticeAttachment:
    access_notice(uow, principal, notice_id)
    found = NoticeRepository(uow.session).attachment(attachment_id)
    if found is None or found.notice_id != notice_id:
        raise not_found("notices.attachment")
    return found


@dataclass(frozen=True)
class Tally:
    group_id: int
    group_name: str
    recipients: int
    acknowledged: int


@dataclass(frozen=True)
class Ledger:
    notice: NoticeView
    groups: list[Tally]
    recipients: int
    acknowledged: int
    rows: list[LedgerRow]
    generated_at: datetime


def ledger(
    uow: UnitOfWork,
    principal: Principal,
    notice_id: int,
    *,
    group_id: int | None = None,
    status: str = "",
    offset: int = 0,
    limit: int | None = 200,
) -> Ledger:
    """Who has acknowledged and when, who has not: per target group and overall."""
    found = access_notice(uow, principal, notice_id, manage=True)
    repo = NoticeRepository(uow.session)
    tallies, recipients, acknowledged = repo.tallies(notice_id)
    groups = GroupRepository(uow.session)
    names = {t.group_id: getattr(groups.group(t.group_id), "name", "") for t in tallies}
    rows = (
        repo.ledger(notice_id, group_id=group_id, status=status, offset=max(0, offset), limit=limit)
        if limit != 0
        else []  # the counts alone, for the page's live polling
    )
    return Ledger(
        view(uow, found, full=limit != 0),
        [
            Tally(t.group_id, names.get(t.group_id, ""), t.recipients, t.acknowledged)
            for t in tallies
        ],
        recipients,
        acknowledged,
        rows,
        uow.now(),
    )
