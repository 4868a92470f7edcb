"""The audit trail, for the auditor: search, filter, export, verify."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.audit import AuditQuery
from qunguan.services import audit
from qunguan.services.audit import AuditRecordView
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


def record_json(rec: AuditRecordView) -> dict[str, Any]:
    return {**rec.__dict__, "at": rec.at.isoformat(timespec="seconds")}


def audit_query(
    actor: str = "",
    action: str = "",
    target: str = "",
    since: date | None = None,
    until: date | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditQuery:
    """Dates are whole days: ``until`` includes the day it names."""
    return AuditQuery(
        actor=actor.strip(),
        action=action.strip(),
        target=target.strip(),
        since=datetime.combine(since, datetime.min.time()) if since else None,
        until=datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None,
        limit=limit,
        offset=offset,
    )


@router.get("/records")
def search_records(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    query: Annotated[AuditQuery, Depends(audit_query)],
) -> dict[str, Any]:
    with db.reading() as uow:
        rows, total = audit.search(uow, query)
    return {"total": total, "items": [record_json(r) for r in rows]}


@router.get("/export")
def export_records(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    query: Annotated[AuditQuery, Depends(audit_query)],
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    with db.unit_of_work() as uow:
        data = audit.export(uow, principal.actor(), query, format)
    media = (
        "text/csv; charset=utf-8"
        if format == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename=audit.{format}"},
    )


@router.get("/verification")
def verify_chain(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
) -> dict[str, Any]:
    with db.reading() as uow:
        result = audit.verify(uow)
    return {
        "intact": result.broken is None,
        "checked": result.checked,
        "head_seq": result.head_seq,
        "broken": result.broken.__dict__ if result.broken else None,
    }
