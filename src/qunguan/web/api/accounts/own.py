"""One's own account: sessions, API tokens, TOTP enrolment, and one's own activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.audit import AuditQuery
from qunguan.services import audit
from qunguan.services.accounts import second_factor, sessions, tokens
from qunguan.services.directory import profiles
from qunguan.services.uow import Database
from qunguan.web.api.audit import AuditRecord, record_json
from qunguan.web.api.encoding import Counted, Items, Status
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1/me", tags=["account"])


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    scopes: list[str] = Field(min_length=1)
    days: int = Field(default=90, ge=1, le=tokens.MAX_DAYS)


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)


class IssuedToken(BaseModel):
    id: int
    token: str = Field(description="the secret, shown this once")


class Enrolment(BaseModel):
    secret: str
    uri: str = Field(description="an otpauth:// URI for the authenticator app")


class RecoveryCodes(BaseModel):
    recovery_codes: list[str]


@router.get("/sessions")
def my_sessions(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> Items[sessions.SessionView]:
    with db.reading() as uow:
        return Items(items=sessions.list_sessions(uow, principal))


@router.delete("/sessions/{session_id}")
def revoke_session(
    session_id: int,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> Status:
    with db.unit_of_work() as uow:
        sessions.revoke_session(uow, principal, session_id)
    return Status(status="revoked")


@router.get("/tokens")
def my_tokens(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> Items[tokens.TokenView]:
    with db.reading() as uow:
        return Items(items=tokens.list_tokens(uow, principal))


@router.post("/tokens", status_code=201)
def issue_token(
    body: TokenIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> IssuedToken:
    """The secret is in this answer only; it is stored hashed."""
    with db.unit_of_work() as uow:
        issued = tokens.issue(uow, principal, body.name, body.scopes, body.days)
    return IssuedToken(id=issued.id, token=issued.secret)


@router.delete("/tokens/{token_id}")
def revoke_token(
    token_id: int,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> Status:
    with db.unit_of_work() as uow:
        tokens.revoke(uow, principal, token_id)
    return Status(status="revoked")


@router.post("/second-factor/enrolment")
def begin_enrolment(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> Enrolment:
    with db.unit_of_work() as uow:
        enrolment = second_factor.begin_enrolment(uow, principal)
    return Enrolment(secret=enrolment.secret, uri=enrolment.uri)


@router.post("/second-factor/confirmation")
def confirm_enrolment(
    body: CodeIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> RecoveryCodes:
    """Turns TOTP on; the recovery codes are in this answer only."""
    with db.unit_of_work() as uow:
        codes = second_factor.confirm_enrolment(uow, principal, body.code)
    return RecoveryCodes(recovery_codes=codes)


@router.post("/profile-confirmation")
def confirm_profile(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> Status:
    """I have checked my name, post and contacts in the directory (篇七 三.2)."""
    with db.unit_of_work() as uow:
        profiles.confirm(uow, principal)
    return Status(status="confirmed")


@router.get("/activity")
def my_activity(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Counted[AuditRecord]:
    """What this account did, from the audit trail."""
    with db.reading() as uow:
        rows, total = audit.search(uow, AuditQuery(actor_user_id=principal.user_id, limit=limit))
    return Counted(total=total, items=[record_json(r) for r in rows])
