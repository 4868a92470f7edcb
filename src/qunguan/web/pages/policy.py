"""Policy pages: the regulation in force, the editor, proposals and versions, acknowledgements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.policy.render import build
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.api.policy import regulation_for
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/policy")
def policy_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
    version: int | None = None,
) -> Response:
    try:
        reg, _policy = regulation_for(db, version)
    except DomainError as exc:
        if exc.code != "policy.none_adopted":
            raise
        return render(request, "policy/none.html")
    with db.reading() as uow:
        pending = policy_versions.pending_acknowledgement(uow, principal.user_id)
    return render(request, "policy/view.html", {"reg": reg, "pending": pending})


@router.post("/policy/acknowledgement")
def acknowledge(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
    version: Annotated[int, Form()],
) -> Response:
    with db.unit_of_work() as uow:
        policy_versions.acknowledge(uow, principal, version)
    return RedirectResponse("/policy?acknowledged=1", status_code=303)


def _editor(request: Request, document: str, *, status: int = 200, **extra: object) -> Response:
    return render(request, "policy/edit.html", {"document": document, **extra}, status=status)


@router.get("/policy/edit")
def edit_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
) -> Response:
    with db.reading() as uow:
        in_force = policy_versions.require_current(uow)
    return _editor(request, policy_versions.to_yaml(in_force.policy), version=in_force.version)


@router.post("/policy/edit")
def edit_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
    document: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "preview",
) -> Response:
    """Preview renders the edited policy; propose files it for a leader's approval."""
    try:
        if action == "propose":
            with db.unit_of_work() as uow:
                policy_versions.propose(uow, principal, document, reason)
            return RedirectResponse("/policy/versions?proposed=1", status_code=303)
        preview = build(policy_versions.parse_yaml(document))
    except DomainError as exc:
        error = error_with_citations(request, exc)
        return _editor(request, document, status=STATUS_OF[exc.kind], error=error, reason=reason)
    return _editor(request, document, preview=preview, reason=reason)


@router.get("/policy/versions")
def versions_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
) -> Response:
    with db.reading() as uow:
        rows = policy_versions.history(uow)
    return render(request, "policy/versions.html", {"rows": rows})


@router.post("/policy/proposals/{proposal_id}/decision")
def decide(
    proposal_id: int,
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_APPROVE))],
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    if decision not in ("approve", "refuse"):
        raise DomainError("request.invalid")
    try:
        with db.unit_of_work() as uow:
            if decision == "approve":
                policy_versions.approve(uow, principal, proposal_id, note)
            else:
                policy_versions.refuse(uow, principal, proposal_id, note)
    except DomainError as exc:
        with db.reading() as uow:
            rows = policy_versions.history(uow)
        error = error_with_citations(request, exc)
        return render(
            request,
            "policy/versions.html",
            {"rows": rows, "error": error},
            status=STATUS_OF[exc.kind],
        )
    return RedirectResponse("/policy/versions?decided=1", status_code=303)


@router.get("/policy/acknowledgements")
def status_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_STATUS))],
) -> Response:
    with db.reading() as uow:
        in_force = policy_versions.require_current(uow)
        rows = policy_versions.acknowledgement_status(uow, in_force.version)
    done = sum(1 for r in rows if r.acknowledged_at)
    context = {"rows": rows, "version": in_force.version, "done": done, "total": len(rows)}
    return render(request, "policy/status.html", context)
