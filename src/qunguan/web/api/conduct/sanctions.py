"""Violations, the ladder's proposal, sanctions, one's own record, appeals, the case file
and the group's transparency counts (no names)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.policy.document import SanctionStep
from qunguan.services.conduct import sanctions
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["sanctions"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ViolationIn(BaseModel):
    seq: int | None = Field(default=None, ge=1)
    staff_no: str = Field(default="", max_length=32)
    clauses: list[str] = Field(default_factory=list, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)


class SanctionIn(BaseModel):
    step: str = Field(
        description="warning, mute, suspension, removal, public_criticism, escalation"
    )
    reason: str = Field(default="", max_length=2000)
    hours: float | None = Field(default=None, gt=0, le=720)


class AppealIn(BaseModel):
    statement: str = Field(min_length=1, max_length=2000)


class ViolationRecorded(BaseModel):
    id: int
    clauses: list[str]
    proposal: SanctionStep = Field(description="the ladder's next step for this member")


class Proposal(BaseModel):
    step: SanctionStep


class SanctionApplied(BaseModel):
    id: int
    step: str
    until: datetime | None


class AppealFiled(BaseModel):
    id: int
    status: str
    due_at: datetime


@router.post("/groups/{group_id}/violations", status_code=201)
def record_violation(
    group_id: int, body: ViolationIn, db: Db, principal: Member
) -> ViolationRecorded:
    with db.unit_of_work() as uow:
        message_id = None
        if body.seq is not None:
            message_id = sanctions.message_id_of(uow, principal, group_id, body.seq)
        row = sanctions.record_violation(
            uow,
            principal,
            group_id,
            staff_no=body.staff_no,
            message_id=message_id,
            clause_ids=tuple(body.clauses),
            reason=body.reason,
        )
        proposal = sanctions.propose(uow, principal, row.id)
        return ViolationRecorded(id=row.id, clauses=row.clause_ids, proposal=proposal)


@router.get("/violations/{violation_id}/proposal")
def proposal(violation_id: int, db: Db, principal: Member) -> Proposal:
    """The ladder's next step for this member, from their history."""
    with db.reading() as uow:
        return Proposal(step=sanctions.propose(uow, principal, violation_id))


@router.post("/violations/{violation_id}/sanctions", status_code=201)
def apply(violation_id: int, body: SanctionIn, db: Db, principal: Member) -> SanctionApplied:
    try:
        step = SanctionStep(body.step)
    except ValueError:
        raise DomainError("sanctions.step_unknown", params={"step": body.step}) from None
    with db.unit_of_work() as uow:
        row = sanctions.apply(
            uow, principal, violation_id, sanctions.Measure(step, body.reason, body.hours)
        )
        return SanctionApplied(id=row.id, step=row.step, until=row.until)


@router.get("/me/record")
def my_record(db: Db, principal: Member) -> sanctions.Record:
    with db.reading() as uow:
        return sanctions.my_record(uow, principal)


@router.get("/groups/{group_id}/members/{staff_no}/record")
def member_record(group_id: int, staff_no: str, db: Db, principal: Member) -> sanctions.Record:
    with db.reading() as uow:
        return sanctions.member_record(uow, principal, group_id, staff_no)


@router.get(
    "/groups/{group_id}/members/{staff_no}/case.xlsx",
    response_class=Response,
    responses=files(XLSX),
)
def case_file(group_id: int, staff_no: str, db: Db, principal: Member) -> Response:
    with db.unit_of_work() as uow:
        data = sanctions.case_file(uow, principal, group_id, staff_no)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="case-{staff_no}.xlsx"'},
    )


@router.post("/sanctions/{sanction_id}/appeal", status_code=201)
def appeal(sanction_id: int, body: AppealIn, db: Db, principal: Member) -> AppealFiled:
    with db.unit_of_work() as uow:
        row = sanctions.appeal(uow, principal, sanction_id, body.statement)
        return AppealFiled(id=row.id, status=row.status, due_at=row.due_at)


@router.get("/groups/{group_id}/transparency")
def transparency(group_id: int, db: Db, principal: Member) -> sanctions.Transparency:
    """This month's sanctions in the group by measure, without names (篇七 十三.1)."""
    with db.reading() as uow:
        return sanctions.transparency(uow, principal, group_id)


class MuteIn(BaseModel):
    staff_no: str = Field(min_length=1, max_length=32)
    hours: float | None = Field(default=None, gt=0)
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/groups/{group_id}/mutes")
def mutes(group_id: int, db: Db, principal: Member) -> Items[sanctions.RestrictionView]:
    with db.reading() as uow:
        return Items(items=sanctions.restrictions_in_force(uow, principal, group_id))


@router.post("/groups/{group_id}/mutes", status_code=201)
def mute(group_id: int, body: MuteIn, db: Db, principal: Member) -> sanctions.RestrictionView:
    """Mute a member for some hours (the policy's default where none is given)."""
    with db.unit_of_work() as uow:
        return sanctions.mute(uow, principal, group_id, body.staff_no, body.hours, body.reason)


@router.delete("/groups/{group_id}/mutes/{restriction_id}", status_code=204)
def lift(group_id: int, restriction_id: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        sanctions.lift(uow, principal, group_id, restriction_id)
