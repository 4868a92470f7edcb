"""The review queue and patrols: a group admin's queue over their groups, the security
admin's over the agency, one decision per item; patrol tasks and their completion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.conduct import patrols, review
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["review"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Security = Annotated[Principal, Depends(require(Permission.REVIEW_AGENCY))]
Db = Annotated[Database, Depends(database)]


class DecisionIn(BaseModel):
    action: str = Field(
        min_length=1,
        max_length=16,
        description="release, dismiss, remove, warn, mute, escalate, uphold, overturn, keep",
    )
    reason: str = Field(default="", max_length=2000)
    hours: float | None = Field(default=None, gt=0, le=720, description="for mute")


class PatrolDoneIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class ReviewOutcome(BaseModel):
    outcome: str


def _queue(db: Database, principal: Principal, group_id: int | None) -> Items[review.Item]:
    with db.reading() as uow:
        return Items(items=review.queue(uow, principal, group_id))


def _decide(
    db: Database, principal: Principal, kind: str, item_id: int, body: DecisionIn
) -> ReviewOutcome:
    if kind not in review.KINDS:
        raise DomainError("http.not_found")
    with db.unit_of_work() as uow:
        outcome = review.decide(
            uow, principal, kind, item_id, review.Decision(body.action, body.reason, body.hours)
        )
    return ReviewOutcome(outcome=outcome)


@router.get("/review")
def my_queue(db: Db, principal: Member, group_id: int | None = None) -> Items[review.Item]:
    """Open items of the groups one owns or administers (or of one of them)."""
    return _queue(db, principal, group_id)


@router.post("/review/{kind}/{item_id}")
def decide(kind: str, item_id: int, body: DecisionIn, db: Db, principal: Member) -> ReviewOutcome:
    return _decide(db, principal, kind, item_id, body)


@router.get("/review/agency")
def agency_queue(db: Db, principal: Security, group_id: int | None = None) -> Items[review.Item]:
    """Every group's open items, for the security admin."""
    return _queue(db, principal, group_id)


@router.post("/review/agency/{kind}/{item_id}")
def agency_decide(
    kind: str, item_id: int, body: DecisionIn, db: Db, principal: Security
) -> ReviewOutcome:
    return _decide(db, principal, kind, item_id, body)


@router.get("/groups/{group_id}/patrols")
def group_patrols(group_id: int, db: Db, principal: Member) -> Items[patrols.PatrolView]:
    with db.reading() as uow:
        return Items(items=patrols.of_group(uow, principal, group_id))


@router.post("/patrols/{patrol_id}/complete")
def complete_patrol(
    patrol_id: int, body: PatrolDoneIn, db: Db, principal: Member
) -> patrols.PatrolView:
    with db.unit_of_work() as uow:
        return patrols.view(patrols.complete(uow, principal, patrol_id, body.note))
