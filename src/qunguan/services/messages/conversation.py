"""Messages: the send path, edits and recalls, pins and categories, history, read state.

The send path checks, in this order and before anything is stored: membership and
restrictions, the regulation acknowledged, the rate limit, the kind, the body, then the
content engine (which also applies the link policy). Its outcome is ``stored`` (with the
group's next sequence number), ``held`` (for review; no number until released),
``confirm`` (the sender must confirm, e.g. personal data) or ``refused``. A refusal by the
content engine is recorded in the audit trail, so the edge commits before answering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.directory import NameParts, display_name
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.moderation import Verdict
from qunguan.policy.document import ContentAction, Policy, Settings, settings_for_group_type
from qunguan.policy.rules import notices as notice_rules
from qunguan.policy.rules import posting as rules
from qunguan.policy.rules.membership import GroupRole
from qunguan.services import audit, term_lists
from qunguan.services.access import access_group, access_message
from qunguan.services.conduct import checks as conduct_checks
from qunguan.services.messages import inquiries
from qunguan.services.messages.posting import NewMessage, post
from qunguan.services.messages.views import (
    MessageView,
    edit_event,
    message_view,
    pin_event,
    recall_event,
)
from qunguan.services.notices import acknowledgements
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Group, Message, MessageCategory, ReadPosition
from qunguan.store.repositories.directory import DirectoryRepository, record_of
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.messages import MessageRepository, SearchFilter, SendContext


@dataclass(frozen=True)
class Draft:
    """What a client sends. ``client_id`` makes a retry idempotent."""

    client_id: str
    body: str
    kind: str = "text"
    reply_to_seq: int | None = None
    mentions: tuple[int, ...] = ()
    file_ref: dict[str, Any] | None = None
    # The sender saw the engine's request to confirm (personal data) and confirms.
    confirmed: bool = False
    # The message waits for answers: "inquiry" or "assignment" (from the members it
    # mentions) or "question" (from the group's admins); "" for an ordinary message.
    expects: str = ""


@dataclass(frozen=True)
class SendOutcome:
    status: str  # stored / held / confirm / refused / acknowledged
    message: MessageView | None = None
    verdict: dict[str, Any] | None = None
    refusal: DomainError | None = None
    # A bare "收到" that acknowledged a notice instead of being posted.
    acknowledged: dict[str, Any] | None = None


def _group_settings(policy: Policy, group: Group) -> Settings:
    return settings_for_group_type(policy, group.type)


def verdict_json(verdict: Verdict, *, with_text: bool) -> dict[str, Any]:
    """The engine's verdict as stored and shown: the matched text only for reviewers."""
    return {
        "action": verdict.action.value,
        "categories": list(verdict.categories),
        "clauses": list(verdict.clause_ids),
        "spans": [
            [s.start, s.end, s.text if with_text else "", s.category, s.rule] for s in verdict.spans
        ],
    }


def _names(uow: UnitOfWork, person_ids: set[int], settings: Settings) -> dict[int, str]:
    fmt = settings.membership.display_name_format
    people = DirectoryRepository(uow.session).people_by_ids(sorted(person_ids))
    return {pid: display_name(record_of(p), fmt) for pid, p in people.items()}


def view(message: Message, names: dict[int, str]) -> MessageView:
    """A loaded message, its sender named from ``names``."""
    return message_view(message, names.get(message.sender_person_id, ""))


def _existing_outcome(uow: UnitOfWork, message_id: int, settings: Settings) -> SendOutcome:
    """A retried send: the answer the first attempt got."""
    message = MessageRepository(uow.session).get(message_id)
    assert message is not None
    names = _names(uow, {message.sender_person_id}, settings)
    status = "held" if message.status == "held" else "stored"
    return SendOutcome(status, view(message, names), message.verdict)


