"""Sign in and out, and the signed-in account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from qunguan.config import Settings
from qunguan.domain.access import Permission
from qunguan.services import accounts
from qunguan.services.accounts import Principal
from qunguan.services.uow import Database
from qunguan.web.deps import SESSION_COOKIE, database, require, settings

router = APIRouter(prefix="/api/v1", tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


def me_json(principal: Principal) -> dict[str, Any]:
    return {
        "id": principal.user_id,
        "username": principal.username,
        "roles": sorted(r.value for r in principal.roles),
        "person_id": principal.person_id,
        "must_change_password": principal.must_change_password,
        "csrf_token": principal.csrf_token,
    }


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


def client_addr(request: Request) -> str:
    return request.client.host if request.client else ""


@router.post("/auth/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        new = accounts.log_in(
            uow,
            cfg,
            body.username,
            body.password,
            client_addr=client_addr(request),
            user_agent=request.headers.get("user-agent", ""),
        )
    set_session_cookie(response, cfg, new.token)
    return me_json(new.principal)


@router.post("/auth/logout")
def logout(
    request: Request,
    response: Response,
    db: Annotated[Database, Depends(database)],
    _principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> dict[str, str]:
    with db.unit_of_work() as uow:
        accounts.log_out(uow, request.cookies.get(SESSION_COOKIE, ""))
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"status": "signed_out"}


@router.get("/me")
def me(principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))]) -> dict[str, Any]:
    return me_json(principal)


@router.post("/me/password")
def change_password(
    body: PasswordIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> dict[str, str]:
    with db.unit_of_work() as uow:
        accounts.change_own_password(uow, principal, body.current_password, body.new_password)
    return {"status": "changed"}
