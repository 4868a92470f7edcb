"""The audit trail, for the auditor: search, filter, export, verify."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.audit import AuditQuery, Break
from qunguan.services import audit
from qunguan.services.audit import AuditRecordView
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Counted, files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

# The trail's times to the second, as the exports write them.
Seconds = Annotated[
    datetime,
    PlainSerializer(lambda at: at.isoformat(timespec="seconds"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class AuditRecord(BaseModel):
    """One record of the trail (``AuditRecordView``), its time to the second."""

    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: Seconds
    actor_username: str
    actor_roles: str
    action: str
    target_type: str
    target_id: str
    summary: dict[str, Any]
    client_addr: str
    hash: str


class Verification(BaseModel):
    intact: bool
    checked: int
    head_seq: int
    broken: Break | None


def record_json(rec: AuditRecordView) -> AuditRecord:
    return AuditRecord.model_validate(rec)


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
) -> Counted[AuditRecord]:
    with db.reading() as uow:
        rows, total = audit.search(uow, query)
    return Counted(total=total, items=[record_json(r) for r in rows])


@router.get("/export", response_class=Response, responses=files(XLSX, CSV))
def export_records(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    query: Annotated[AuditQuery, Depends(audit_query)],
    format: Literal["xlsx", "csv"] = "xlsx",
) -> Response:
    with db.unit_of_work() as uow:
        data = audit.export(uow, principal.actor(), query, format)
    return Response(
        data,
        media_type=CSV if format == "csv" else XLSX,
        headers={"Content-Disposition": f"attachment; filename=audit.{format}"},
    )


@router.get("/verification")
def verify_chain(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
) -> Verification:
    with db.reading() as uow:
        result = audit.verify(uow)
    return Verification(
        intact=result.broken is None,
        checked=result.checked,
        head_seq=result.head_seq,
        broken=result.broken,
    )
