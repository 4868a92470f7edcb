"""The directory: people, organisation, import, export and template."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile as StarletteUpload

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.directory import (
    DirectoryDiff,
    DisplayNameFormat,
    EmploymentStatus,
    PeopleQuery,
    display_name,
)
from qunguan.domain.errors import DomainError
from qunguan.services.directory import people as directory
from qunguan.services.directory import profiles
from qunguan.services.directory.people import PersonView
from qunguan.services.uow import Database
from qunguan.web.deps import database, require, settings

router = APIRouter(prefix="/api/v1/directory", tags=["directory"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FileFormat = Literal["xlsx", "csv"]


def person_json(person: PersonView, *, with_display_names: bool = False) -> dict[str, Any]:
    rec = person.record
    out: dict[str, Any] = {
        "id": person.id,
        "staff_no": rec.staff_no,
        "name": rec.name,
        "unit": rec.unit,
        "unit_id": person.unit_id,
        "department": rec.department,
        "department_id": person.department_id,
        "post": rec.post,
        "mobile": rec.mobile,
        "party_member": rec.party_member,
        "status": rec.status.value,
        "status_date": rec.status_date.isoformat() if rec.status_date else None,
    }
    if with_display_names:
        out["display_names"] = {fmt.value: display_name(rec, fmt) for fmt in DisplayNameFormat}
    return out


def diff_json(diff: DirectoryDiff) -> dict[str, Any]:
    return {
        **directory.summary_of(diff),
        "counts": {
            "created": len(diff.created),
            "updated": len(diff.updated),
            "unchanged": diff.unchanged,
            "org_created": len(diff.org_created),
        },
    }


def download(data: bytes, filename: str, fmt: FileFormat) -> Response:
    return Response(
        data,
        media_type=XLSX_TYPE if fmt == "xlsx" else CSV_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
    )


async def read_upload(request: Request, file: StarletteUpload) -> bytes:
    limit = settings(request).max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DomainError("file.too_large", params={"limit": limit // (1024 * 1024)})
    return data


@router.get("/people")
def list_people(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
    q: str = "",
    unit_id: int | None = None,
    department_id: int | None = None,
    status: EmploymentStatus | None = None,
    party_member: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    query = PeopleQuery(q.strip(), unit_id, department_id, status, party_member, limit, offset)
    with db.reading() as uow:
        rows, total = directory.search_people(uow, query)
    return {"total": total, "items": [person_json(p) for p in rows]}


@router.get("/people/{person_id}")
def get_person(
    person_id: int,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
) -> dict[str, Any]:
    with db.reading() as uow:
        person = directory.get_person(uow, person_id)
    return person_json(person, with_display_names=True)


@router.get("/units")
def list_units(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
) -> dict[str, Any]:
    with db.reading() as uow:
        units = directory.organisation(uow)
    return {
        "units": [
            {
                "id": u.id,
                "name": u.name,
                "parent_id": u.parent_id,
                "departments": [{"id": d_id, "name": d_name} for d_id, d_name in u.departments],
            }
            for u in units
        ]
    }


@router.post("/imports")
async def import_people(
    request: Request,
    file: UploadFile,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
    dry_run: bool = False,
) -> dict[str, Any]:
    """Import people from .xlsx or .csv: all rows or none; the answer says what changed."""
    data = await read_upload(request, file)
    report = await run_in_threadpool(
        run_import, db, principal, file.filename or "upload", data, dry_run
    )
    return {"applied": report.applied, "import_id": report.import_id, **diff_json(report.diff)}


def run_import(
    db: Database, principal: Principal, filename: str, data: bytes, dry_run: bool
) -> directory.ImportReport:
    with db.unit_of_work() as uow:
        return directory.import_directory(uow, principal.actor(), filename, data, dry_run=dry_run)


@router.get("/export")
def export_people(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
    format: FileFormat = "xlsx",
) -> Response:
    with db.unit_of_work() as uow:
        data = directory.export_directory(uow, principal.actor(), format)
    return download(data, f"directory.{format}", format)


@router.get("/stale-profiles")
def stale_profiles(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
) -> dict[str, Any]:
    """Members who let their periodic confirmation lapse (篇七 三.2)."""
    with db.reading() as uow:
        rows = profiles.stale(uow)
    return {
        "items": [
            {
                "username": r.username,
                "name": r.name,
                "due_at": r.due_at.isoformat(),
                "last_confirmed": r.last_confirmed.isoformat() if r.last_confirmed else None,
            }
            for r in rows
        ]
    }


@router.get("/template")
def template(
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
    format: FileFormat = "xlsx",
) -> Response:
    return download(directory.directory_template(format), f"directory-template.{format}", format)
