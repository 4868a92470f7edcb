"""Sign-in (with the second-factor step), sign-out, password change, language switch."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.config import Settings
from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.i18n import LOCALES, translate
from qunguan.services.accounts import sessions
from qunguan.services.uow import Database
from qunguan.web.api.accounts.sign_in import (
    change_own_password,
    set_session_cookie,
    sign_in,
    verify_code,
)
from qunguan.web.deps import LOCALE_COOKIE, SESSION_COOKIE, database, locale_of, require, settings
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would help phishing."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def next_step(principal: Principal, target: str) -> str:
    """Where a newly signed-in person goes: the sign-in step they still owe, or on."""
    if principal.second_factor_pending:
        return f"/login/second-factor?next={quote(target, safe='/')}"
    if principal.second_factor_setup_required:
        return "/account/second-factor"
    if principal.must_change_password:
        return "/account/password"
    return target


PRELOGIN_COOKIE = "qunguan_prelogin"


def _login_page(request: Request, context: Mapping[str, object], status: int = 200) -> Response:
    """The sign-in form carries a token that must match a cookie set with it, so another
    site cannot sign a visitor into an account of its choosing (login CSRF)."""
    token = request.cookies.get(PRELOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request, "accounts/sign_in.html", {**context, "prelogin": token}, status=status
    )
    response.set_cookie(
        PRELOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="lax", path="/login"
    )
    return response


@router.get("/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login_page(request: Request, next: str = "/") -> Response:
    return _login_page(request, {"next": safe_next(next)})


@router.post("/login", dependencies=[Depends(require(Permission.PUBLIC))])
def login_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    prelogin: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    expected = request.cookies.get(PRELOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(prelogin.encode(), expected.encode()):
        error = error_with_citations(request, DomainError("auth.csrf_failed"))
        return _login_page(
            request, {"next": safe_next(next), "error": error, "username": username}, 403
        )
    try:
        new = sign_in(request, db, cfg, username, password, "")
    except DomainError as exc:
        error = error_with_citations(request, exc)
        context = {"next": safe_next(next), "error": error, "username": username}
        return _login_page(request, context, status=401)
    response = RedirectResponse(next_step(new.principal, safe_next(next)), status_code=303)
    set_session_cookie(response, cfg, new.token)
    return response


@router.get("/login/second-factor")
def second_factor_page(
    request: Request,
    _p: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
    next: str = "/",
) -> Response:
    return render(request, "accounts/sign_in_second_factor.html", {"next": safe_next(next)})


@router.post("/login/second-factor")
def second_factor_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    principal: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
    code: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        done = verify_code(db, cfg, principal, code)
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return render(
            request,
            "accounts/sign_in_second_factor.html",
            {"next": safe_next(next), "error": error},
            status=401,
        )
    return RedirectResponse(next_step(done, safe_next(next)), status_code=303)


@router.post("/logout")
def logout(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGN_IN_STEP))],
) -> Response:
    with db.unit_of_work() as uow:
        sessions.sign_out(uow, principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_page(
    request: Request, _p: Annotated[Principal, Depends(require(Permission.SIGNED_IN))]
) -> Response:
    return render(request, "accounts/password.html")


@router.post("/account/password")
def password_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    cfg: Annotated[Settings, Depends(settings)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
    current_password: Annotated[str, Form()] = "",
    new_password: Annotated[str, Form()] = "",
    confirm_password: Annotated[str, Form()] = "",
) -> Response:
    locale = locale_of(request)
    if new_password != confirm_password:
        error = {"message": translate("password.mismatch", locale), "details": []}
        return render(request, "accounts/password.html", {"error": error}, status=422)
    try:
        change_own_password(db, cfg, principal, current_password, new_password)
    except DomainError as exc:
        return render(
            request,
            "accounts/password.html",
            {"error": error_with_citations(request, exc)},
            status=STATUS_OF[exc.kind],
        )
    return RedirectResponse("/account?changed=1", status_code=303)


@router.get("/lang/{code}", dependencies=[Depends(require(Permission.PUBLIC))])
def switch_language(code: str, next: str = "/") -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LOCALES:
        response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response
