"""Acknowledging a notice: the member's proof of delivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.notices import acknowledgements
from qunguan.services.uow import Database
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["notices"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.post("/notices/{notice_id}/ack")
async def acknowledge(notice_id: int, db: Db, principal: Member) -> acknowledgements.Acknowledged:
    """My acknowledgement, the proof of delivery: the first counts, a repeat changes
    nothing. There is no way to acknowledge for someone else."""
    # Group commit, as for messages: a whole group acknowledging at once shares commits.
    return await db.batched_async(
        lambda uow: acknowledgements.acknowledge(uow, principal, notice_id)
    )
