"""Membership: members, invitations and requests, leaving and removal, roles, exemptions,
coverage, nicknames; membership-audit findings, inactivity, membership changes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.policy.rules.membership import GroupRole
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import changes as membership_changes
from qunguan.services.membership import inactivity, members
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, Status
from qunguan.web.api.groups.lifecycle import NameIn, NoteIn, PersonIn
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1", tags=["membership"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class Removal(BaseModel):
    status: str = Field(description="removed, or removal_requested when an approver decides")
    id: str | None = Field(default=None, description="the request, when one was made")


class Exemption(BaseModel):
    name: str
    reason: str


class UnitCoverage(BaseModel):
    missing: list[str]
    exempted: list[Exemption]


class Inbox(BaseModel):
    invitations: list[members.InvitationView] = Field(description="addressed to me")
    requests: list[members.InvitationView] = Field(description="waiting for my decision")


class ChangeResult(BaseModel):
    result: str


@router.get("/groups/{group_id}/members")
def list_members(group_id: int, db: Db, principal: Member) -> Items[members.MemberView]:
    with db.reading() as uow:
        return Items(items=members.members(uow, principal, group_id))


@router.post("/groups/{group_id}/invitations", status_code=201)
def invite(group_id: int, body: PersonIn, db: Db, principal: Member) -> members.Outcome:
    """An invitation (consent pending), a direct addition, or a request, as the policy says."""
    with db.unit_of_work() as uow:
        return members.invite(uow, principal, group_id, body.staff_no, body.reason)


@router.post("/groups/{group_id}/leave")
def leave(group_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        members.leave(uow, principal, group_id)
    return Status(status="left")


@router.post("/groups/{group_id}/removals", response_model_exclude_none=True)
def remove(group_id: int, body: PersonIn, db: Db, principal: Member) -> Removal:
    with db.unit_of_work() as uow:
        pending = members.remove(uow, principal, group_id, body.staff_no, body.reason)
    if pending is not None:  # the approver decides first (篇四 四.2)
        return Removal(status="removal_requested", id=str(pending.id))
    return Removal(status="removed")


class RoleIn(BaseModel):
    staff_no: str = Field(min_length=1, max_length=32)
    role: Literal["group_admin", "member"]


@router.put("/groups/{group_id}/roles")
def set_role(group_id: int, body: RoleIn, db: Db, principal: Member) -> Status:
    """The owner appoints or stands down a group admin."""
    with db.unit_of_work() as uow:
        members.set_role(uow, principal, group_id, body.staff_no, GroupRole(body.role))
    return Status(status="saved")


@router.post("/groups/{group_id}/exemptions", status_code=201)
def exempt(group_id: int, body: PersonIn, db: Db, principal: Member) -> Status:
    """Leave someone out of a unit-wide group on purpose, with the reason."""
    with db.unit_of_work() as uow:
        members.exempt(uow, principal, group_id, body.staff_no, body.reason)
    return Status(status="exempted")


@router.get("/groups/{group_id}/coverage")
def coverage(group_id: int, db: Db, principal: Member) -> UnitCoverage:
    """A unit-wide group against its unit: who is missing, who is exempted and why."""
    with db.reading() as uow:
        result = members.coverage(uow, principal, group_id)
    return UnitCoverage(
        missing=result.missing,
        exempted=[Exemption(name=n, reason=r) for n, r in result.exempted],
    )


@router.put("/groups/{group_id}/nickname")
def set_nickname(group_id: int, _body: NameIn, db: Db, principal: Member) -> dict[str, str]:
    """Always refused: display names come from the directory (篇二 二.1)."""
    with db.reading() as uow:
        members.set_nickname(uow, principal, group_id)
    return {}


@router.get("/invitations")
def inbox(db: Db, principal: Member) -> Inbox:
    with db.reading() as uow:
        mine, waiting = members.inbox(uow, principal)
    return Inbox(invitations=mine, requests=waiting)


@router.post("/invitations/{invitation_id}/acceptance")
def accept(invitation_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        members.respond(uow, principal, invitation_id, accept=True)
    return Status(status="accepted")


@router.post("/invitations/{invitation_id}/decline")
def decline(invitation_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        members.respond(uow, principal, invitation_id, accept=False)
    return Status(status="declined")


@router.post("/invitations/{invitation_id}/approval")
def approve_request(invitation_id: int, db: Db, principal: Member) -> members.Outcome:
    with db.unit_of_work() as uow:
        return members.decide_request(uow, principal, invitation_id, approve=True)


@router.post("/invitations/{invitation_id}/refusal")
def refuse_request(invitation_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        members.decide_request(uow, principal, invitation_id, approve=False)
    return Status(status="declined")


@router.get("/groups/{group_id}/findings")
def list_findings(group_id: int, db: Db, principal: Member) -> Items[membership_audit.FindingView]:
    with db.reading() as uow:
        return Items(items=membership_audit.findings(uow, principal, group_id))


@router.post("/findings/{finding_id}/removal")
def remove_found(finding_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        membership_audit.resolve_finding(uow, principal, finding_id, remove=True)
    return Status(status="removed")


@router.post("/findings/{finding_id}/keep")
def keep_found(finding_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        membership_audit.resolve_finding(uow, principal, finding_id, remove=False)
    return Status(status="kept")


class ConfirmIn(BaseModel):
    no_longer_needed: bool
    note: str = Field(default="", max_length=2000)


@router.get("/groups/{group_id}/inactive")
def inactive_members(group_id: int, db: Db, principal: Member) -> Items[inactivity.InactiveView]:
    """Members silent beyond the policy's period, with their last substantive activity."""
    with db.reading() as uow:
        return Items(items=inactivity.report(uow, principal, group_id))


@router.post("/inactive/{finding_id}/confirmation-request")
def ask_department(finding_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        inactivity.request_confirmation(uow, principal, finding_id)
    return Status(status="awaiting_department")


@router.post("/inactive/{finding_id}/confirmation")
def department_answers(finding_id: int, body: ConfirmIn, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        inactivity.confirm(
            uow, principal, finding_id, no_longer_needed=body.no_longer_needed, note=body.note
        )
    return Status(status="confirmed" if body.no_longer_needed else "kept")


@router.post("/inactive/{finding_id}/removal")
def remove_inactive(finding_id: int, db: Db, principal: Member) -> Status:
    with db.unit_of_work() as uow:
        inactivity.remove(uow, principal, finding_id)
    return Status(status="removed")


@router.get("/inactivity/tasks")
def confirmation_tasks(db: Db, principal: Member) -> Items[inactivity.InactiveView]:
    """The confirmations waiting for me as the head of a department (or the office)."""
    with db.reading() as uow:
        return Items(items=inactivity.tasks(uow, principal))


@router.get("/membership-changes")
def membership_change_requests(db: Db, principal: Member) -> Items[membership_changes.ChangeView]:
    """Additions and removals waiting for me as the group approver (篇四 四.2)."""
    with db.reading() as uow:
        return Items(items=membership_changes.pending(uow, principal))


@router.post("/membership-changes/{request_id}/approval")
def approve_change(request_id: int, body: NoteIn, db: Db, principal: Member) -> ChangeResult:
    with db.unit_of_work() as uow:
        result = membership_changes.decide(uow, principal, request_id, approve=True, note=body.note)
    return ChangeResult(result=result)


@router.post("/membership-changes/{request_id}/refusal")
def decline_change(request_id: int, body: NoteIn, db: Db, principal: Member) -> ChangeResult:
    with db.unit_of_work() as uow:
        result = membership_changes.decide(
            uow, principal, request_id, approve=False, note=body.note
        )
    return ChangeResult(result=result)
