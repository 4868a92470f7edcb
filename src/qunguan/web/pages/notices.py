"""Notice pages: my notices with one-tap acknowledgement, the composer, the publisher's
live ledger, leaders' approvals and authorisations, inquiries, the presence report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.notices import acknowledgements
from qunguan.services.notices import followup as notice_followup
from qunguan.services.notices import grants as notice_grants
from qunguan.services.notices import publishing as notices
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database, UnitOfWork
from qunguan.web.api.directory import read_upload
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Compliance = Annotated[Principal, Depends(require(Permission.COMPLIANCE))]
Db = Annotated[Database, Depends(database)]
LEDGER_PAGE = 200


@router.get("/notices")
def notices_page(request: Request, db: Db, principal: Member, done: str = "") -> Response:
    with db.reading() as uow:
        inbox = notices.inbox(uow, principal)
        published = notices.managed(uow, principal)
        tallies = {n.id: notices.tally(uow, n.id) for n in published[:50]}
        context = {
            "inbox": inbox,
            "published": published,
            "tallies": tallies,
            "awaiting": notices.awaiting_approval(uow, principal),
            "overdue": notice_followup.overdue_for_me(uow, principal),
            "may_publish": notice_grants.may_publish(uow, principal),
            "sees_all": notices.sees_every_notice(principal),
            "done": done,
        }
    return render(request, "notices/index.html", context)


def _composer(
    request: Request,
    db: Database,
    principal: Principal,
    *,
    status: int = 200,
    correcting: notices.NoticeView | None = None,
    **extra: Any,
) -> Response:
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        authority = notice_grants.authority_of(uow, principal)
        targets = notice_grants.targets(uow, principal)
    context = {
        "authority": authority,
        "groups": targets,
        "remind_default": settings.notices.remind_every_hours,
        "sensitive_asked": settings.notices.leader_approval_for_sensitive,
        "correcting": correcting,
        "form": extra.pop("form", {}),
        **extra,
    }
    return render(request, "notices/compose.html", context, status=status)


@router.get("/notices/new")
def compose_page(request: Request, db: Db, principal: Member) -> Response:
    return _composer(request, db, principal)


def _local_to_utc(value: str, zone: str) -> datetime | None:
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(
            "request.field_invalid", params={"field": "deadline", "reason": value}
        ) from None
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC).replace(tzinfo=None)


async def _draft_from_form(request: Request) -> tuple[notices.NoticeDraft, dict[str, Any]]:
    """The composer's form as a draft, and as it was filled in (to show it again)."""
    zone = request.app.state.settings.display_timezone
    async with request.form() as form:
        attachments = []
        for upload in form.getlist("attachments"):
            if isinstance(upload, UploadFile) and upload.filename:
                data = await read_upload(request, upload)
                attachments.append(notices.Attachment(upload.filename, data))
        title, body = str(form.get("title") or ""), str(form.get("body") or "")
        group_ids = [int(str(g)) for g in form.getlist("group_ids") if str(g).isdigit()]
        reply_required = form.get("reply_required") == "1"
        deadline, priority = str(form.get("deadline") or ""), str(form.get("priority") or "")
        sensitive, confirmed = form.get("sensitive") == "1", form.get("confirmed") == "1"
        remind = str(form.get("remind") or "")
    fields: dict[str, Any] = {
        "title": title,
        "body": body,
        "group_ids": group_ids,
        "reply_required": reply_required,
        "deadline": deadline,
        "priority": priority,
        "sensitive": sensitive,
        "remind": remind,
    }
    draft = notices.NoticeDraft(
        title,
        body,
        tuple(group_ids),
        reply_required,
        _local_to_utc(deadline, zone),
        priority or "normal",
        sensitive,
        int(remind) if remind.isdigit() else None,
        tuple(attachments),
        confirmed,
    )
    return draft, fields


async def _publish(
    db: Database, principal: Principal, draft: notices.NoticeDraft, corrects: int | None
) -> tuple[int, str]:
    """Through the group committer, as the API does (see ``api.notices._published``)."""

    def work(uow: UnitOfWork) -> tuple[int, str]:
        row = notices.publish(uow, principal, draft, corrects=corrects)
        return row.id, row.status

    return await db.batched_async(work)


@router.post("/notices/new")
async def compose_submit(request: Request, db: Db, principal: Member) -> Response:
    fields: dict[str, Any] = {}
    try:
        draft, fields = await _draft_from_form(request)
        notice_id, status = await _publish(db, principal, draft, None)
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _composer(
            request, db, principal, status=STATUS_OF[exc.kind], error=error, form=fields
        )
    if status == "pending_approval":
        return RedirectResponse("/notices?done=submitted", status_code=303)
    return RedirectResponse(f"/notices/{notice_id}/ledger?done=published", status_code=303)


