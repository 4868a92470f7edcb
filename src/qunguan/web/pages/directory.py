"""Directory pages: the list with search and filters, a person, the import page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.directory import (
    DisplayNameFormat,
    EmploymentStatus,
    PeopleQuery,
    display_name,
)
from qunguan.domain.errors import DomainError
from qunguan.services.directory import people as directory
from qunguan.services.uow import Database
from qunguan.web.api.directory import read_upload, run_import
from qunguan.web.deps import database, require
from qunguan.web.errors import STATUS_OF, error_with_citations
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# Where each kind of account starts: the first of these it may open.
_HOME_PAGES = (
    (Permission.GROUPS, "/groups"),
    (Permission.DIRECTORY_READ, "/directory"),
    (Permission.AUDIT_READ, "/audit"),
    (Permission.USERS_MANAGE, "/admin/users"),
)


@router.get("/")
def home(principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))]) -> Response:
    target = next((page for perm, page in _HOME_PAGES if perm in principal.permissions), "/account")
    return RedirectResponse(target, status_code=303)


@router.get("/directory")
def directory_page(
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
    q: str = "",
    unit: str = "",
    department: str = "",
    status: str = "",
    page: int = 1,
    partial: bool = False,
) -> Response:
    page = max(page, 1)
    query = PeopleQuery(
        text=q.strip(),
        unit_id=_int_or_none(unit),
        department_id=_int_or_none(department),
        status=EmploymentStatus(status) if status in {s.value for s in EmploymentStatus} else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    with db.reading() as uow:
        people, total = directory.search_people(uow, query)
        units = directory.organisation(uow)
    rows = [(p.id, p.record) for p in people]
    context = {
        "rows": rows,
        "total": total,
        "units": units,
        "departments": [(d_id, u.id, d_name) for u in units for d_id, d_name in u.departments],
        "filters": {"q": q, "unit": unit, "department": department, "status": status},
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "statuses": [s.value for s in EmploymentStatus],
    }
    return render(request, "directory/_results.html" if partial else "directory/list.html", context)


@router.get("/directory/people/{person_id}")
def person_page(
    person_id: int,
    request: Request,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
) -> Response:
    with db.reading() as uow:
        person = directory.get_person(uow, person_id)
    rec, updated_at = person.record, person.updated_at
    names = [(fmt.value, display_name(rec, fmt)) for fmt in DisplayNameFormat]
    return render(
        request,
        "directory/person.html",
        {"person": rec, "person_id": person_id, "display_names": names, "updated_at": updated_at},
    )


@router.get("/directory/import")
def import_page(
    request: Request, _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))]
) -> Response:
    return render(request, "directory/import.html")


@router.post("/directory/import")
async def import_submit(
    request: Request,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
) -> Response:
    async with request.form() as form:  # closes the uploaded temporary file afterwards
        upload = form.get("file")
        dry_run = form.get("dry_run") == "1"
        if not isinstance(upload, UploadFile) or not upload.filename:
            return render(request, "directory/import.html", {"missing_file": True}, status=422)
        filename = upload.filename
        try:
            data = await read_upload(request, upload)
            report = await run_in_threadpool(run_import, db, principal, filename, data, dry_run)
        except DomainError as exc:
            context = {"error": error_with_citations(request, exc), "filename": filename}
            return render(request, "directory/import.html", context, status=STATUS_OF[exc.kind])
    return render(request, "directory/import.html", {"report": report, "filename": filename})
