"""Notifications (提醒): what the services told a person."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services import notifications
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class Notifications(BaseModel):
    unread: int
    items: list[notifications.NotificationView]


@router.get("/notifications")
def my_notifications(db: Db, principal: Member) -> Notifications:
    """What the system told me (reminders, overdue reports, invitations…), newest first."""
    with db.reading() as uow:
        return Notifications(
            unread=notifications.unread_count(uow, principal),
            items=notifications.recent(uow, principal),
        )


@router.post("/notifications/read", status_code=204)
def read_notifications(db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notifications.mark_all_read(uow, principal)
