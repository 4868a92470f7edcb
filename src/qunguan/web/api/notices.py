"""Notices: publish, correct, approve, acknowledge, the ledger and its certificate;
the leaders' authorisations; group announcements and alerts; inquiries and questions;
the presence report."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.services import (
    acknowledgements,
    alerts,
    announcements,
    inquiries,
    notice_followup,
    notice_grants,
    notice_records,
    notices,
    notifications,
    policy_admin,
    presence,
)
from qunguan.services.uow import Database, UnitOfWork
from qunguan.web.api.groups import plain
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notices"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Compliance = Annotated[Principal, Depends(require(Permission.COMPLIANCE))]
Db = Annotated[Database, Depends(database)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


class AnnouncementIn(BaseModel):
    sections: dict[str, str] = Field(description="section name -> text")


class AlertsIn(BaseModel):
    muted: bool


class GrantIn(BaseModel):
    department_id: int
    days: int = Field(ge=1, le=3650)
    reason: str = Field(min_length=1, max_length=2000)
    group_ids: list[int] | None = Field(default=None, description="None: every group")


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


def notice_json(view: notices.NoticeView) -> dict[str, Any]:
    return plain(view)


@router.get("/notices")
def overview(db: Db, principal: Member) -> dict[str, Any]:
    """My notices (with my acknowledgement), what I publish, what awaits my approval."""
    with db.reading() as uow:
        return {
            "inbox": [notice_json(n) for n in notices.inbox(uow, principal)],
            "outstanding": notices.outstanding_count(uow, principal),
            "may_publish": notice_grants.may_publish(uow, principal),
            "published": [notice_json(n) for n in notices.managed(uow, principal)],
            "awaiting_approval": [
                notice_json(n) for n in notices.awaiting_approval(uow, principal)
            ],
        }


@router.post("/notices", status_code=201)
async def publish(body: NoticeIn, db: Db, principal: Member) -> dict[str, Any]:
    """Publish (or, where a leader must approve a sensitive notice, submit) a notice."""
    draft = draft_of(body)
    return await db.batched_async(lambda uow: _published(uow, principal, draft, None))


def _published(
    uow: UnitOfWork, principal: Principal, draft: notices.NoticeDraft, corrects: int | None
) -> dict[str, Any]:
    """Publication takes the target groups' sequence numbers, as sends do: it goes through
    the same group committer, so the two never lock groups in opposite orders."""
    row = notices.publish(uow, principal, draft, corrects=corrects)
    return notice_json(notices.notice(uow, principal, row.id))


@router.get("/notices/overdue")
def overdue(db: Db, principal: Member) -> dict[str, Any]:
    """Past their deadline, still outstanding: for the publisher and department heads."""
    with db.reading() as uow:
        return {
            "items": [
                {"notice": notice_json(o.notice), "outstanding": [plain(r) for r in o.people]}
                for o in notice_followup.overdue_for_me(uow, principal)
            ]
        }


@router.get("/notices/{notice_id}")
def get_notice(notice_id: int, db: Db, principal: Member) -> dict[str, Any]:
    with db.reading() as uow:
        return notice_json(notices.notice(uow, principal, notice_id))


@router.patch("/notices/{notice_id}")
def edit_notice(notice_id: int, db: Db, principal: Member) -> None:
    """Always refused: a published notice is corrected by a new version (篇二 三.1)."""
    with db.reading() as uow:
        notices.refuse_edit(uow, principal, notice_id)


@router.post("/notices/{notice_id}/corrections", status_code=201)
async def correct(notice_id: int, body: NoticeIn, db: Db, principal: Member) -> dict[str, Any]:
    """A new version that replaces the notice; everyone is asked to acknowledge again."""
    draft = draft_of(body)
    return await db.batched_async(lambda uow: _published(uow, principal, draft, notice_id))


@router.post("/notices/{notice_id}/decision")
def decide(notice_id: int, body: DecisionIn, db: Db, principal: Member) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        row = notices.decide(uow, principal, notice_id, body.approve, body.note)
        return notice_json(notices.notice(uow, principal, row.id))


@router.post("/notices/{notice_id}/ack")
async def acknowledge(notice_id: int, db: Db, principal: Member) -> dict[str, Any]:
    """My acknowledgement, the proof of delivery: the first counts, a repeat changes
    nothing. There is no way to acknowledge for someone else."""
    # Group commit, as for messages: a whole group acknowledging at once shares commits.
    ack = await db.batched_async(
        lambda uow: acknowledgements.acknowledge(uow, principal, notice_id)
    )
    return {"notice_id": ack.notice_id, "at": ack.at.isoformat(), "first": ack.first}


@router.post("/notices/{notice_id}/unpin", status_code=204)
def unpin(notice_id: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notices.unpin(uow, principal, notice_id)


@router.get("/notices/{notice_id}/ledger")
def ledger(
    notice_id: int,
    db: Db,
    principal: Member,
    group_id: int | None = None,
    status: Literal["", "acknowledged", "outstanding"] = "",
    offset: int = 0,
    limit: int = 200,
) -> dict[str, Any]:
    """Who has acknowledged and when, who has not: counts per group and overall, and one
    page of people (outstanding first; ``limit=0``: the counts alone)."""
    with db.reading() as uow:
        found = notices.ledger(
            uow,
            principal,
            notice_id,
            group_id=group_id,
            status=status,
            offset=offset,
            limit=max(0, min(limit, 1000)),
        )
    return {
        "notice": notice_json(found.notice),
        "groups": [plain(t) for t in found.groups],
        "recipients": found.recipients,
        "acknowledged": found.acknowledged,
        "outstanding": found.recipients - found.acknowledged,
        "people": [plain(r) for r in found.rows],
        "generated_at": found.generated_at.isoformat(),
    }


def _download(data: bytes, media: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/notices/{notice_id}/ledger.xlsx")
def ledger_xlsx(notice_id: int, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        data = notice_records.ledger_xlsx(uow, principal, notice_id)
    return _download(data, XLSX, f"送达名单-{notice_id}.xlsx")


@router.get("/notices/{notice_id}/certificate.pdf")
def certificate(notice_id: int, db: Db, principal: Member) -> Response:
    """The delivery certificate: notice, hash, every acknowledgement with its time."""
    with db.unit_of_work() as uow:
        data = notice_records.certificate_pdf(uow, principal, notice_id)
    return _download(data, "application/pdf", f"通知送达证明-{notice_id}.pdf")


@router.get("/notices/{notice_id}/attachments/{attachment_id}")
def attachment(notice_id: int, attachment_id: int, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        found = notices.attachment(uow, principal, notice_id, attachment_id)
        return _download(found.content, "application/octet-stream", found.name)


@router.get("/groups/{group_id}/announcement")
def get_announcement(group_id: int, db: Db, principal: Member) -> dict[str, Any]:
    with db.reading() as uow:
        return plain(announcements.current(uow, principal, group_id))


@router.put("/groups/{group_id}/announcement")
def save_announcement(
    group_id: int, body: AnnouncementIn, db: Db, principal: Member
) -> dict[str, Any]:
    """A new version of the group's announcement; the policy's sections must be filled."""
    with db.unit_of_work() as uow:
        announcements.save(uow, principal, group_id, body.sections)
        return plain(announcements.current(uow, principal, group_id))


@router.put("/groups/{group_id}/alerts")
def set_alerts(group_id: int, body: AlertsIn, db: Db, principal: Member) -> dict[str, Any]:
    """Silence a group's alerts for oneself (urgent notices still alert, 篇六 四.1)."""
    with db.unit_of_work() as uow:
        alerts.set_muted(uow, principal, group_id, body.muted)
    return {"group_id": group_id, "muted": body.muted}


