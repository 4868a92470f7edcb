"""Keeping-order pages: the review queue with the open patrols (a group admin's, and the
security admin's agency-wide one), a member's record with appeals and reports, a case,
and a group's decision records."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError
from qunguan.policy.document import SanctionStep
from qunguan.services.conduct import message_admin, patrols, reports, review, sanctions
from qunguan.services.uow import Database
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import act, render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Security = Annotated[Principal, Depends(require(Permission.REVIEW_AGENCY))]
Approver = Annotated[Principal, Depends(require(Permission.REVEAL_APPROVE))]
Db = Annotated[Database, Depends(database)]

MUTE_HOURS = (1, 2, 24, 72)


def _queue_page(
    request: Request,
    db: Database,
    principal: Principal,
    base: str,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    with db.reading() as uow:
        reviewed = review.groups_reviewed(uow, principal)
        items = review.queue(uow, principal)
        open_patrols = patrols.open_of(uow, [g.id for g in reviewed])
        reveals = reports.reveals(uow, principal) if base == "/review/agency" else []
    names = {g.id: g.name for g in reviewed}
    context = {
        "items": items,
        "patrols": open_patrols,
        "group_names": names,
        "base": base,
        "mute_hours": MUTE_HOURS,
        "reveals": reveals,
        **extra,
    }
    return render(request, "conduct/queue.html", context, status=status)


@router.get("/review")
def queue_page(request: Request, db: Db, principal: Member) -> Response:
    return _queue_page(request, db, principal, "/review")


@router.get("/review/agency")
def agency_page(request: Request, db: Db, principal: Security) -> Response:
    return _queue_page(request, db, principal, "/review/agency")


def _hours(value: str) -> float | None:
    """The hours typed on a page: empty for the policy's default, else a number."""
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise DomainError(
            "request.field_invalid", params={"field": "hours", "reason": value}
        ) from None


def _decide(
    request: Request,
    db: Database,
    principal: Principal,
    base: str,
    kind: str,
    item_id: int,
    form: tuple[str, str, str],
) -> Response:
    action, reason, hours = form
    if kind not in review.KINDS:
        raise DomainError("http.not_found")
    decision = review.Decision(action, reason, _hours(hours))
    return act(
        request,
        lambda uow: review.decide(uow, principal, kind, item_id, decision),
        done=f"{base}?done={action}",
        on_error=lambda error, status: _queue_page(
            request, db, principal, base, status=status, error=error
        ),
    )


