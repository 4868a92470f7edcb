"""Request dependencies: the database, the locale, and the one permission check.

Every route declares exactly one permission through ``require``; ``tests/web`` walks the
app and fails on a route that declares none.
"""

from __future__ import annotations

from typing import cast

from fastapi import Request

from qunguan.config import Settings
from qunguan.domain.access import Permission, permissions_of
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.i18n import Translator, normalise_locale
from qunguan.services import accounts
from qunguan.services.accounts import Principal
from qunguan.services.uow import Database

SESSION_COOKIE = "qunguan_session"
LOCALE_COOKIE = "qunguan_lang"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Routes a user who must change their password may still reach.
_PASSWORD_CHANGE_ALLOWED = {
    "/account/password",
    "/logout",
    "/api/v1/me",
    "/api/v1/me/password",
    "/api/v1/auth/logout",
}


def database(request: Request) -> Database:
    return cast(Database, request.app.state.db)


def settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def locale_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LOCALE_COOKIE)
    if chosen:
        return normalise_locale(chosen)
    if request.url.path.startswith("/api/"):
        return normalise_locale(request.headers.get("accept-language"))
    return settings(request).default_locale


def translator(request: Request) -> Translator:
    return Translator(locale_of(request))


def principal_of(request: Request) -> Principal | None:
    """The signed-in principal, resolved once per request."""
    if "principal" in request.state._state:
        return cast(Principal | None, request.state.principal)
    token = request.cookies.get(SESSION_COOKIE)
    principal = None
    if token:
        with database(request).unit_of_work() as uow:
            principal = accounts.resolve_session(uow, settings(request), token)
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or sent != principal.csrf_token:
        raise DomainError("auth.csrf_failed", ErrorKind.FORBIDDEN)


class Require:
    """A dependency that admits a request holding ``permission`` and returns its principal."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(self, request: Request) -> Principal | None:
        principal = principal_of(request)
        if self.permission is Permission.PUBLIC:
            return principal
        if principal is None:
            raise DomainError("auth.required", ErrorKind.UNAUTHENTICATED)
        await _check_csrf(request, principal)
        if principal.must_change_password and request.url.path not in _PASSWORD_CHANGE_ALLOWED:
            raise DomainError("auth.password_change_required", ErrorKind.FORBIDDEN)
        if self.permission not in permissions_of(principal.roles):
            raise DomainError("access.denied", ErrorKind.FORBIDDEN)
        return principal


def require(permission: Permission) -> Require:
    return Require(permission)
