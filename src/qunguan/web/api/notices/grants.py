"""Leaders' authorisations of departments to publish notices."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.notices import grants as notice_grants
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notices"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class GrantIn(BaseModel):
    department_id: int
    days: int = Field(ge=1, le=3650)
    reason: str = Field(min_length=1, max_length=2000)
    group_ids: list[int] | None = Field(default=None, description="None: every group")


class Granted(BaseModel):
    id: int
    ends_at: datetime


@router.get("/notice-grants")
def list_grants(db: Db, principal: Member) -> Items[notice_grants.GrantView]:
    with db.reading() as uow:
        return Items(items=notice_grants.grants(uow, principal))


@router.post("/notice-grants", status_code=201)
def grant(body: GrantIn, db: Db, principal: Member) -> Granted:
    """A leader authorises a department to publish notices, for some days."""
    with db.unit_of_work() as uow:
        row = notice_grants.grant(
            uow, principal, body.department_id, body.days, body.reason, body.group_ids
        )
        return Granted(id=row.id, ends_at=row.ends_at)


@router.post("/notice-grants/{grant_id}/revoke", status_code=204)
def revoke(grant_id: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        notice_grants.revoke_grant(uow, principal, grant_id)
