"""The term-list page of the security admin: lists, import, export, entries, try a message."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.moderation import LIST_CATEGORIES
from qunguan.services import term_lists
from qunguan.services.uow import Database
from qunguan.web.api.directory import read_upload
from qunguan.web.api.term_lists import change_lists, run_import, try_text
from qunguan.web.deps import database, require, translator
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, db: Database, category: str, *, status: int = 200, **extra: Any
) -> Response:
    category = category if category in LIST_CATEGORIES else LIST_CATEGORIES[0]
    with db.reading() as uow:
        views = term_lists.lists(uow)
        entries = term_lists.entries(uow, category)
    context = {"lists": views, "category": category, "entries": entries, **extra}
    return render(request, "term_lists/index.html", context, status=status)


@router.get("/content")
def content_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    category: str = "",
    done: str = "",
) -> Response:
    return _page(request, db, category, done=done)


@router.post("/content/import")
async def import_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> Response:
    async with request.form() as form:  # closes the uploaded temporary file afterwards
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return _page(request, db, "", status=422, missing_file=True)
        filename = upload.filename
        try:
            data = await read_upload(request, upload)
            report = await run_in_threadpool(run_import, db, principal, filename, data)
        except DomainError as exc:
            error = error_with_citations(request, exc)
            return _page(
                request, db, "", status=STATUS_OF[exc.kind], import_error=error, filename=filename
            )
    t = translator(request)
    summary = "、".join(f"{t(f'content.category.{c}')} {n}" for c, n in report.categories.items())
    first = next(iter(report.categories), "")
    return _page(request, db, first, report=report, summary=summary)


@router.post("/content/entries")
def add_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    category: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    options: Annotated[str, Form()] = "",
) -> Response:
    actor = principal.actor()
    try:
        change_lists(db, lambda uow: term_lists.add_entry(uow, actor, category, text, options))
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _page(
            request, db, category, status=STATUS_OF[exc.kind], entry_error=error, text=text
        )
    return RedirectResponse(f"/content?category={category}&done=added", status_code=303)


@router.post("/content/entries/remove")
def remove_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    category: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
) -> Response:
    actor = principal.actor()
    try:
        change_lists(db, lambda uow: term_lists.remove_entry(uow, actor, category, text))
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _page(request, db, category, status=STATUS_OF[exc.kind], entry_error=error)
    return RedirectResponse(f"/content?category={category}&done=removed", status_code=303)


@router.post("/content/check")
def check_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    text: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
) -> Response:
    try:
        result = try_text(db, text, translator(request))
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _page(
            request, db, category, status=STATUS_OF[exc.kind], check_error=error, tried=text
        )
    return _page(request, db, category, result=result, tried=text)
