"""Acknowledgement is delivery (篇二 二.(二).4): a member's first tap, reply or bare "收到"
to a reply-required notice is recorded once, with its time, as the proof that the notice
reached them. The person is always the caller: nobody acknowledges for anyone else.

The message path asks here about replies and bare acknowledgements only, so ordinary
messages pay nothing for notices.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import Settings
from qunguan.policy.rules import notices as rules
from qunguan.services.access import access_notice_received
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Message
from qunguan.store.repositories.notices import NoticeRepository


@dataclass(frozen=True)
class Acknowledged:
    notice_id: int
    at: datetime
    first: bool  # False: it had been acknowledged already, at ``at``


def acknowledge(
    uow: UnitOfWork,
    principal: Principal,
    notice_id: int,
    *,
    how: str = "tap",
    message_id: int | None = None,
) -> Acknowledged:
    """The member's own acknowledgement: the first one counts and is kept; a second changes
    nothing. Nobody acknowledges for anyone else: the person is always the caller."""
    notice, group_id = access_notice_received(uow, principal, notice_id)
    repo = NoticeRepository(uow.session)
    if notice.status == "superseded":
        raise DomainError("notices.superseded", ErrorKind.CONFLICT)
    if not notice.reply_required:
        raise DomainError(
            "notices.no_reply_needed", ErrorKind.CONFLICT, clause_ids=rules.ABSORB_CLAUSES
        )
    now = uow.now()
    first = repo.acknowledge(
        {
            "notice_id": notice_id,
            "person_id": principal.person_id,
            "at": now,
            "how": how,
            "group_id": group_id,
            "message_id": message_id,
        }
    )
    if first:
        return Acknowledged(notice_id, now, True)
    existing = repo.acknowledgement(notice_id, principal.person_id or 0)
    assert existing is not None
    return Acknowledged(notice_id, existing.at, False)


def acknowledge_by_reply(
    uow: UnitOfWork, principal: Principal, notice_id: int, message_id: int
) -> None:
    """A posted reply to a reply-required notice acknowledges it (篇二 二.(二).4)."""
    # Not a recipient (joined after publication) or a superseded version: the reply
    # stands as an ordinary message and proves nothing about delivery.
    with suppress(DomainError):
        acknowledge(uow, principal, notice_id, how="reply", message_id=message_id)


def bare_reply(
    uow: UnitOfWork, principal: Principal, group_id: int, settings: Settings, reply_to: int | None
) -> rules.BareReply | None:
    """For the send path: what a bare "收到" in this group does (see ``rules.bare_reply``)."""
    if principal.person_id is None:
        return None
    live = NoticeRepository(uow.session).live_in_group(group_id, principal.person_id)
    if not live:
        return None
    return rules.bare_reply(
        settings,
        [
            rules.LiveNotice(n.notice_id, n.reply_required, n.acknowledged, n.message_seq)
            for n in live
        ],
        reply_to,
    )


def reply_target(message: Message) -> int | None:
    """The reply-required notice a message replies to, if it replies to one."""
    if message.kind != "notice" or not message.notice_ref:
        return None
    return int(message.notice_ref["id"]) if message.notice_ref.get("reply_required") else None
