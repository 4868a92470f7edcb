"""Request dependencies: the database, the locale, and the one permission check.

Every route declares exactly one permission through ``require``; ``tests/web`` walks the
routers and fails on a route that declares none. A request is authenticated by the session
cookie (browser) or by ``Authorization: Bearer qg_…`` (scripts).
"""

from __future__ import annotations

import hmac
from typing import cast

from fastapi import Request, WebSocket
from fastapi.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from qunguan.config import Settings
from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.i18n import Translator, normalise_locale
from qunguan.services.accounts import sessions, tokens
from qunguan.services.uow import Database

SESSION_COOKIE = "qunguan_session"
LOCALE_COOKIE = "qunguan_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def database(request: HTTPConnection) -> Database:
    return cast(Database, request.app.state.db)


def settings(request: HTTPConnection) -> Settings:
    return cast(Settings, request.app.state.settings)


def client_addr(request: HTTPConnection) -> str:
    return request.client.host if request.client else ""


def locale_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LOCALE_COOKIE)
    if chosen:
        return normalise_locale(chosen)
    if request.url.path.startswith("/api/"):
        return normalise_locale(request.headers.get("accept-language"))
    return settings(request).default_locale


def translator(request: Request) -> Translator:
    return Translator(locale_of(request))


def _bearer(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value else None


def principal_of(request: HTTPConnection) -> Principal | None:
    """The signed-in principal, resolved once per request."""
    if "principal" in request.state._state:
        return cast(Principal | None, request.state.principal)
    principal = None
    bearer = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if bearer or cookie:
        with database(request).unit_of_work() as uow:
            if bearer:
                principal = tokens.resolve(uow, bearer, client_addr(request))
            else:
                principal = sessions.resolve(
                    uow, settings(request), cookie or "", client_addr(request)
                )
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Cookie-borne requests must prove they come from our own pages; tokens need not."""
    if request.method in _SAFE_METHODS or principal.token_scopes is not None:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), principal.csrf_token.encode()):
        raise DomainError("auth.csrf_failed", ErrorKind.FORBIDDEN)


class Require:
    """A dependency that admits a request holding ``permission`` and returns its principal.

    ``SIGN_IN_STEP`` admits a session whose second factor is still pending; ``SIGNED_IN`` one
    that still owes a password change or a TOTP enrolment; every other permission needs a
    complete sign-in.
    """

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Principal | None:
        # The lookup may write (a session's last-seen time): keep it off the event loop.
        principal = await run_in_threadpool(principal_of, request)
        if self.permission is Permission.PUBLIC:
            return principal
        if principal is None:
            raise DomainError("auth.required", ErrorKind.UNAUTHENTICATED)
        if self.permission is not Permission.SIGN_IN_STEP and principal.second_factor_pending:
            raise DomainError("auth.second_factor_required", ErrorKind.UNAUTHENTICATED)
        if self.permission not in (Permission.SIGN_IN_STEP, Permission.SIGNED_IN):
            if principal.second_factor_setup_required:
                raise DomainError("auth.second_factor_setup_required", ErrorKind.FORBIDDEN)
            if principal.must_change_password:
                raise DomainError("auth.password_change_required", ErrorKind.FORBIDDEN)
        if self.permission not in principal.permissions:
            raise DomainError("access.denied", ErrorKind.FORBIDDEN)
        # Last, since it may read the form: nobody without the permission gets that far.
        await _check_csrf(request, principal)
        return principal


def require(permission: Permission) -> Require:
    return Require(permission)


def _same_origin(socket: WebSocket) -> bool:
    """A browser always sends Origin on a WebSocket handshake: a page of another site must
    not ride on our session cookie (cross-site WebSocket hijacking)."""
    origin = socket.headers.get("origin")
    if origin is None:
        return True
    host = socket.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


def socket_principal(socket: WebSocket, permission: Permission) -> Principal:
    """The principal of a WebSocket handshake, held to the same rules as ``Require``:
    a complete sign-in, the permission, and (for cookies) our own origin."""
    principal = principal_of(socket)
    if principal is None:
        raise DomainError("auth.required", ErrorKind.UNAUTHENTICATED)
    if (
        principal.second_factor_pending
        or principal.second_factor_setup_required
        or principal.must_change_password
        or permission not in principal.permissions
    ):
        raise DomainError("access.denied", ErrorKind.FORBIDDEN)
    if principal.token_scopes is None and not _same_origin(socket):
        raise DomainError("auth.csrf_failed", ErrorKind.FORBIDDEN)
    return principal
