"""Account administration for the system admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission, Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.accounts import management as accounts
from qunguan.services.accounts import second_factor
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]


def _users_page(request: Request, db: Database, *, status: int = 200, **extra: object) -> Response:
    with db.reading() as uow:
        users = accounts.list_accounts(uow)
    context = {"users": users, "all_roles": [r.value for r in Role], **extra}
    return render(request, "accounts/users.html", context, status=status)


def _act(request: Request, db: Database, done_key: str, action: object) -> Response:
    """Run one administrative action; show the list again with its result or its error."""
    try:
        with db.unit_of_work() as uow:
            action(uow)  # type: ignore[operator]
    except DomainError as exc:
        return _users_page(
            request, db, status=STATUS_OF[exc.kind], error=error_with_citations(request, exc)
        )
    return _users_page(request, db, done=done_key)


@router.get("/admin/users")
def users_page(request: Request, db: Annotated[Database, Depends(database)], _a: Admin) -> Response:
    return _users_page(request, db)


@router.post("/admin/users")
def create_user(
    request: Request,
    db: Annotated[Database, Depends(database)],
    admin: Admin,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    staff_no: Annotated[str, Form()] = "",
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    return _act(
        request,
        db,
        "admin.created",
        lambda uow: accounts.create_user(
            uow, admin.actor(), username, password, roles or ["member"], staff_no=staff_no or None
        ),
    )


@router.post("/admin/users/{username}/roles")
def set_roles(
    username: str,
    request: Request,
    db: Annotated[Database, Depends(database)],
    admin: Admin,
    roles: Annotated[list[str] | None, Form()] = None,
) -> Response:
    return _act(
        request,
        db,
        "admin.roles_saved",
        lambda uow: accounts.set_roles(uow, admin.actor(), username, roles or []),
    )


@router.post("/admin/users/{username}/password")
def reset_password(
    username: str,
    request: Request,
    db: Annotated[Database, Depends(database)],
    admin: Admin,
    password: Annotated[str, Form()] = "",
) -> Response:
    return _act(
        request,
        db,
        "admin.password_reset",
        lambda uow: accounts.set_password(
            uow, admin.actor(), username, password, must_change_password=True
        ),
    )


@router.post("/admin/users/{username}/active")
def set_active(
    username: str,
    request: Request,
    db: Annotated[Database, Depends(database)],
    admin: Admin,
    active: Annotated[str, Form()] = "0",
) -> Response:
    return _act(
        request,
        db,
        "admin.active_saved",
        lambda uow: accounts.set_active(uow, admin.actor(), username, active == "1"),
    )


@router.post("/admin/users/{username}/second-factor-reset")
def reset_second_factor(
    username: str, request: Request, db: Annotated[Database, Depends(database)], admin: Admin
) -> Response:
    return _act(
        request,
        db,
        "admin.second_factor_reset",
        lambda uow: second_factor.reset(uow, admin.actor(), username),
    )
