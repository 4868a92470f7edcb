"""Message administration: remove or redact with a reason, close a thread, mark and list
decision records (and export them), tidy a group up by filter."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.conduct import message_admin
from qunguan.services.messages.views import MessageView
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["message administration"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    clauses: list[str] = Field(default_factory=list, max_length=20)


class RedactIn(ReasonIn):
    body: str = Field(min_length=1, max_length=5000)


class DecisionIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class TidyIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    text: str = Field(default="", max_length=100)
    sender: str = Field(default="", max_length=32)
    before: datetime | None = None
    category: str = Field(default="", max_length=40)


class DecisionMarked(BaseModel):
    id: int
    title: str


class Tidied(BaseModel):
    removed: int = Field(description="how many messages were removed")


@router.post("/groups/{group_id}/messages/{seq}/removal")
def remove(group_id: int, seq: int, body: ReasonIn, db: Db, principal: Member) -> MessageView:
    """Remove a message: members see a placeholder naming the clause; the auditor keeps
    the original."""
    with db.unit_of_work() as uow:
        row = message_admin.remove(
            uow, principal, group_id, body.reason, seq=seq, clause_ids=tuple(body.clauses)
        )
        return message_admin.shown(uow, row)


@router.post("/groups/{group_id}/messages/{seq}/redaction")
def redact(group_id: int, seq: int, body: RedactIn, db: Db, principal: Member) -> MessageView:
    with db.unit_of_work() as uow:
        row = message_admin.redact(
            uow, principal, group_id, seq, body.body, body.reason, tuple(body.clauses)
        )
        return message_admin.shown(uow, row)


@router.post("/groups/{group_id}/messages/{seq}/close-thread", status_code=204)
def close_thread(group_id: int, seq: int, body: ReasonIn, db: Db, principal: Member) -> None:
    """End a topic: replies to this message are refused from now on (篇二 二.3.3)."""
    with db.unit_of_work() as uow:
        message_admin.close_thread(uow, principal, group_id, seq, body.reason)


@router.post("/groups/{group_id}/messages/{seq}/decision", status_code=201)
def mark_decision(
    group_id: int, seq: int, body: DecisionIn, db: Db, principal: Member
) -> DecisionMarked:
    with db.unit_of_work() as uow:
        row = message_admin.mark_decision(uow, principal, group_id, seq, body.title)
        return DecisionMarked(id=row.id, title=row.title)


@router.get("/groups/{group_id}/decisions")
def decisions(group_id: int, db: Db, principal: Member) -> Items[message_admin.DecisionView]:
    with db.reading() as uow:
        return Items(items=message_admin.decisions(uow, principal, group_id))


@router.get("/groups/{group_id}/decisions.xlsx", response_class=Response, responses=files(XLSX))
def export_decisions(group_id: int, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        data = message_admin.export_decisions(uow, principal, group_id)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="decisions-{group_id}.xlsx"'},
    )


@router.post("/groups/{group_id}/tidy")
def tidy(group_id: int, body: TidyIn, db: Db, principal: Member) -> Tidied:
    """Remove every visible message the filter matches (at least one criterion)."""
    f = message_admin.TidyFilter(body.text, body.sender, body.before, body.category)
    with db.unit_of_work() as uow:
        return Tidied(removed=message_admin.tidy(uow, principal, group_id, f, body.reason))
