"""A group's announcement (群公告): the page and saving a new version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.groups import announcements
from qunguan.services.groups import lifecycle as groups
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.get("/announcements/{group_id}")
def announcement_page(
    group_id: int, request: Request, db: Db, principal: Member, done: str = ""
) -> Response:
    with db.reading() as uow:
        found = announcements.current(uow, principal, group_id)
        group = groups.group_view(uow, principal, group_id)
    context = {"a": found, "group": group, "done": done, "form": found.sections}
    return render(request, "groups/announcement.html", context)


@router.post("/announcements/{group_id}")
async def announcement_submit(
    group_id: int, request: Request, db: Db, principal: Member
) -> Response:
    async with request.form() as form:
        names = [str(n) for n in form.getlist("section_name")]
        texts = [str(t) for t in form.getlist("section_text")]
    sections = dict(zip(names, texts, strict=False))
    try:
        with db.unit_of_work() as uow:
            announcements.save(uow, principal, group_id, sections)
    except DomainError as exc:
        with db.reading() as uow:
            found = announcements.current(uow, principal, group_id)
            group = groups.group_view(uow, principal, group_id)
        context = {
            "a": found,
            "group": group,
            "form": sections,
            "error": error_with_citations(request, exc),
        }
        return render(request, "groups/announcement.html", context, status=STATUS_OF[exc.kind])
    return RedirectResponse(f"/announcements/{group_id}?done=saved", status_code=303)
