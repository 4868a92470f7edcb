"""A member silencing a group's alerts (篇六 四.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.messages import alerts
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["messages"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class AlertsIn(BaseModel):
    muted: bool


class Alerts(BaseModel):
    group_id: int
    muted: bool


@router.put("/groups/{group_id}/alerts")
def set_alerts(group_id: int, body: AlertsIn, db: Db, principal: Member) -> Alerts:
    """Silence a group's alerts for oneself (urgent notices still alert, 篇六 四.1)."""
    with db.unit_of_work() as uow:
        alerts.set_muted(uow, principal, group_id, body.muted)
    return Alerts(group_id=group_id, muted=body.muted)
