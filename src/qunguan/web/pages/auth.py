"""Sign-in, sign-out, password change and the language switch."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.config import Settings
from qunguan.domain.access import Permission
from qunguan.domain.errors import DomainError
from qunguan.i18n import LOCALES, translate
from qunguan.services import accounts
from qunguan.services.accounts import Principal
from qunguan.services.uow import Database
from qunguan.web.api.auth import client_addr, set_session_cookie
from qunguan.web.deps import LOCALE_COOKIE, SESSION_COOKIE, database, locale_of, require, settings
from qunguan.web.errors import error_json
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        with db.unit_of_work() as uow:
            new = accounts.log_in(
                uow,
                cfg,
                username,
                password,
                client_addr=client_addr(request),
                user_agent=request.headers.get("user-agent", ""),
            )
    except DomainError as exc:
        error = error_json(exc, locale_of(request))["error"]
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": error, "username": username},
            status=401,
        )
    target = "/account/password" if new.principal.must_change_password else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, cfg, new.token)
    return response


@router.post("/logout")
def logout(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> Response:
    with db.unit_of_work() as uow:
        accounts.log_out(uow, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_page(
    request: Request, _p: Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
) -> Response:
    return render(request, "password.html")


@router.post("/account/password")
def password_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    locale = locale_of(request)
    if new_password != confirm_password:
        message = translate("password.mismatch", locale)
        return render(
            request, "password.html", {"error": {"message": message, "details": []}}, status=422
        )
    try:
        with db.unit_of_work() as uow:
            accounts.change_own_password(uow, principal, current_password, new_password)
    except DomainError as exc:
        return render(
            request, "password.html", {"error": error_json(exc, locale)["error"]}, status=422
        )
    return RedirectResponse("/?changed=1", status_code=303)


@router.get("/lang/{code}", dependencies=[Depends(require(Permission.PUBLIC))])
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
