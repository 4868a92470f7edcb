"""Group pages: the group list, applying, the approval inbox, a group and its forms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.services.directory import people as directory
from qunguan.services.groups import lifecycle as groups
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import changes as membership_changes
from qunguan.services.membership import inactivity, members
from qunguan.services.uow import Database, UnitOfWork
from qunguan.web.deps import database, require
from qunguan.web.pages.rendering import act, render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


@router.get("/groups")
def groups_page(request: Request, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        mine = groups.my_groups(uow, principal)
        invitations, requests = members.inbox(uow, principal)
        confirmations = inactivity.tasks(uow, principal)
        changes = membership_changes.pending(uow, principal)
        approver = groups.may_approve_applications(uow, principal)
    context = {
        "groups": mine,
        "invitations": invitations,
        "requests": requests,
        "approver": approver,
        "confirmations": confirmations,
        "changes": changes,
    }
    return render(request, "groups/list.html", context)


def _apply_page(request: Request, db: Database, *, status: int = 200, **extra: Any) -> Response:
    with db.reading() as uow:
        settings = groups.settings_in_force(uow)
        units = [u.name for u in directory.organisation(uow)]
    context = {
        "units": units,
        "types": settings.groups.types,
        "needs_end": settings.groups.end_date_required_for,
        "must_end": settings.groups.must_declare_end_date,
        "naming": settings.groups.naming,
        "form": {},
        **extra,
    }
    return render(request, "groups/apply.html", context, status=status)


@router.get("/groups/apply")
def apply_page(request: Request, db: Db, _p: Member) -> Response:
    return _apply_page(request, db)


@router.post("/groups/apply")
def apply_submit(
    request: Request,
    db: Db,
    principal: Member,
    name: Annotated[str, Form(max_length=60)] = "",
    type: Annotated[str, Form(max_length=40)] = "",
    purpose: Annotated[str, Form(max_length=2000)] = "",
    owner_staff_no: Annotated[str, Form(max_length=32)] = "",
    end_date: Annotated[str, Form(max_length=10)] = "",
    confirm_names: Annotated[str, Form(max_length=200)] = "",
    scope_unit: Annotated[str, Form(max_length=100)] = "",
    unit_wide: Annotated[str, Form(max_length=1)] = "",
    members: Annotated[str, Form(max_length=2000)] = "",
    confirm_duplicate: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    raw = {
        "name": name,
        "type": type,
        "purpose": purpose,
        "owner_staff_no": owner_staff_no,
        "end_date": end_date,
        "confirm_names": confirm_names,
        "scope_unit": scope_unit,
        "unit_wide": unit_wide,
        "members": members,
    }
    try:
        ends = date.fromisoformat(end_date) if end_date else None
    except ValueError:
        ends = None
    form = groups.ApplicationForm(
        name,
        type,
        purpose,
        owner_staff_no,
        ends,
        tuple(n for n in confirm_names.split("、") if n),
        scope_unit=scope_unit,
        unit_wide=unit_wide == "1",
        members=tuple(members.replace("，", ",").replace(",", " ").split()),
        confirm_duplicate=confirm_duplicate == "1",
    )
    return act(
        request,
        lambda uow: groups.apply(uow, principal, form),
        done="/groups/applications?done=applied",
        on_error=lambda error, status: _apply_page(
            request, db, status=status, error=error, form=raw
        ),
    )


def _applications_page(
    request: Request,
    db: Database,
    principal: Principal,
    *,
    status: int = 200,
    error: dict[str, Any] | None = None,
) -> Response:
    with db.reading() as uow:
        rows = groups.applications(uow, principal)
        approver = groups.may_approve_applications(uow, principal)
    return render(
        request,
        "groups/applications.html",
        {"rows": rows, "approver": approver, "error": error},
        status=status,
    )


@router.get("/groups/applications")
def applications_page(request: Request, db: Db, principal: Member) -> Response:
    return _applications_page(request, db, principal)


@router.post("/groups/applications/{application_id}/decision")
def decide(
    application_id: int,
    request: Request,
    db: Db,
    principal: Member,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if decision not in ("approve", "refuse"):
        raise DomainError("request.invalid")
    return act(
        request,
        lambda uow: groups.decide(
            uow, principal, application_id, approve=decision == "approve", note=note
        ),
        done=f"/groups/applications?done={decision}",
        on_error=lambda error, status: _applications_page(
            request, db, principal, status=status, error=error
        ),
    )


def _group_page(
    request: Request,
    db: Database,
    principal: Principal,
    group_id: int,
    *,
    status: int = 200,
    error: dict[str, Any] | None = None,
) -> Response:
    with db.reading() as uow:
        view = groups.group_view(uow, principal, group_id)
        can = groups.abilities(uow, principal, group_id)
        roster = members.members(uow, principal, group_id)
        _mine, waiting = members.inbox(uow, principal)
        findings = membership_audit.findings(uow, principal, group_id) if can.see_findings else []
        inactive = inactivity.report(uow, principal, group_id) if can.see_findings else []
        unit_coverage = members.coverage(uow, principal, group_id)
    context = {
        "group": view,
        "members": roster,
        "error": error,
        "requests": [r for r in waiting if r.group_id == group_id],
        "findings": findings,
        "inactive": inactive,
        "can_invite": can.invite,
        "can_request": can.request,
        "can_manage": can.manage,
        "can_hand_over": can.hand_over,
        "consent": can.consent_asked,
        "coverage": unit_coverage,
    }
    return render(request, "groups/detail.html", context, status=status)


@router.get("/groups/{group_id}")
def group_page(group_id: int, request: Request, db: Db, principal: Member) -> Response:
    return _group_page(request, db, principal, group_id)


@router.post("/groups/{group_id}/{action}")
def group_action(
    group_id: int,
    action: str,
    request: Request,
    db: Db,
    principal: Member,
    staff_no: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    name: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """The group page's forms: invite, remove, rename, hand over, dissolve, leave."""
    actions: dict[str, Callable[[UnitOfWork], Any]] = {
        "invite": lambda uow: members.invite(uow, principal, group_id, staff_no, reason),
        "remove": lambda uow: members.remove(uow, principal, group_id, staff_no, reason),
        "rename": lambda uow: groups.rename(uow, principal, group_id, name),
        "hand-over": lambda uow: groups.transfer_ownership(uow, principal, group_id, staff_no),
        "dissolve": lambda uow: groups.dissolve(uow, principal, group_id, reason),
        "leave": lambda uow: members.leave(uow, principal, group_id),
    }
    if action not in actions:
        raise DomainError("http.not_found")
    target = "/groups" if action in ("leave", "dissolve") else f"/groups/{group_id}"
    return act(
        request,
        actions[action],
        done=lambda outcome: f"{target}?done={flash_of(outcome, action)}",
        on_error=lambda error, status: _group_page(
            request, db, principal, group_id, status=status, error=error
        ),
    )


def flash_of(outcome: object, done: str) -> str:
    """What the page says after an action: a change that now awaits an approver says so."""
    if isinstance(outcome, members.Outcome) and outcome.result in ("change", "removal"):
        return outcome.result
    return done
