"""A group's month in figures for its admins (篇三 三.1.4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services import usage
from qunguan.services.uow import Database
from qunguan.web.api.usage import parse_month
from qunguan.web.deps import database, require
from qunguan.web.pages.rendering import local_today, render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.get("/usage/{group_id}")
def usage_page(
    group_id: int, request: Request, db: Db, principal: Member, month: str = ""
) -> Response:
    chosen = parse_month(month) if month else local_today(request).replace(day=1)
    with db.reading() as uow:
        figures = usage.report(uow, principal, group_id, chosen)
    return render(request, "usage/index.html", {"u": figures})
