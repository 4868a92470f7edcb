"""Account administration, for the system admin: create, roles, reset, deactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.accounts import management as accounts
from qunguan.services.accounts import second_factor
from qunguan.services.accounts.management import AccountView
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, Status
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Admin = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    roles: list[str] = Field(default_factory=lambda: ["member"])
    staff_no: str | None = None


class RolesIn(BaseModel):
    roles: list[str]


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class ActiveIn(BaseModel):
    active: bool


class CreatedUser(BaseModel):
    id: int
    username: str


class UserRoles(BaseModel):
    username: str
    roles: list[str]


class UserActive(BaseModel):
    username: str
    active: bool


@router.get("")
def list_users(db: Annotated[Database, Depends(database)], _admin: Admin) -> Items[AccountView]:
    with db.reading() as uow:
        return Items(items=accounts.list_accounts(uow))


@router.post("", status_code=201)
def create_user(
    body: UserIn, db: Annotated[Database, Depends(database)], admin: Admin
) -> CreatedUser:
    with db.unit_of_work() as uow:
        user = accounts.create_user(
            uow, admin.actor(), body.username, body.password, body.roles, staff_no=body.staff_no
        )
        return CreatedUser(id=user.id, username=user.username)


@router.put("/{username}/roles")
def set_roles(
    username: str, body: RolesIn, db: Annotated[Database, Depends(database)], admin: Admin
) -> UserRoles:
    with db.unit_of_work() as uow:
        user = accounts.set_roles(uow, admin.actor(), username, body.roles)
        return UserRoles(username=user.username, roles=sorted(r.role for r in user.roles))


@router.post("/{username}/password")
def reset_password(
    username: str, body: PasswordIn, db: Annotated[Database, Depends(database)], admin: Admin
) -> Status:
    """The holder must change it at next sign-in; their sessions end now."""
    with db.unit_of_work() as uow:
        accounts.set_password(
            uow, admin.actor(), username, body.password, must_change_password=True
        )
    return Status(status="reset")


@router.put("/{username}/active")
def set_active(
    username: str, body: ActiveIn, db: Annotated[Database, Depends(database)], admin: Admin
) -> UserActive:
    with db.unit_of_work() as uow:
        accounts.set_active(uow, admin.actor(), username, body.active)
    return UserActive(username=username, active=body.active)


@router.delete("/{username}/second-factor")
def reset_second_factor(
    username: str, db: Annotated[Database, Depends(database)], admin: Admin
) -> Status:
    """For a lost authenticator: the holder enrols again at next sign-in."""
    with db.unit_of_work() as uow:
        second_factor.reset(uow, admin.actor(), username)
    return Status(status="reset")