def _check_draft(
    uow: UnitOfWork, group_id: int, draft: Draft, settings: Settings
) -> tuple[str, Message | None]:
    """The body to store, and the message it replies to (checked to exist)."""
    rules.check_kind(settings, draft.kind)
    body = draft.body.strip()
    if not 1 <= len(draft.client_id) <= 64:
        raise DomainError("messages.client_id_invalid")
    if draft.kind == "text" and not body:
        raise DomainError("messages.body_empty")
    if draft.kind == "file" and not draft.file_ref:
        raise DomainError("messages.file_missing")
    if len(body) > rules.MAX_BODY_CHARS:
        raise DomainError("messages.body_too_long", params={"limit": rules.MAX_BODY_CHARS})
    replied = None
    if draft.reply_to_seq is not None:
        replied = MessageRepository(uow.session).by_seq(group_id, draft.reply_to_seq)
        if replied is None:
            raise DomainError("messages.reply_target_missing", params={"seq": draft.reply_to_seq})
    conduct_checks.check_reply_open(uow, group_id, draft.reply_to_seq)
    memberships = MembershipRepository(uow.session)
    for person_id in draft.mentions:
        if memberships.membership(group_id, person_id) is None:
            raise DomainError("messages.mention_not_member", params={"person_id": person_id})
    return body, replied


def _screen(uow: UnitOfWork, policy: Policy, settings: Settings, body: str) -> Verdict:
    return term_lists.engine(uow).check(body, policy, settings)


def _context(uow: UnitOfWork, principal: Principal, group_id: int, draft: Draft) -> SendContext:
    """The one read of the send path: group, role, restriction, rate, acknowledgement."""
    now = uow.now()
    found = MessageRepository(uow.session).send_context(
        group_id,
        principal.person_id or 0,
        principal.user_id,
        draft.client_id,
        now,
        now - timedelta(minutes=1),
    )
    # As access_group: a group one may not see looks like none; the office sees all.
    if found is None or (found.role is None and Role.OFFICE not in principal.roles):
        raise not_found("group")
    if found.policy_version is None or found.policy_published_at is None:
        raise DomainError("policy.none_adopted", ErrorKind.NOT_FOUND)
    return found


