"""The message contract: one typed view of a message, built here and nowhere else, and the
live events that carry it.

``MessageView`` is what every answer and every live event says of a message: the send
path's answer, history, resync, search, an admin's removal, a notice card. The API declares
it as its response model, so the OpenAPI document describes what clients really get.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from qunguan.domain.events import LiveEvent
from qunguan.policy.document import ContentAction
from qunguan.store.models import Message

# A message whose place stays but whose text does not.
TEXT_GONE = ("recalled", "removed")


class SenderView(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_id: int | None
    name: str


class MessageView(BaseModel):
    """A message as clients see it. A recalled or removed message keeps its place, not its
    text; an admin's removal or redaction is named, with its clauses (``moderation``)."""

    model_config = ConfigDict(frozen=True)

    id: int
    group_id: int
    seq: int | None
    client_id: str | None
    sender: SenderView
    kind: str
    body: str
    reply_to_seq: int | None
    mentions: list[int]
    file: dict[str, Any] | None
    category: str
    tags: list[str]
    status: str
    created_at: datetime
    edited_at: datetime | None
    pinned: bool
    warning: bool
    notice: dict[str, Any] | None
    moderation: dict[str, Any] | None

    @cached_property
    def wire(self) -> dict[str, Any]:
        """The JSON of the view, as the stream and the API send it: made once per view,
        though a sent message is both announced and answered."""
        return self.model_dump(mode="json")


def message_view(message: Message | Mapping[str, Any], sender_name: str) -> MessageView:
    """The one builder of a ``MessageView``: from a loaded row, or from the column values
    the send path has just inserted (so a fresh message is not read back)."""
    if isinstance(message, Mapping):
        values: Mapping[str, Any] = message
    else:
        values = {c: getattr(message, c) for c in _COLUMNS}
    verdict = values.get("verdict") or {}
    admin = verdict.get("admin")
    return MessageView(
        id=values["id"],
        group_id=values["group_id"],
        seq=values["seq"],
        client_id=values["client_id"],
        sender=SenderView(person_id=values["sender_person_id"], name=sender_name),
        kind=values["kind"],
        body="" if values["status"] in TEXT_GONE else values["body"],
        reply_to_seq=values["reply_to_seq"],
        mentions=list(values.get("mentions") or []),
        file=values.get("file_ref"),
        category=values.get("category") or "",
        tags=list(values.get("tags") or []),
        status=values["status"],
        created_at=values["created_at"],
        edited_at=values.get("edited_at"),
        pinned=values.get("pinned_at") is not None,
        warning=verdict.get("action") == ContentAction.WARN.value,
        notice=values.get("notice_ref"),
        moderation=dict(admin) if isinstance(admin, dict) else None,
    )


_COLUMNS = (
    "id",
    "group_id",
    "seq",
    "client_id",
    "sender_person_id",
    "kind",
    "body",
    "reply_to_seq",
    "mentions",
    "file_ref",
    "category",
    "tags",
    "status",
    "created_at",
    "edited_at",
    "pinned_at",
    "verdict",
    "notice_ref",
)


# Live events of a conversation ------------------------------------------------------------


def message_event(view: MessageView) -> LiveEvent:
    """A new message, for everyone connected to its group."""
    return LiveEvent("message", view.group_id, view.wire)


def edit_event(view: MessageView) -> LiveEvent:
    """A message changed in place: edited, categorised, removed or redacted."""
    return LiveEvent("edit", view.group_id, view.wire)


def recall_event(group_id: int, seq: int) -> LiveEvent:
    return LiveEvent("recall", group_id, {"seq": seq})


def pin_event(group_id: int, seq: int, pinned: bool) -> LiveEvent:
    return LiveEvent("pin", group_id, {"seq": seq, "pinned": pinned})


def thread_closed_event(group_id: int, seq: int) -> LiveEvent:
    return LiveEvent("thread_closed", group_id, {"seq": seq})
