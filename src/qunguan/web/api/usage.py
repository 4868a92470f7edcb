"""A group's month in figures (篇三 三.1.4), for its managers and the office."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorDetail
from qunguan.services import usage
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["groups"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


def parse_month(value: str) -> date:
    """``YYYY-MM`` as the month's first day."""
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise DomainError(
            "usage.month_invalid", details=[ErrorDetail("usage.month_invalid", field="month")]
        ) from None


@router.get("/groups/{group_id}/usage")
def group_usage(group_id: int, month: str, db: Db, principal: Member) -> usage.Usage:
    """Members active, messages, acknowledgement rate, median answer time, violations."""
    chosen = parse_month(month)
    with db.reading() as uow:
        return usage.report(uow, principal, group_id, chosen)
