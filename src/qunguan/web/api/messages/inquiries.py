"""Inquiries, assignments and questions: who must answer, and how fast they did."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.messages import inquiries
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["messages"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.get("/groups/{group_id}/inquiries")
def group_inquiries(
    group_id: int, db: Db, principal: Member, overdue: bool = False
) -> Items[inquiries.TargetView]:
    """Time to first response per person for the group's inquiries and questions."""
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        rows = inquiries.report(uow, principal, settings, group_id, only_overdue=overdue)
    return Items(items=rows)


@router.get("/groups/{group_id}/questions")
def open_questions(group_id: int, db: Db, principal: Member) -> Items[inquiries.TargetView]:
    with db.reading() as uow:
        return Items(items=inquiries.open_questions(uow, principal, group_id))


@router.get("/inquiries/mine")
def my_inquiries(db: Db, principal: Member) -> Items[inquiries.TargetView]:
    """What waits for my answer."""
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        return Items(items=inquiries.waiting_on_me(uow, principal, settings))