def send(uow: UnitOfWork, principal: Principal, group_id: int, draft: Draft) -> SendOutcome:
    """Check a message and store it, hold it, ask for confirmation, or refuse it.

    The hot path of the platform: one read gathers everything the checks need, then one
    update takes the sequence number and one insert stores the message.
    """
    ctx = _context(uow, principal, group_id, draft)
    repo = MessageRepository(uow.session)
    in_force = policy_versions.in_force_by_number(
        uow, ctx.policy_version or 0, ctx.policy_published_at or uow.now()
    )
    settings = settings_for_group_type(in_force.policy, ctx.group_type)
    if ctx.existing_id is not None:
        return _existing_outcome(uow, ctx.existing_id, settings)
    role = GroupRole(ctx.role) if ctx.role else None
    restriction = (
        repo.restriction_in_force(group_id, principal.person_id or 0, uow.now())
        if ctx.restricted
        else None
    )
    rules.check_sender(
        role,
        ctx.group_status,
        rules.Restriction(restriction.kind, restriction.until, restriction.reason)
        if restriction
        else None,
    )
    unread = (
        not ctx.acknowledged_version
        if in_force.policy.settings.governance.members_reacknowledge
        else not ctx.acknowledged_any
    )
    rules.check_onboarded(settings, unread)
    rules.check_rate(settings, ctx.sent_last_minute)
    body, replied = _check_draft(uow, group_id, draft, settings)
    if draft.expects:
        inquiries.check_kind(draft.expects, draft.mentions)
    acknowledges: int | None = None
    # Only replies and bare acknowledgements can concern a notice: ordinary messages pay
    # nothing for this check.
    if draft.kind == "text" and (draft.reply_to_seq is not None or not rules.is_substantive(body)):
        early, acknowledges = _notice_reply(
            uow, principal, group_id, draft, body, replied, settings
        )
        if early is not None:
            return early

    verdict = _screen(uow, in_force.policy, settings, body)
    if verdict.action is ContentAction.BLOCK:
        return _refuse(uow, principal, group_id, verdict)
    if verdict.action is ContentAction.CONFIRM and not draft.confirmed:
        return SendOutcome("confirm", verdict=verdict_json(verdict, with_text=True))
    held = verdict.action is ContentAction.HOLD
    stored_verdict = (
        None if verdict.passed and not verdict.spans else verdict_json(verdict, with_text=True)
    )
    name = display_name(
        NameParts(ctx.sender_name, ctx.sender_unit, ctx.sender_department, ctx.sender_post),
        settings.membership.display_name_format,
    )
    new = NewMessage(
        group_id=group_id,
        sender_person_id=principal.person_id,
        sender_user_id=principal.user_id,
        sender_name=name,
        client_id=draft.client_id,
        body=body,
        kind=draft.kind,
        reply_to_seq=draft.reply_to_seq,
        mentions=draft.mentions,
        file_ref=draft.file_ref,
        substantive=rules.is_substantive(body),
        held=held,
        verdict=stored_verdict,
    )
    try:
        with uow.session.begin_nested():
            shown = post(uow, new, uow.now())
    except IntegrityError:
        # A concurrent retry of the same send got there first: answer as it was answered.
        raced = repo.by_client_id(principal.user_id, draft.client_id)
        if raced is None:
            raise
        return _existing_outcome(uow, raced.id, settings)
    if not held:
        _answers(uow, principal, settings, shown, draft.expects, acknowledges)
    if held or not verdict.passed or verdict.spans:
        audit.record(
            uow,
            principal.actor(),
            "message.held" if held else f"message.{verdict.action.value}",
            target_type="message",
            target_id=shown.id,
            summary={"group_id": group_id, "verdict": stored_verdict},
        )
    if held or not verdict.passed:
        conduct_checks.alert_managers(uow, group_id, name, shown.id, verdict)
    return SendOutcome("held" if held else "stored", shown, stored_verdict)


def _notice_reply(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    draft: Draft,
    body: str,
    replied: Message | None,
    settings: Settings,
) -> tuple[SendOutcome | None, int | None]:
    """A bare "收到" acknowledges a reply-required notice without being posted, or is
    absorbed where the notice needs no reply (篇二 二.(二).4); a substantive reply to a
    reply-required notice is posted and acknowledges it. Returns the early outcome, or the
    notice the stored message will acknowledge."""
    if rules.is_substantive(body):
        assert replied is not None
        return None, acknowledgements.reply_target(replied)
    bare = acknowledgements.bare_reply(uow, principal, group_id, settings, draft.reply_to_seq)
    if bare is None:
        return None, None
    if bare.absorbed:
        raise DomainError(
            "notices.no_reply_needed", ErrorKind.CONFLICT, clause_ids=notice_rules.ABSORB_CLAUSES
        )
    assert bare.acknowledge is not None
    ack = acknowledgements.acknowledge(uow, principal, bare.acknowledge, how="reply")
    return SendOutcome(
        "acknowledged",
        acknowledged={"notice_id": ack.notice_id, "at": ack.at.isoformat(), "first": ack.first},
    ), None


def _answers(
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    shown: MessageView,
    expects: str,
    acknowledges: int | None,
) -> None:
    """What a posted message answers or asks: a notice's acknowledgement, an inquiry's
    response, a new inquiry."""
    person_id = principal.person_id or 0
    if acknowledges is not None:
        acknowledgements.acknowledge_by_reply(uow, principal, acknowledges, shown.id)
    if shown.reply_to_seq is not None:
        inquiries.record_response(
            uow, shown.group_id, shown.reply_to_seq, person_id, shown.id, shown.created_at
        )
    if expects:
        assert shown.seq is not None  # a held message asks nothing
        inquiries.open_inquiry(
            uow,
            settings,
            message_id=shown.id,
            group_id=shown.group_id,
            seq=shown.seq,
            kind=expects,
            asker=person_id,
            mentions=tuple(shown.mentions),
            at=shown.created_at,
        )


