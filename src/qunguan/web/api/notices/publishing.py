"""Notices: publish (or submit for approval), read, correct, approve, unpin; attachments."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.notices import followup as notice_followup
from qunguan.services.notices import grants as notice_grants
from qunguan.services.notices import publishing as notices
from qunguan.services.uow import Database, UnitOfWork
from qunguan.web.api.encoding import Items, files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notices"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Compliance = Annotated[Principal, Depends(require(Permission.COMPLIANCE))]
Db = Annotated[Database, Depends(database)]


class AttachmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    content_base64: str = Field(max_length=90_000_000)


class NoticeIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    group_ids: list[int] = Field(min_length=1, max_length=50)
    reply_required: bool = True
    deadline: datetime | None = Field(default=None, description="UTC")
    priority: Literal["normal", "urgent"] = "normal"
    sensitive: bool = Field(default=False, description="needs a leader's approval where asked")
    remind_every_hours: int | None = Field(default=None, ge=1, le=720)
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=5)
    confirmed: bool = False


class DecisionIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class NoticesOverview(BaseModel):
    inbox: list[notices.NoticeView] = Field(description="my notices, with my acknowledgement")
    outstanding: int = Field(description="how many of them I have still to acknowledge")
    may_publish: bool
    published: list[notices.NoticeView] = Field(description="the notices I manage")
    awaiting_approval: list[notices.NoticeView]


class Overdue(BaseModel):
    notice: notices.NoticeView
    outstanding: list[notices.LedgerRow] = Field(description="who has still not acknowledged")


def _naive_utc(at: datetime) -> datetime:
    """A deadline as stored: UTC without a zone (a zone-less one is taken as UTC)."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def draft_of(body: NoticeIn) -> notices.NoticeDraft:
    attachments = []
    for a in body.attachments:
        try:
            data = base64.b64decode(a.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError("notices.attachment_unreadable", params={"name": a.name}) from None
        attachments.append(notices.Attachment(a.name, data))
    return notices.NoticeDraft(
        body.title,
        body.body,
        tuple(body.group_ids),
        body.reply_required,
        _naive_utc(body.deadline) if body.deadline else None,
        body.priority,
        body.sensitive,
        body.remind_every_hours,
        tuple(attachments),
        body.confirmed,
    )


@router.get("/notices")
def overview(db: Db, principal: Member) -> NoticesOverview:
    """My notices (with my acknowledgement), what I publish, what awaits my approval."""
    with db.reading() as uow:
        return NoticesOverview(
            inbox=notices.inbox(uow, principal),
            outstanding=notices.outstanding_count(uow, principal),
            may_publish=notice_grants.may_publish(uow, principal),
            published=notices.managed(uow, principal),
            awaiting_approval=notices.awaiting_approval(uow, principal),
        )


@router.post("/notices", status_code=201)
async def publish(body: NoticeIn, db: Db, principal: Member) -> notices.NoticeView:
    """Publish (or, where a leader must approve a sensitive notice, submit) a notice."""
    draft = draft_of(body)
    return await db.batched_async(lambda uow: _published(uow, principal, draft, None))


def _published(
    uow: UnitOfWork, principal: Principal, draft: notices.NoticeDraft, corrects: int | None
) -> notices.NoticeView:
    """Publication takes the target groups' sequence numbers, as sends do: it goes through
    the same group committer, so the two never lock groups in opposite orders."""
    row = notices.publish(uow, principal, draft, corrects=corrects)
    return notices.notice(uow, principal, row.id)


@router.get("/notices/overdue")
def overdue(db: Db, principal: Member) -> Items[Overdue]:
    """Past their deadline, still outstanding: for the publisher and department heads."""
    with db.reading() as uow:
        return Items(
            items=[
                Overdue(notice=o.notice, outstanding=o.people)
                for o in notice_followup.overdue_for_me(uow, principal)
            ]
        )


@router.get("/notices/{notice_id}")
def get_notice(notice_id: int, db: Db, principal: Member) -> notices.NoticeView:
    with db.reading() as uow:
        return notices.notice(uow, principal, notice_id)


@router.patch("/notices/{notice_id}")
def edit_notice(notice_id: int, db: Db, principal: Member) -> None:
    """Always refused: a published notice is corrected by a new version (篇二 三.1)."""
    with db.reading() as uow:
        notices.refuse_edit(uow, principal, notice_id)


@router.post("/notices/{notice_id}/corrections", status_code=201)
async def correct(notice_id: int, body: NoticeIn, db: Db, principal: Member) -> notices.NoticeView:
    """A new version that replaces the notice; everyone is asked to acknowledge again."""
    draft = draft_of(body)
    return await db.batched_async(lambda uow: _published(uow, principal, draft, notice_id))


@router.post("/notices/{notice_id}/decision")
def decide(notice_id: int, body: DecisionIn, db: Db, principal: Member) -> notices.NoticeView:
    with db.unit_of_work() as uow:
        row = notices.decide(uow, principal, notice_id, body.approve, body.note)
        return notices.notice(uow, principal, row.id)


@router.post("/notices/{notice_id}/unpin", status_code=204)
def unpin(notice_id: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notices.unpin(uow, principal, notice_id)


def _download(data: bytes, media: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get(
    "/notices/{notice_id}/attachments/{attachment_id}",
    response_class=Response,
    responses=files("application/octet-stream"),
)
def attachment(notice_id: int, attachment_id: int, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        found = notices.attachment(uow, principal, notice_id, attachment_id)
        return _download(found.content, "application/octet-stream", found.name)