@router.post("/review/{kind}/{item_id}")
def decide(
    kind: str,
    item_id: int,
    request: Request,
    db: Db,
    principal: Member,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> Response:
    return _decide(request, db, principal, "/review", kind, item_id, (action, reason, hours))


@router.post("/review/agency/{kind}/{item_id}")
def agency_decide(
    kind: str,
    item_id: int,
    request: Request,
    db: Db,
    principal: Security,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> Response:
    base = "/review/agency"
    return _decide(request, db, principal, base, kind, item_id, (action, reason, hours))


@router.post("/review/tidy")
def tidy(
    request: Request,
    db: Db,
    principal: Member,
    group_id: Annotated[int, Form()],
    reason: Annotated[str, Form()],
    text: Annotated[str, Form()] = "",
    sender: Annotated[str, Form()] = "",
    before: Annotated[str, Form()] = "",
) -> Response:
    """Bulk tidy-up: remove a group's visible messages matching the filter."""
    try:
        cutoff = datetime.fromisoformat(before) if before else None
    except ValueError:
        raise DomainError("request.invalid") from None
    f = message_admin.TidyFilter(text, sender, cutoff)
    return act(
        request,
        lambda uow: message_admin.tidy(uow, principal, group_id, f, reason),
        done="/review?done=tidy",
        on_error=lambda error, status: _queue_page(
            request, db, principal, "/review", status=status, error=error
        ),
    )


@router.post("/review/agency/reports/{report_id}/reveal")
def request_reveal(
    report_id: int,
    request: Request,
    db: Db,
    principal: Security,
    reason: Annotated[str, Form()],
) -> Response:
    """The security admin asks to read a confidential reporter; two leaders must approve."""
    return act(
        request,
        lambda uow: reports.request_reveal(uow, principal, report_id, reason),
        done="/review/agency?done=reveal",
        on_error=lambda error, status: _queue_page(
            request, db, principal, "/review/agency", status=status, error=error
        ),
    )


@router.post("/reveals/{reveal_id}/read")
def read_reveal(reveal_id: int, request: Request, db: Db, principal: Security) -> Response:
    """Once approved twice: the reporter, shown to the one who asked (the reading is audited)."""
    try:
        with db.unit_of_work() as uow:
            revealed = reports.reveal(uow, principal, reveal_id)
    except DomainError as exc:
        error = error_with_citations(request, exc)
        status = STATUS_OF[exc.kind]
        return _queue_page(request, db, principal, "/review/agency", status=status, error=error)
    return _queue_page(request, db, principal, "/review/agency", revealed=revealed)


def _reveals_page(
    request: Request, db: Database, principal: Principal, *, status: int = 200, **extra: Any
) -> Response:
    with db.reading() as uow:
        items = reports.reveals(uow, principal)
    context = {"reveals": items, **extra}
    return render(request, "conduct/reveals.html", context, status=status)


@router.get("/reveals")
def reveals_page(request: Request, db: Db, principal: Approver) -> Response:
    return _reveals_page(request, db, principal)


@router.post("/reveals/{reveal_id}/approve")
def approve_reveal(reveal_id: int, request: Request, db: Db, principal: Approver) -> Response:
    return act(
        request,
        lambda uow: reports.approve_reveal(uow, principal, reveal_id),
        done="/reveals?done=approved",
        on_error=lambda error, status: _reveals_page(
            request, db, principal, status=status, error=error
        ),
    )


@router.post("/patrols/{patrol_id}/complete")
def complete_patrol(
    patrol_id: int,
    request: Request,
    db: Db,
    principal: Member,
    note: Annotated[str, Form()] = "",
) -> Response:
    return act(
        request,
        lambda uow: patrols.complete(uow, principal, patrol_id, note),
        done="/review?done=patrol",
        on_error=lambda error, status: _queue_page(
            request, db, principal, "/review", status=status, error=error
        ),
    )


def _record_page(
    request: Request, db: Database, principal: Principal, *, status: int = 200, **extra: Any
) -> Response:
    with db.reading() as uow:
        record = sanctions.my_record(uow, principal)
        mine = reports.mine(uow, principal)
    context = {"record": record, "reports": mine, **extra}
    return render(request, "conduct/record.html", context, status=status)


@router.get("/me/record")
def record_page(request: Request, db: Db, principal: Member) -> Response:
    return _record_page(request, db, principal)


@router.post("/me/record/appeal/{sanction_id}")
def appeal(
    sanction_id: int,
    request: Request,
    db: Db,
    principal: Member,
    statement: Annotated[str, Form()],
) -> Response:
    return act(
        request,
        lambda uow: sanctions.appeal(uow, principal, sanction_id, statement),
        done="/me/record?done=appeal",
        on_error=lambda error, status: _record_page(
            request, db, principal, status=status, error=error
        ),
    )


@router.post("/me/record/follow")
def follow(
    request: Request, db: Db, principal: Member, receipt: Annotated[str, Form()]
) -> Response:
    try:
        with db.reading() as uow:
            followed = reports.by_receipt(uow, receipt)
    except DomainError as exc:
        error, status = error_with_citations(request, exc), STATUS_OF[exc.kind]
        return _record_page(request, db, principal, status=status, error=error)
    return _record_page(request, db, principal, followed=followed)


def _case_page(
    request: Request,
    db: Database,
    principal: Principal,
    group_id: int,
    staff_no: str,
    *,
    status: int = 200,
    **extra: Any,
) -> Response:
    with db.reading() as uow:
        record = sanctions.member_record(uow, principal, group_id, staff_no)
        latest = record.violations[-1] if record.violations else None
        proposal = sanctions.propose(uow, principal, latest.id) if latest else None
        steps = sanctions.steps_open(uow)
    context = {
        "record": record,
        "group_id": group_id,
        "staff_no": staff_no,
        "latest": latest,
        "proposal": proposal,
        "steps": steps,
        "mute_hours": MUTE_HOURS,
        **extra,
    }
    return render(request, "conduct/case.html", context, status=status)


@router.get("/review/case/{group_id}/{staff_no}")
def case_page(
    group_id: int, staff_no: str, request: Request, db: Db, principal: Member
) -> Response:
    return _case_page(request, db, principal, group_id, staff_no)


@router.post("/review/case/{group_id}/{staff_no}/violation")
def case_violation(
    group_id: int,
    staff_no: str,
    request: Request,
    db: Db,
    principal: Member,
    reason: Annotated[str, Form()],
) -> Response:
    """Record a violation from the case page (no message: conduct the admin witnessed)."""
    return act(
        request,
        lambda uow: sanctions.record_violation(
            uow, principal, group_id, staff_no=staff_no, reason=reason
        ),
        done=f"/review/case/{group_id}/{staff_no}?done=violation",
        on_error=lambda error, status: _case_page(
            request, db, principal, group_id, staff_no, status=status, error=error
        ),
    )


@router.post("/review/case/{group_id}/{staff_no}/sanction")
def case_sanction(
    group_id: int,
    staff_no: str,
    request: Request,
    db: Db,
    principal: Member,
    violation_id: Annotated[int, Form()],
    step: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "",
) -> Response:
    """Apply a measure (the ladder's proposal preselected) for the latest violation."""
    try:
        chosen = SanctionStep(step)
    except ValueError:
        raise DomainError("sanctions.step_unknown", params={"step": step}) from None
    measure = sanctions.Measure(chosen, reason, _hours(hours))
    return act(
        request,
        lambda uow: sanctions.apply(uow, principal, violation_id, measure),
        done=f"/review/case/{group_id}/{staff_no}?done=sanction",
        on_error=lambda error, status: _case_page(
            request, db, principal, group_id, staff_no, status=status, error=error
        ),
    )


@router.get("/groups/{group_id}/decisions")
def decisions_page(group_id: int, request: Request, db: Db, principal: Member) -> Response:
    with db.reading() as uow:
        items = message_admin.decisions(uow, principal, group_id)
    return render(request, "conduct/decisions.html", {"items": items, "group_id": group_id})