def _refuse(uow: UnitOfWork, principal: Principal, group_id: int, verdict: Verdict) -> SendOutcome:
    """Nothing is stored but the rule hit: who, where, which rule, what it matched."""
    audit.record(
        uow,
        principal.actor(),
        "message.blocked",
        target_type="group",
        target_id=group_id,
        summary=verdict_json(verdict, with_text=True),
    )
    refusal = DomainError(
        "messages.content_blocked",
        ErrorKind.INVALID,
        params={"categories": "、".join(verdict.categories)},
        clause_ids=verdict.clause_ids,
    )
    return SendOutcome("refused", verdict=verdict_json(verdict, with_text=False), refusal=refusal)


def edit(uow: UnitOfWork, principal: Principal, group_id: int, seq: int, body: str) -> MessageView:
    """The sender edits within the policy's window; the new text is checked like a new
    message, and the old one is kept for the record."""
    group, _role, message = access_message(uow, principal, group_id, seq)
    if message.kind == "notice":
        notice_rules.check_immutable()
    rules.check_own(message.sender_person_id, principal.person_id)
    if message.status != "visible":
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    in_force = policy_versions.require_current(uow)
    settings = _group_settings(in_force.policy, group)
    now = uow.now()
    rules.check_window(settings.posting.edit_window_minutes, message.created_at, now, "edit")
    body = body.strip()
    if not body:
        raise DomainError("messages.body_empty")
    if len(body) > rules.MAX_BODY_CHARS:
        raise DomainError("messages.body_too_long", params={"limit": rules.MAX_BODY_CHARS})
    verdict = _screen(uow, in_force.policy, settings, body)
    if not verdict.passed and verdict.action is not ContentAction.WARN:
        raise DomainError(
            "messages.edit_refused",
            params={"categories": "、".join(verdict.categories)},
            clause_ids=verdict.clause_ids,
        )
    repo = MessageRepository(uow.session)
    repo.add_revision(message, "edit", principal.user_id, now)
    message.body, message.edited_at = body, now
    audit.record(
        uow, principal.actor(), "message.edited", target_type="message", target_id=message.id
    )
    shown = view(message, _names(uow, {message.sender_person_id}, settings))
    uow.publish(edit_event(shown))
    return shown


def recall(uow: UnitOfWork, principal: Principal, group_id: int, seq: int) -> None:
    """The sender recalls within the window; members see that it was recalled, the record
    keeps what it said."""
    group, _role, message = access_message(uow, principal, group_id, seq)
    if message.kind == "notice":
        notice_rules.check_immutable()
    rules.check_own(message.sender_person_id, principal.person_id)
    if message.status != "visible":
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    settings = _group_settings(policy_versions.require_current(uow).policy, group)
    now = uow.now()
    rules.check_window(settings.posting.recall_window_minutes, message.created_at, now, "recall")
    MessageRepository(uow.session).add_revision(message, "recall", principal.user_id, now)
    message.status, message.recalled_at, message.pinned_at = "recalled", now, None
    audit.record(
        uow, principal.actor(), "message.recalled", target_type="message", target_id=message.id
    )
    uow.publish(recall_event(group.id, seq))


