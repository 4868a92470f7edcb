"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from sqlalchemy import text

from qunguan.domain.access import Permission
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.web.deps import database, require

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[Depends(require(Permission.PUBLIC))])
def healthz(db: Annotated[Database, Depends(database)]) -> dict[str, Any]:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "database": db.engine.dialect.name,
        "schema": migrate.current_revision(db.engine),
    }
