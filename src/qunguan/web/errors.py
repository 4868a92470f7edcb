"""The one place where failures become HTTP: a JSON error body for the API, a page for people.

Every failure has the same JSON shape::

    {"error": {"code": "directory.rows_invalid", "message": "…", "clauses": [],
               "details": [{"code": "…", "message": "…", "field": "mobile",
                            "row": 3, "column": "F"}]}}
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind
from qunguan.i18n import translate
from qunguan.web.deps import locale_of

log = logging.getLogger("qunguan.web")

STATUS_OF: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAVAILABLE: 503,
}


def _field_label(field: str | None, locale: str) -> str:
    if not field:
        return ""
    key = f"field.{field}"
    text = translate(key, locale)
    return field if text == key else text


def detail_json(detail: ErrorDetail, locale: str) -> dict[str, Any]:
    params = {"value": detail.value or "", "column": detail.column or "", **detail.params}
    params.setdefault("header", _field_label(detail.field, locale))
    out: dict[str, Any] = {
        "code": detail.code,
        "message": translate(f"error.{detail.code}", locale, **params),
    }
    for key in ("field", "row", "column", "value"):
        value = getattr(detail, key)
        if value is not None:
            out[key] = value
    return out


def _shown(value: Any, timezone: str) -> Any:
    """A time in a message reads in the agency's zone (times are stored in UTC)."""
    if isinstance(value, datetime):
        local = value.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
        return local.strftime("%Y-%m-%d %H:%M")
    return value


def error_json(error: DomainError, locale: str, timezone: str = "Asia/Shanghai") -> dict[str, Any]:
    params = {k: _shown(v, timezone) for k, v in error.params.items()}
    return {
        "error": {
            "code": error.code,
            "message": translate(f"error.{error.code}", locale, **params),
            "clauses": list(error.clause_ids),
            "details": [detail_json(d, locale) for d in error.details],
        }
    }


# A page request stopped mid-way through sign-in goes to the step it still owes.
_SIGN_IN_STEPS = {
    "auth.second_factor_required": "/login/second-factor",
    "auth.second_factor_setup_required": "/account/second-factor",
    "auth.password_change_required": "/account/password",
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def citations(request: Request, error: DomainError) -> list[dict[str, str]]:
    """The articles a refusal enforces, quoted from the regulation in force."""
    if not error.clause_ids:
        return []
    from qunguan.services.policy import versions as policy_versions

    try:
        with request.app.state.db.reading() as uow:
            in_force = policy_versions.current(uow)
    except Exception:  # a citation must never turn a refusal into a crash
        log.exception("could not load the policy to cite %s", error.clause_ids)
        return []
    if in_force is None:
        return []
    found = []
    for clause_id in error.clause_ids:
        cited = policy_versions.cite(in_force.policy, clause_id)
        if cited is not None:
            found.append({"clause": clause_id, "article": cited.article, "quote": cited.quote})
    return found


def error_with_citations(request: Request, error: DomainError) -> dict[str, Any]:
    """The error as pages and the API show it: message, details, and the articles quoted."""
    timezone = request.app.state.settings.display_timezone
    body: dict[str, Any] = error_json(error, locale_of(request), timezone)["error"]
    body["citations"] = citations(request, error)
    return body


def render_error(request: Request, error: DomainError) -> Response:
    status = STATUS_OF[error.kind]
    body = {"error": error_with_citations(request, error)}
    if _is_api(request):
        return JSONResponse(body, status_code=status)
    if error.kind is ErrorKind.UNAUTHENTICATED and error.code == "auth.required":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    redirect = _SIGN_IN_STEPS.get(error.code)
    if redirect is not None:
        return RedirectResponse(redirect, status_code=303)
    from qunguan.web.pages.rendering import render  # pages import errors, not the reverse

    return render(request, "error.html", body, status=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return render_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [
            ErrorDetail(
                "request.field_invalid",
                field=".".join(str(p) for p in err.get("loc", ())[1:]) or None,
                params={
                    "field": ".".join(str(p) for p in err.get("loc", ())[1:]),
                    "reason": err.get("msg", ""),
                },
            )
            for err in exc.errors()
        ]
        return render_error(request, DomainError("request.invalid", details=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "http.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, "http.error"
        )
        kind = ErrorKind.NOT_FOUND if exc.status_code == 404 else ErrorKind.INVALID
        response = render_error(
            request, DomainError(code, kind, params={"status": exc.status_code})
        )
        response.status_code = exc.status_code
        return response

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> Response:
        # Two requests raced for the same unique thing (a username, a version number):
        # the loser's transaction rolled back whole; tell it to look again.
        log.info("integrity conflict on %s %s: %s", request.method, request.url.path, exc.orig)
        return render_error(request, DomainError("store.conflict", ErrorKind.CONFLICT))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        response = render_error(request, DomainError("internal", ErrorKind.UNAVAILABLE))
        response.status_code = 500
        return response