def set_pin(
    uow: UnitOfWork, principal: Principal, group_id: int, seq: int, pinned: bool
) -> MessageView:
    """Group admins pin what members must find quickly (篇六 四.2)."""
    group, role, message = access_message(uow, principal, group_id, seq)
    rules.check_may_pin(role)
    if message.kind == "notice":
        # A notice stays on top until its deadline or its publisher takes it down.
        raise DomainError(
            "notices.pinned_by_publisher", ErrorKind.CONFLICT, clause_ids=notice_rules.PIN_CLAUSES
        )
    if message.status != "visible":
        raise DomainError("messages.not_editable", ErrorKind.CONFLICT)
    message.pinned_at = uow.now() if pinned else None
    message.pinned_by = principal.user_id if pinned else None
    audit.record(
        uow,
        principal.actor(),
        "message.pinned" if pinned else "message.unpinned",
        target_type="message",
        target_id=message.id,
    )
    uow.publish(pin_event(group.id, seq, pinned))
    settings = _group_settings(policy_versions.require_current(uow).policy, group)
    return view(message, _names(uow, {message.sender_person_id}, settings))


def define_category(uow: UnitOfWork, principal: Principal, group_id: int, name: str) -> None:
    """Admins define a group's categories (篇六 四.3)."""
    group, role = access_group(uow, principal, group_id)
    rules.check_may_categorise(role)
    name = name.strip()
    if not 1 <= len(name) <= 40:
        raise DomainError("messages.category_invalid")
    repo = MessageRepository(uow.session)
    if repo.category(group.id, name) is not None:
        return
    repo.add(MessageCategory(group_id=group.id, name=name, created_by=principal.user_id))
    audit.record(
        uow,
        principal.actor(),
        "message.category_defined",
        target_type="group",
        target_id=group.id,
        summary={"name": name},
    )


def categorise(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    seq: int,
    category: str,
    tags: tuple[str, ...] = (),
) -> MessageView:
    """Admins file a message under one of the group's categories, with optional tags."""
    group, role, message = access_message(uow, principal, group_id, seq)
    rules.check_may_categorise(role)
    repo = MessageRepository(uow.session)
    if category and repo.category(group.id, category) is None:
        raise DomainError("messages.category_unknown", params={"name": category})
    message.category = category
    message.tags = sorted({t.strip() for t in tags if t.strip()})
    audit.record(
        uow,
        principal.actor(),
        "message.categorised",
        target_type="message",
        target_id=message.id,
        summary={"category": category, "tags": message.tags},
    )
    settings = _group_settings(policy_versions.require_current(uow).policy, group)
    shown = view(message, _names(uow, {message.sender_person_id}, settings))
    uow.publish(edit_event(shown))
    return shown


def categories(uow: UnitOfWork, principal: Principal, group_id: int) -> list[str]:
    group, _role = access_group(uow, principal, group_id)
    return [c.name for c in MessageRepository(uow.session).categories(group.id)]


@dataclass(frozen=True)
class Page:
    messages: list[MessageView]
    pinned: list[MessageView]
    held: list[MessageView]  # the reader's own messages awaiting review
    last_seq: int
    read_seq: int


def history(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    *,
    after: int = 0,
    before: int | None = None,
    limit: int = 50,
) -> Page:
    """A page of a group's messages. Without ``after`` or ``before``: the latest."""
    group, _role = access_group(uow, principal, group_id)
    conduct_checks.check_not_suspended(uow, principal.person_id)
    repo = MessageRepository(uow.session)
    limit = max(1, min(limit, 200))
    if after or before is not None:
        rows = repo.history(group.id, after=after, before=before, limit=limit)
    else:
        rows = repo.latest(group.id, limit)
    pinned = repo.pinned(group.id)
    held = repo.held_of(group.id, principal.person_id) if principal.person_id else []
    settings = _group_settings(policy_versions.require_current(uow).policy, group)
    names = _names(uow, {m.sender_person_id for m in rows + pinned + held}, settings)
    position = repo.read_position(group.id, principal.person_id) if principal.person_id else None
    return Page(
        [view(m, names) for m in rows],
        [view(m, names) for m in pinned],
        [view(m, names) for m in held],
        group.last_seq,
        position.seq if position else 0,
    )


@dataclass(frozen=True)
class Missed:
    messages: list[MessageView]
    # Groups with more missed than one sync carries: the client reloads them afresh.
    truncated: list[int]


