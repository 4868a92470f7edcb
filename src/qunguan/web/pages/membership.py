"""Membership forms: answering invitations and requests, membership-audit findings, the
inactivity flow, the approver's decisions on membership changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import changes as membership_changes
from qunguan.services.membership import inactivity, members
from qunguan.services.uow import UnitOfWork
from qunguan.web.deps import require
from qunguan.web.pages.rendering import act

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]


@router.post("/invitations/{invitation_id}/{answer}")
def answer_invitation(
    invitation_id: int, answer: str, request: Request, principal: Member
) -> Response:
    """Accept or decline an invitation; approve or decline a member's request."""
    actions: dict[str, Callable[[UnitOfWork], Any]] = {
        "accept": lambda uow: members.respond(uow, principal, invitation_id, accept=True),
        "decline": lambda uow: members.respond(uow, principal, invitation_id, accept=False),
        "approve": lambda uow: members.decide_request(uow, principal, invitation_id, approve=True),
        "refuse": lambda uow: members.decide_request(uow, principal, invitation_id, approve=False),
    }
    if answer not in actions:
        raise DomainError("http.not_found")
    return act(request, actions[answer], done=f"/groups?done={answer}")


@router.post("/findings/{finding_id}/{decision}")
def resolve_finding(
    finding_id: int, decision: str, request: Request, principal: Member
) -> Response:
    if decision not in ("remove", "keep"):
        raise DomainError("http.not_found")
    return act(
        request,
        lambda uow: membership_audit.resolve_finding(
            uow, principal, finding_id, remove=decision == "remove"
        ),
        done=f"/groups?done={decision}",
    )


@router.post("/inactive/{finding_id}/{step}")
def inactive_member(
    finding_id: int,
    step: str,
    request: Request,
    principal: Member,
    note: Annotated[str, Form()] = "",
) -> Response:
    """The inactivity flow (篇七 九.2): ask the department, its answer, then the removal."""
    actions: dict[str, Callable[[UnitOfWork], Any]] = {
        "ask": lambda uow: inactivity.request_confirmation(uow, principal, finding_id),
        "confirm": lambda uow: inactivity.confirm(
            uow, principal, finding_id, no_longer_needed=True, note=note
        ),
        "keep": lambda uow: inactivity.confirm(
            uow, principal, finding_id, no_longer_needed=False, note=note
        ),
        "remove": lambda uow: inactivity.remove(uow, principal, finding_id),
    }
    if step not in actions:
        raise DomainError("http.not_found", ErrorKind.NOT_FOUND)
    return act(request, actions[step], done=f"/groups?done={'inactive_' + step}")


@router.post("/membership-changes/{request_id}/{decision}")
def decide_change(
    request_id: int,
    decision: str,
    request: Request,
    principal: Member,
) -> Response:
    """The approver's decision on an addition or removal (篇四 四.2)."""
    if decision not in ("approve", "decline"):
        raise DomainError("http.not_found", ErrorKind.NOT_FOUND)
    return act(
        request,
        lambda uow: membership_changes.decide(
            uow, principal, request_id, approve=decision == "approve"
        ),
        done=f"/groups?done={'change_' + decision}",
    )