@router.get("/notices/grants")
def grants_page(request: Request, db: Db, principal: Member, done: str = "") -> Response:
    return render(request, "notices/grants.html", _grants_context(db, principal, done=done))


def _grants_context(db: Database, principal: Principal, **extra: Any) -> dict[str, Any]:
    with db.reading() as uow:
        return {
            "grants": notice_grants.grants(uow, principal),
            "departments": notice_grants.departments(uow),
            "groups": notice_grants.targets(uow, principal),
            **extra,
        }


@router.post("/notices/grants")
def grant_submit(
    request: Request,
    db: Db,
    principal: Member,
    department_id: Annotated[int, Form()],
    days: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
    group_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    try:
        with db.unit_of_work() as uow:
            notice_grants.grant(uow, principal, department_id, days, reason, group_ids or None)
    except DomainError as exc:
        context = _grants_context(db, principal, error=error_with_citations(request, exc))
        return render(request, "notices/grants.html", context, status=STATUS_OF[exc.kind])
    return RedirectResponse("/notices/grants?done=granted", status_code=303)


@router.post("/notices/grants/{grant_id}/revoke")
def revoke_submit(grant_id: int, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        notice_grants.revoke_grant(uow, principal, grant_id)
    return RedirectResponse("/notices/grants?done=revoked", status_code=303)


@router.get("/notices/{notice_id}")
def notice_page(
    notice_id: int, request: Request, db: Db, principal: Member, done: str = ""
) -> Response:
    with db.reading() as uow:
        found = notices.notice(uow, principal, notice_id)
        recipient = notices.is_recipient(uow, principal, notice_id)
    context = {"n": found, "recipient": recipient, "done": done}
    return render(request, "notices/detail.html", context)


@router.post("/notices/{notice_id}/ack")
def ack_submit(notice_id: int, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        acknowledgements.acknowledge(uow, principal, notice_id)
    return RedirectResponse(f"/notices/{notice_id}?done=acknowledged", status_code=303)


@router.post("/notices/{notice_id}/decision")
def decision_submit(
    notice_id: int,
    db: Db,
    principal: Member,
    approve: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    with db.unit_of_work() as uow:
        notices.decide(uow, principal, notice_id, approve == "1", note)
    return RedirectResponse("/notices?done=decided", status_code=303)


@router.post("/notices/{notice_id}/unpin")
def unpin_submit(notice_id: int, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        notices.unpin(uow, principal, notice_id)
    return RedirectResponse(f"/notices/{notice_id}/ledger?done=unpinned", status_code=303)


@router.get("/notices/{notice_id}/correct")
def correct_page(notice_id: int, request: Request, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        found = notices.notice(uow, principal, notice_id)
    form = {
        "title": found.title,
        "body": found.body,
        "group_ids": found.group_ids,
        "reply_required": found.reply_required,
        "priority": found.priority,
    }
    return _composer(request, db, principal, correcting=found, form=form)


@router.post("/notices/{notice_id}/correct")
async def correct_submit(notice_id: int, request: Request, db: Db, principal: Member) -> Response:
    fields: dict[str, Any] = {}
    try:
        draft, fields = await _draft_from_form(request)
        new_id, status = await _publish(db, principal, draft, notice_id)
    except DomainError as exc:
        with db.reading() as uow:
            found = notices.notice(uow, principal, notice_id)
        error = error_with_citations(request, exc)
        return _composer(
            request,
            db,
            principal,
            status=STATUS_OF[exc.kind],
            correcting=found,
            error=error,
            form=fields,
        )
    if status == "pending_approval":
        return RedirectResponse("/notices?done=submitted", status_code=303)
    return RedirectResponse(f"/notices/{new_id}/ledger?done=published", status_code=303)


@router.get("/notices/{notice_id}/ledger")
def ledger_page(
    notice_id: int,
    request: Request,
    db: Db,
    principal: Member,
    group_id: int | None = None,
    status: str = "",
    done: str = "",
) -> Response:
    status = status if status in ("acknowledged", "outstanding") else ""
    with db.reading() as uow:
        found = notices.ledger(
            uow, principal, notice_id, group_id=group_id, status=status, limit=LEDGER_PAGE
        )
    context = {
        "ledger": found,
        "n": found.notice,
        "group_id": group_id,
        "status": status,
        "done": done,
        "page_size": LEDGER_PAGE,
    }
    return render(request, "notices/ledger.html", context)
