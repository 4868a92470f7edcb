"""Liveness and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import text

from qunguan.domain.access import Permission
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.web.deps import database, require

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str = Field(description="the database's dialect")
    revision: str | None = Field(alias="schema", description="the migration applied")


@router.get("/healthz", dependencies=[Depends(require(Permission.PUBLIC))])
def healthz(db: Annotated[Database, Depends(database)]) -> Health:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return Health(
        status="ok", database=db.engine.dialect.name, schema=migrate.current_revision(db.engine)
    )
