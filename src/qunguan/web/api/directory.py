"""The directory: people, organisation, import, export and template."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
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
from qunguan.web.api.encoding import Counted, Items, files
from qunguan.web.deps import database, require, settings

router = APIRouter(prefix="/api/v1/directory", tags=["directory"])

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
FileFormat = Literal["xlsx", "csv"]


class Person(BaseModel):
    id: int
    staff_no: str
    name: str
    unit: str
    unit_id: int
    department: str
    department_id: int
    post: str
    mobile: str
    party_member: bool
    status: EmploymentStatus
    status_date: date | None


class PersonDetail(Person):
    display_names: dict[DisplayNameFormat, str] = Field(description="the name in each format")


class Department(BaseModel):
    id: int
    name: str


class Unit(BaseModel):
    id: int
    name: str
    parent_id: int | None
    departments: list[Department]


class Units(BaseModel):
    units: list[Unit]


class Updated(BaseModel):
    staff_no: str
    changes: list[list[str]] = Field(description="[field, before, after] per changed field")


class ImportCounts(BaseModel):
    created: int
    updated: int
    unchanged: int
    org_created: int


class ImportAnswer(BaseModel):
    """What an import changed (or, on a dry run, would change)."""

    applied: bool
    import_id: int | None
    created: list[str] = Field(description="staff numbers")
    updated: list[Updated]
    unchanged: int
    org_created: list[list[str]] = Field(description="[unit, department] per new department")
    counts: ImportCounts


def person_fields(person: PersonView) -> dict[str, Any]:
    rec = person.record
    return {
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
        "status": rec.status,
        "status_date": rec.status_date,
    }


def person_json(person: PersonView) -> Person:
    return Person.model_validate(person_fields(person))


def person_detail(person: PersonView) -> PersonDetail:
    names = {fmt: display_name(person.record, fmt) for fmt in DisplayNameFormat}
    return PersonDetail.model_validate({**person_fields(person), "display_names": names})


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
) -> Counted[Person]:
    query = PeopleQuery(q.strip(), unit_id, department_id, status, party_member, limit, offset)
    with db.reading() as uow:
        rows, total = directory.search_people(uow, query)
    return Counted(total=total, items=[person_json(p) for p in rows])


@router.get("/people/{person_id}")
def get_person(
    person_id: int,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
) -> PersonDetail:
    with db.reading() as uow:
        person = directory.get_person(uow, person_id)
    return person_detail(person)


@router.get("/units")
def list_units(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_READ))],
) -> Units:
    with db.reading() as uow:
        units = directory.organisation(uow)
    return Units(
        units=[
            Unit(
                id=u.id,
                name=u.name,
                parent_id=u.parent_id,
                departments=[Department(id=d_id, name=d_name) for d_id, d_name in u.departments],
            )
            for u in units
        ]
    )


@router.post("/imports")
async def import_people(
    request: Request,
    file: UploadFile,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
    dry_run: bool = False,
) -> ImportAnswer:
    """Import people from .xlsx or .csv: all rows or none; the answer says what changed."""
    data = await read_upload(request, file)
    report = await run_in_threadpool(
        run_import, db, principal, file.filename or "upload", data, dry_run
    )
    return ImportAnswer.model_validate(
        {"applied": report.applied, "import_id": report.import_id, **diff_json(report.diff)}
    )


def run_import(
    db: Database, principal: Principal, filename: str, data: bytes, dry_run: bool
) -> directory.ImportReport:
    with db.unit_of_work() as uow:
        return directory.import_directory(uow, principal.actor(), filename, data, dry_run=dry_run)


@router.get("/export", response_class=Response, responses=files(XLSX_TYPE, CSV_TYPE))
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
) -> Items[profiles.StaleProfile]:
    """Members who let their periodic confirmation lapse (篇七 三.2)."""
    with db.reading() as uow:
        return Items(items=profiles.stale(uow))


@router.get("/template", response_class=Response, responses=files(XLSX_TYPE, CSV_TYPE))
def template(
    _p: Annotated[Principal, Depends(require(Permission.DIRECTORY_MANAGE))],
    format: FileFormat = "xlsx",
) -> Response:
    return download(directory.directory_template(format), f"directory-template.{format}", format)
