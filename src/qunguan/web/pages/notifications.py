"""Notifications (提醒): what the services told a person, with where to act."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services import notifications
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.get("/notifications")
def notifications_page(request: Request, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        items = notifications.recent(uow, principal)
    return render(request, "notifications/index.html", {"items": items})


@router.post("/notifications/read")
def notifications_read(db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        notifications.mark_all_read(uow, principal)
    return RedirectResponse("/notifications", status_code=303)
