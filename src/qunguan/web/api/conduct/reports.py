"""Reports: file one (optionally anonymously), follow one's own or one by its receipt; the
security admin asks to reveal a confidential reporter, two leaders approve. No answer here
names a reporter except the approved reveal, to the one who asked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.conduct import reports
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["reports"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Security = Annotated[Principal, Depends(require(Permission.REVIEW_AGENCY))]
Approver = Annotated[Principal, Depends(require(Permission.REVEAL_APPROVE))]
Db = Annotated[Database, Depends(database)]


class ReportIn(BaseModel):
    target: str = Field(description="message, file or member", max_length=16)
    seq: int | None = Field(default=None, ge=1)
    staff_no: str = Field(default="", max_length=32)
    category: str = Field(default="conduct", max_length=24)
    reason: str = Field(min_length=1, max_length=2000)
    anonymous: bool = Field(default=False, description="store no identity at all")


class ReceiptIn(BaseModel):
    receipt: str = Field(min_length=8, max_length=100)


class RevealIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class RevealProgress(BaseModel):
    id: int
    approvals: int


@router.post("/groups/{group_id}/reports", status_code=201)
def file_report(group_id: int, body: ReportIn, db: Db, principal: Member) -> reports.Filed:
    """File a report. The receipt is shown this once: with it the report can be followed
    (an anonymous report can be followed in no other way)."""
    form = reports.ReportForm(
        body.target, body.reason, body.seq, body.staff_no, body.category, body.anonymous
    )
    with db.unit_of_work() as uow:
        return reports.file_report(uow, principal, group_id, form)


@router.get("/reports/mine")
def my_reports(db: Db, principal: Member) -> Items[reports.ReportView]:
    with db.reading() as uow:
        return Items(items=reports.mine(uow, principal))


@router.post("/reports/follow")
def follow(body: ReceiptIn, db: Db, _p: Member) -> reports.ReportView:
    with db.reading() as uow:
        return reports.by_receipt(uow, body.receipt)


@router.post("/reports/{report_id}/reveals", status_code=201)
def request_reveal(report_id: int, body: RevealIn, db: Db, principal: Security) -> RevealProgress:
    with db.unit_of_work() as uow:
        row = reports.request_reveal(uow, principal, report_id, body.reason)
        return RevealProgress(id=row.id, approvals=len(row.approvals))


@router.get("/reveals")
def reveals(db: Db, principal: Approver) -> Items[reports.RevealView]:
    with db.reading() as uow:
        return Items(items=reports.reveals(uow, principal))


@router.post("/reveals/{reveal_id}/approve")
def approve(reveal_id: int, db: Db, principal: Approver) -> RevealProgress:
    with db.unit_of_work() as uow:
        row = reports.approve_reveal(uow, principal, reveal_id)
        return RevealProgress(id=row.id, approvals=len(row.approvals))


@router.post("/reveals/{reveal_id}/identity")
def identity(reveal_id: int, db: Db, principal: Security) -> reports.Revealed:
    """The reporter, once two approvals are in; every reading is audited."""
    with db.unit_of_work() as uow:
        return reports.reveal(uow, principal, reveal_id)
