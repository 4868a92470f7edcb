"""Online time (在线时长) per person on a workday: a report for the office and leaders."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services import online_time
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["online_time"])
Compliance = Annotated[Principal, Depends(require(Permission.COMPLIANCE))]
Db = Annotated[Database, Depends(database)]


class OnlineTime(BaseModel):
    day: date
    workday: bool
    threshold_minutes: int
    workday_minutes: int
    items: list[online_time.OnlineTimeRow] = Field(description="one per person")


@router.get("/presence")
def online_time_report(db: Db, _p: Compliance, day: date | None = None) -> OnlineTime:
    """Online working time per person on a workday, and who fell short (report only)."""
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        chosen = day or online_time.last_workday(settings, db.clock.now().date())
        found = online_time.report(uow, chosen)
    return OnlineTime(
        day=found.day,
        workday=found.workday,
        threshold_minutes=found.threshold_minutes,
        workday_minutes=found.workday_minutes,
        items=found.rows,
    )