@router.get("/notifications")
def my_notifications(db: Db, principal: Member) -> dict[str, Any]:
    """What the system told me (reminders, overdue reports, invitations…), newest first."""
    with db.reading() as uow:
        return {
            "unread": notifications.unread_count(uow, principal),
            "items": [plain(n) for n in notifications.recent(uow, principal)],
        }


@router.post("/notifications/read", status_code=204)
def read_notifications(db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notifications.mark_all_read(uow, principal)


@router.get("/notice-grants")
def list_grants(db: Db, principal: Member) -> dict[str, Any]:
    with db.reading() as uow:
        return {"items": [plain(g) for g in notice_grants.grants(uow, principal)]}


@router.post("/notice-grants", status_code=201)
def grant(body: GrantIn, db: Db, principal: Member) -> dict[str, Any]:
    """A leader authorises a department to publish notices, for some days."""
    with db.unit_of_work() as uow:
        row = notice_grants.grant(
            uow, principal, body.department_id, body.days, body.reason, body.group_ids
        )
        return {"id": row.id, "ends_at": row.ends_at.isoformat()}


@router.post("/notice-grants/{grant_id}/revoke", status_code=204)
def revoke(grant_id: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notice_grants.revoke_grant(uow, principal, grant_id)


@router.get("/groups/{group_id}/inquiries")
def group_inquiries(
    group_id: int, db: Db, principal: Member, overdue: bool = False
) -> dict[str, Any]:
    """Time to first response per person for the group's inquiries and questions."""
    with db.reading() as uow:
        settings = policy_admin.require_current(uow).policy.settings
        rows = inquiries.report(uow, principal, settings, group_id, only_overdue=overdue)
    return {"items": [plain(r) for r in rows]}


@router.get("/groups/{group_id}/questions")
def open_questions(group_id: int, db: Db, principal: Member) -> dict[str, Any]:
    with db.reading() as uow:
        return {"items": [plain(r) for r in inquiries.open_questions(uow, principal, group_id)]}


@router.get("/inquiries/mine")
def my_inquiries(db: Db, principal: Member) -> dict[str, Any]:
    """What waits for my answer."""
    with db.reading() as uow:
        settings = policy_admin.require_current(uow).policy.settings
        return {"items": [plain(r) for r in inquiries.waiting_on_me(uow, principal, settings)]}


@router.get("/presence")
def presence_report(db: Db, principal: Compliance, day: date | None = None) -> dict[str, Any]:
    """Online working time per person on a workday, and who fell short (report only)."""
    with db.reading() as uow:
        settings = policy_admin.require_current(uow).policy.settings
        chosen = day or presence.last_workday(settings, utcnow().date())
        found = presence.report(uow, principal, chosen)
    return {
        "day": found.day.isoformat(),
        "workday": found.workday,
        "threshold_minutes": found.threshold_minutes,
        "workday_minutes": found.workday_minutes,
        "items": [plain(r) for r in found.rows],
    }
