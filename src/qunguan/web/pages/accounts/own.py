"""My account: sessions, API tokens, two-factor enrolment, my activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.audit import AuditQuery
from qunguan.domain.errors import DomainError
from qunguan.services import audit
from qunguan.services.accounts import second_factor, sessions, tokens
from qunguan.services.directory import profiles
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Self = Annotated[Principal, Depends(require(Permission.SELF_SERVICE))]


def _account_page(
    request: Request, db: Database, principal: Principal, *, status: int = 200, **extra: object
) -> Response:
    with db.reading() as uow:
        context = {
            "sessions": sessions.list_sessions(uow, principal),
            "tokens": tokens.list_tokens(uow, principal),
            "activity": audit.search(uow, AuditQuery(actor_user_id=principal.user_id, limit=20))[0],
            "recovery_left": second_factor.recovery_codes_left(uow, principal),
            "enrolled": principal.second_factor_enrolled,
            "profile_due": profiles.is_due(uow, principal),
            "scopes": sorted(p.value for p in tokens.GRANTABLE if p in principal.permissions),
        }
    return render(request, "accounts/index.html", {**context, **extra}, status=status)


@router.get("/account")
def account_page(
    request: Request, db: Annotated[Database, Depends(database)], principal: Self
) -> Response:
    return _account_page(request, db, principal)


@router.post("/account/profile-confirmation")
def confirm_profile(db: Annotated[Database, Depends(database)], principal: Self) -> Response:
    with db.unit_of_work() as uow:
        profiles.confirm(uow, principal)
    return RedirectResponse("/account?confirmed=1", status_code=303)


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(
    session_id: int, db: Annotated[Database, Depends(database)], principal: Self
) -> Response:
    with db.unit_of_work() as uow:
        sessions.revoke_session(uow, principal, session_id)
    return RedirectResponse("/account#sessions", status_code=303)


@router.post("/account/tokens")
def issue_token(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Self,
    name: Annotated[str, Form()] = "",
    days: Annotated[int, Form()] = 90,
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        with db.unit_of_work() as uow:
            issued = tokens.issue(uow, principal, name, scopes or [], days)
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _account_page(request, db, principal, token_error=error, status=STATUS_OF[exc.kind])
    return _account_page(request, db, principal, new_token=issued.secret)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    token_id: int, db: Annotated[Database, Depends(database)], principal: Self
) -> Response:
    with db.unit_of_work() as uow:
        tokens.revoke(uow, principal, token_id)
    return RedirectResponse("/account#tokens", status_code=303)


@router.get("/account/second-factor")
def enrolment_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
) -> Response:
    try:
        with db.unit_of_work() as uow:
            enrolment = second_factor.begin_enrolment(uow, principal)
    except DomainError:
        return RedirectResponse("/account", status_code=303)  # already enrolled
    return render(request, "accounts/second_factor.html", {"enrolment": enrolment})


@router.post("/account/second-factor")
def enrolment_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SIGNED_IN))],
    code: Annotated[str, Form()] = "",
) -> Response:
    try:
        with db.unit_of_work() as uow:
            codes = second_factor.confirm_enrolment(uow, principal, code)
    except DomainError as exc:
        error = error_with_citations(request, exc)
        with db.unit_of_work() as uow:
            enrolment = second_factor.begin_enrolment(uow, principal)
        context = {"enrolment": enrolment, "error": error}
        return render(request, "accounts/second_factor.html", context, status=STATUS_OF[exc.kind])
    next_page = "/account/password" if principal.must_change_password else "/"
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_page})
