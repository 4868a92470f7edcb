"""Work groups: applications and approval, renaming, hand-over, dissolution."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.services.groups import lifecycle as groups
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, Status
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["groups"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class ApplicationIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    type: str = Field(min_length=1, max_length=40)
    purpose: str = Field(default="", max_length=2000)
    owner_staff_no: str = Field(min_length=1, max_length=32)
    end_date: date | None = None
    confirm_names: list[str] = Field(
        default_factory=list, description="directory names kept knowingly"
    )
    scope_unit: str = Field(default="", max_length=100, description="limit members to this unit")
    unit_wide: bool = Field(default=False, description="everyone active in scope_unit belongs")
    members: list[str] = Field(
        default_factory=list, description="staff numbers of the first members"
    )
    confirm_duplicate: bool = Field(default=False, description="go on despite a possible duplicate")


class NoteIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class NameIn(BaseModel):
    name: str = Field(min_length=1, max_length=60)


class PersonIn(BaseModel):
    staff_no: str = Field(min_length=1, max_length=32)
    reason: str = Field(default="", max_length=2000)


class ApplicationFiled(BaseModel):
    id: int
    status: str


class ApplicationDecision(BaseModel):
    group_id: int | None = Field(description="the new group, once every approver agreed")
    status: str


class GroupName(BaseModel):
    name: str


@router.get("/groups")
def list_groups(db: Db, principal: Member) -> Items[groups.GroupView]:
    with db.reading() as uow:
        return Items(items=groups.my_groups(uow, principal))


@router.post("/groups/applications", status_code=201)
def apply(body: ApplicationIn, db: Db, principal: Member) -> ApplicationFiled:
    """Ask for a group; it exists only once the approver the policy names approves."""
    form = groups.ApplicationForm(
        body.name,
        body.type,
        body.purpose,
        body.owner_staff_no,
        body.end_date,
        tuple(body.confirm_names),
        body.scope_unit,
        body.unit_wide,
        tuple(body.members),
        body.confirm_duplicate,
    )
    with db.unit_of_work() as uow:
        row = groups.apply(uow, principal, form)
        return ApplicationFiled(id=row.id, status=row.status)


@router.get("/groups/applications")
def applications(db: Db, principal: Member) -> Items[groups.ApplicationView]:
    with db.reading() as uow:
        return Items(items=groups.applications(uow, principal))


@router.post("/groups/applications/{application_id}/approval")
def approve(application_id: int, body: NoteIn, db: Db, principal: Member) -> ApplicationDecision:
    with db.unit_of_work() as uow:
        group = groups.decide(uow, principal, application_id, approve=True, note=body.note)
        if group is None:  # more approvers must agree first
            return ApplicationDecision(group_id=None, status="pending")
        return ApplicationDecision(group_id=group.id, status="approved")


@router.post("/groups/applications/{application_id}/refusal")
def refuse(application_id: int, body: NoteIn, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        groups.decide(uow, principal, application_id, approve=False, note=body.note)
    return Status(status="refused")


@router.get("/groups/{group_id}")
def get_group(group_id: int, db: Db, principal: Member) -> groups.GroupView:
    with db.reading() as uow:
        return groups.group_view(uow, principal, group_id)


@router.put("/groups/{group_id}/name")
def rename(group_id: int, body: NameIn, db: Db, principal: Member) -> GroupName:
    with db.unit_of_work() as uow:
        return GroupName(name=groups.rename(uow, principal, group_id, body.name).name)


@router.post("/groups/{group_id}/owner")
def transfer(group_id: int, body: PersonIn, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        groups.transfer_ownership(uow, principal, group_id, body.staff_no)
    return Status(status="transferred")


@router.post("/groups/{group_id}/dissolution")
def dissolve(group_id: int, body: NoteIn, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        return Status(status=groups.dissolve(uow, principal, group_id, body.note).status)