def missed(uow: UnitOfWork, person_id: int, since: dict[int, int], limit: int = 500) -> Missed:
    """What a reconnecting client missed, per group it belongs to: messages after the seq it
    says it has (it names none for a group: nothing is sent, it loads that group afresh)."""
    groups = GroupRepository(uow.session)
    repo = MessageRepository(uow.session)
    out: list[tuple[int, list[Message]]] = []
    truncated: list[int] = []
    senders: set[int] = set()
    for group, _membership in groups.groups_of_person(person_id):
        if group.id in since and group.last_seq > since[group.id]:
            rows = repo.history(group.id, after=since[group.id], limit=limit)
            out.append((group.id, rows))
            senders |= {m.sender_person_id for m in rows}
            if group.last_seq - since[group.id] > limit:
                truncated.append(group.id)
    if not out:
        return Missed([], [])
    settings = policy_versions.require_current(uow).policy.settings
    names = _names(uow, senders, settings)
    return Missed([view(m, names) for _g, rows in out for m in rows], truncated)


def mark_read(uow: UnitOfWork, principal: Principal, group_id: int, seq: int) -> int:
    """Move the reader's position forward (never back); return where it stands."""
    group, _role = access_group(uow, principal, group_id, as_member=True)
    if principal.person_id is None:
        raise not_found("group")
    repo = MessageRepository(uow.session)
    seq = max(0, min(seq, group.last_seq))
    position = repo.read_position(group.id, principal.person_id)
    if position is None:
        repo.add(ReadPosition(group_id=group.id, person_id=principal.person_id, seq=seq))
        return seq
    if seq > position.seq:
        position.seq, position.at = seq, uow.now()
    return position.seq


def unread(uow: UnitOfWork, principal: Principal) -> dict[int, int]:
    """Unread messages per group of the reader: others' messages after their position."""
    if principal.person_id is None:
        return {}
    return MessageRepository(uow.session).unread_counts(principal.person_id)


def latest(uow: UnitOfWork, principal: Principal, group_ids: list[int]) -> dict[int, MessageView]:
    """The last message of each of these groups the reader belongs to, for a group list."""
    if principal.person_id is None:
        return {}
    mine = {g.id for g, _m in GroupRepository(uow.session).groups_of_person(principal.person_id)}
    rows = MessageRepository(uow.session).latest_of([g for g in group_ids if g in mine])
    settings = policy_versions.require_current(uow).policy.settings
    names = _names(uow, {m.sender_person_id for m in rows.values()}, settings)
    return {g: view(m, names) for g, m in rows.items()}


@dataclass(frozen=True)
class SearchQuery:
    text: str
    group_id: int | None = None
    sender_staff_no: str = ""
    since: datetime | None = None
    until: datetime | None = None
    category: str = ""
    limit: int = 50


def search(uow: UnitOfWork, principal: Principal, query: SearchQuery) -> list[MessageView]:
    """Messages of the groups the reader belongs to (or one of them) that contain the text."""
    if query.group_id is not None:
        group_ids = [access_group(uow, principal, query.group_id)[0].id]
    elif principal.person_id is not None:
        group_ids = [
            g.id for g, _m in GroupRepository(uow.session).groups_of_person(principal.person_id)
        ]
    else:
        group_ids = []
    sender_id = None
    if query.sender_staff_no:
        sender = DirectoryRepository(uow.session).person_by_staff_no(query.sender_staff_no)
        if sender is None:
            return []
        sender_id = sender.id
    rows = MessageRepository(uow.session).search(
        SearchFilter(
            group_ids,
            query.text,
            sender_id,
            query.since,
            query.until,
            query.category,
            max(1, min(query.limit, 200)),
        )
    )
    settings = policy_versions.require_current(uow).policy.settings
    names = _names(uow, {m.sender_person_id for m in rows}, settings)
    return [view(m, names) for m in rows]
