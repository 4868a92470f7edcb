"""A notice's ledger: who acknowledged and when, as JSON, xlsx and a PDF certificate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.notices import publishing as notices
from qunguan.services.notices import records as notice_records
from qunguan.services.uow import Database
from qunguan.web.api.encoding import files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notices"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class NoticeLedger(BaseModel):
    """Who has acknowledged a notice and when: counts per group and overall, one page of
    people."""

    notice: notices.NoticeView
    groups: list[notices.Tally]
    recipients: int
    acknowledged: int
    outstanding: int
    people: list[notices.LedgerRow] = Field(description="outstanding first")
    generated_at: datetime


@router.get("/notices/{notice_id}/ledger")
def ledger(
    notice_id: int,
    db: Db,
    principal: Member,
    group_id: int | None = None,
    status: Literal["", "acknowledged", "outstanding"] = "",
    offset: int = 0,
    limit: int = 200,
) -> NoticeLedger:
    """Who has acknowledged and when, who has not: counts per group and overall, and one
    page of people (outstanding first; ``limit=0``: the counts alone)."""
    with db.reading() as uow:
        found = notices.ledger(
            uow,
            principal,
            notice_id,
            group_id=group_id,
            status=status,
            offset=offset,
            limit=max(0, min(limit, 1000)),
        )
    return NoticeLedger(
        notice=found.notice,
        groups=found.groups,
        recipients=found.recipients,
        acknowledged=found.acknowledged,
        outstanding=found.recipients - found.acknowledged,
        people=found.rows,
        generated_at=found.generated_at,
    )


def _download(data: bytes, media: str, filename: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.get("/notices/{notice_id}/ledger.xlsx", response_class=Response, responses=files(XLSX))
def ledger_xlsx(notice_id: int, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        data = notice_records.ledger_xlsx(uow, principal, notice_id)
    return _download(data, XLSX, f"送达名单-{notice_id}.xlsx")


@router.get(
    "/notices/{notice_id}/certificate.pdf",
    response_class=Response,
    responses=files("application/pdf"),
)
def certificate(notice_id: int, db: Db, principal: Member) -> Response:
    """The delivery certificate: notice, hash, every acknowledgement with its time."""
    with db.unit_of_work() as uow:
        data = notice_records.certificate_pdf(uow, principal, notice_id)
    return _download(data, "application/pdf", f"通知送达证明-{notice_id}.pdf")
