"""``post``: the one way a message comes into a group.

Every kind of message goes through it: a member's chat message (after the send path's
checks: membership, restrictions, rate, kind, the content engine), an official notice's
card (after the notice's own checks when it was drafted: the title, the body and every
attachment through the content engine), a public criticism (text the policy writes, about a
sanction already decided). Each gets its sequence number, its row and its live event the
same way, and is shown by the same ``MessageView``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from qunguan.services.messages.views import MessageView, message_event, message_view
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.messages import MessageRepository


@dataclass(frozen=True)
class NewMessage:
    """A message about to be stored, its checks done."""

    group_id: int
    sender_person_id: int | None
    sender_user_id: int
    sender_name: str
    client_id: str
    body: str
    kind: str = "text"
    reply_to_seq: int | None = None
    mentions: tuple[int, ...] = ()
    file_ref: dict[str, Any] | None = None
    substantive: bool = True
    # Held for review: no sequence number, and nobody hears of it until it is released.
    held: bool = False
    verdict: dict[str, Any] | None = None
    # Pinned as it is posted (a notice card), by this account.
    pinned_by: int | None = None
    notice_ref: dict[str, Any] | None = field(default=None)


def post(uow: UnitOfWork, new: NewMessage, now: datetime) -> MessageView:
    """Store the message (one update takes the group's next number, one insert stores it)
    and announce it to the group after commit. Returns the view every answer shows."""
    repo = MessageRepository(uow.session)
    values: dict[str, Any] = {
        "group_id": new.group_id,
        "seq": None if new.held else repo.next_seq(new.group_id),
        "sender_person_id": new.sender_person_id,
        "sender_user_id": new.sender_user_id,
        "client_id": new.client_id,
        "kind": new.kind,
        "body": new.body,
        "reply_to_seq": new.reply_to_seq,
        "mentions": list(new.mentions),
        "file_ref": new.file_ref,
        "category": "",
        "tags": [],
        "status": "held" if new.held else "visible",
        "substantive": new.substantive,
        "verdict": new.verdict,
        "created_at": now,
    }
    if new.pinned_by is not None:
        values["pinned_at"], values["pinned_by"] = now, new.pinned_by
    if new.notice_ref is not None:
        values["notice_ref"] = new.notice_ref
    values["id"] = repo.insert_message(values)
    view = message_view(values, new.sender_name)
    if not new.held:
        uow.publish(message_event(view))
    return view
