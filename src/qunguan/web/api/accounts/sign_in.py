"""Signing in and out, the second-factor step, and the signed-in account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from qunguan.config import Settings
from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.accounts import sessions
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Status
from qunguan.web.deps import SESSION_COOKIE, client_addr, database, require, settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(default="", max_length=32, description="TOTP or recovery code, if enrolled")


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=32)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class Me(BaseModel):
    """The signed-in account, and the token state-changing requests must carry."""

    id: int
    username: str
    roles: list[str]
    person_id: int | None
    must_change_password: bool
    second_factor_pending: bool
    second_factor_setup_required: bool
    csrf_token: str = Field(description="send as the X-CSRF-Token header")


def me_json(principal: Principal) -> Me:
    return Me(
        id=principal.user_id,
        username=principal.username,
        roles=sorted(r.value for r in principal.roles),
        person_id=principal.person_id,
        must_change_password=principal.must_change_password,
        second_factor_pending=principal.second_factor_pending,
        second_factor_setup_required=principal.second_factor_setup_required,
        csrf_token=principal.csrf_token,
    )


def set_session_cookie(response: Response, cfg: Settings, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=cfg.session_lifetime_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=cfg.secure_cookies,
        path="/",
    )


def sign_in(
    request: Request, db: Database, cfg: Settings, username: str, password: str, code: str
) -> sessions.NewSession:
    """Shared by the API and the login page: commit the attempt, then act on it."""
    with db.unit_of_work() as uow:
        outcome = sessions.sign_in(
            uow,
            cfg,
            username,
            password,
            code=code,
            client_addr=client_addr(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    if outcome.error is not None:
        raise outcome.error
    assert outcome.session is not None
    return outcome.session


def verify_code(db: Database, cfg: Settings, principal: Principal, code: str) -> Principal:
    with db.unit_of_work() as uow:
        outcome = sessions.verify_second_factor(uow, cfg, principal, code)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.session is not None
    return outcome.session.principal


@router.post("/auth/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
) -> Me:
    """Open a session. An account with TOTP either sends ``code`` now or completes the
    pending session through ``/auth/second-factor``."""
    new = sign_in(request, db, cfg, body.username, body.password, body.code)
    set_session_cookie(response, cfg, new.token)
    return me_json(new.principal)


@router.post("/auth/second-factor")
def second_factor(
    body: CodeIn,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    principal: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
) -> Me:
    return me_json(verify_code(db, cfg, principal, body.code))


@router.post("/auth/logout")
def logout(
    response: Response,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
) -> Status:
    with db.unit_of_work() as uow:
        sessions.sign_out(uow, principal)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return Status(status="signed_out")


@router.get("/me")
def me(
    principal: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
) -> Me:
    return me_json(principal)


@router.post("/me/password")
def change_password(
    body: PasswordIn,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> Status:
    change_own_password(db, cfg, principal, body.current_password, body.new_password)
    return Status(status="changed")


def change_own_password(
    db: Database, cfg: Settings, principal: Principal, current: str, new: str
) -> None:
    """Shared by the API and the page: commit a recorded failure, then refuse."""
    with db.unit_of_work() as uow:
        refused = sessions.change_own_password(uow, cfg, principal, current, new)
    if refused is not None:
        raise refused
