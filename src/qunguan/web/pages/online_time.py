"""Online time (在线时长) per person on a workday, for the office and leaders."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services import online_time
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.pages.rendering import local_today, render

router = APIRouter(include_in_schema=False)
Compliance = Annotated[Principal, Depends(require(Permission.COMPLIANCE))]
Db = Annotated[Database, Depends(database)]


@router.get("/presence")
def online_time_page(request: Request, db: Db, _p: Compliance, day: str = "") -> Response:
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        if not online_time.tracking(settings):
            return render(request, "online_time/index.html", {"off": True})
        chosen = _day(day) or online_time.last_workday(settings, local_today(request))
        found = online_time.report(uow, chosen)
    hours = settings.presence.min_online_hours_per_workday
    context = {"report": found, "hours": hours, "short": sum(1 for r in found.rows if r.short)}
    return render(request, "online_time/index.html", context)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
