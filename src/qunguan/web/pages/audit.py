"""The audit trail browser, for the auditor."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.audit import AuditQuery
from qunguan.services import audit
from qunguan.services.uow import Database
from qunguan.web.api.audit import audit_query
from qunguan.web.deps import database, require
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/audit")
def audit_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.AUDIT_READ))],
    query: Annotated[AuditQuery, Depends(audit_query)],
    page: int = 1,
    verify: bool = False,
) -> Response:
    page = max(page, 1)
    paged = replace(query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    with db.reading() as uow:
        rows, total = audit.search(uow, paged)
        verification = audit.verify(uow) if verify else None
    params = {k: v for k, v in request.query_params.items() if k not in {"page", "verify"}}
    context = {
        "rows": rows,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "filters": params,
        "query_string": urlencode(params),
        "verification": verification,
    }
    return render(request, "audit/list.html", context)
