"""A group's announcement (群公告): read it, save a new version."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.groups import announcements
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["groups"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class AnnouncementIn(BaseModel):
    sections: dict[str, str] = Field(description="section name -> text")


@router.get("/groups/{group_id}/announcement")
def get_announcement(group_id: int, db: Db, principal: Member) -> announcements.AnnouncementView:
    with db.reading() as uow:
        return announcements.current(uow, principal, group_id)


@router.put("/groups/{group_id}/announcement")
def save_announcement(
    group_id: int, body: AnnouncementIn, db: Db, principal: Member
) -> announcements.AnnouncementView:
    """A new version of the group's announcement; the policy's sections must be filled."""
    with db.unit_of_work() as uow:
        announcements.save(uow, principal, group_id, body.sections)
        return announcements.current(uow, principal, group_id)
