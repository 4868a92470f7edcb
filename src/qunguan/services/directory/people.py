"""Directory use cases: import (all or nothing), export, the template, search."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from qunguan.domain.actor import Actor
from qunguan.domain.directory import (
    ORG_COLUMNS,
    ORG_SHEET,
    PEOPLE_COLUMNS,
    PEOPLE_SHEET,
    STATUS_LABELS_ZH,
    DirectoryDiff,
    EmploymentStatus,
    OrgRecord,
    PeopleQuery,
    PersonRecord,
    RawSheet,
    diff_people,
    parse_org_sheet,
    parse_people_sheet,
)
from qunguan.domain.errors import DomainError, not_found
from qunguan.domain.events import EmploymentStatusChanged, PersonJoined, PersonMoved
from qunguan.services import audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Department, DirectoryImport, Person, Unit
from qunguan.store.repositories.directory import DirectoryRepository, record_of
from qunguan.tabular import read_sheets, write_csv, write_xlsx

_PEOPLE_SHEET_NAMES = {PEOPLE_SHEET, "people", "csv"}
_ORG_SHEET_NAMES = {ORG_SHEET, "org", "units"}


@dataclass(frozen=True)
class ImportReport:
    diff: DirectoryDiff
    applied: bool
    import_id: int | None = None


def _pick_sheets(sheets: Sequence[RawSheet]) -> tuple[RawSheet, RawSheet | None]:
    people = next((s for s in sheets if s.name.strip().lower() in _PEOPLE_SHEET_NAMES), None)
    org = next((s for s in sheets if s.name.strip().lower() in _ORG_SHEET_NAMES), None)
    if people is None:
        # A workbook with one other sheet is taken as the people sheet.
        others = [s for s in sheets if s is not org]
        if len(others) != 1:
            raise DomainError("directory.sheet_missing", params={"sheet": PEOPLE_SHEET})
        people = others[0]
    return people, org


@dataclass(frozen=True)
class _Plan:
    diff: DirectoryDiff
    new_org: list[OrgRecord]
    incoming: dict[str, PersonRecord]


def _plan(repo: DirectoryRepository, filename: str, data: bytes) -> _Plan:
    people_sheet, org_sheet = _pick_sheets(read_sheets(filename, data))
    existing_units = {u.name for u in repo.units()}
    org_records = parse_org_sheet(org_sheet, existing_units) if org_sheet is not None else []
    existing = {(d.unit.name, d.name) for d in repo.departments()}
    new_org = [o for o in org_records if (o.unit, o.department) not in existing]
    incoming = parse_people_sheet(
        people_sheet, existing | {(o.unit, o.department) for o in org_records}
    )
    if not incoming and not new_org:
        raise DomainError("directory.file_empty")
    current = {p.staff_no: record_of(p) for p in repo.all_people()}
    created, updated, unchanged = diff_people(current, incoming)
    diff = DirectoryDiff(tuple(created), tuple(updated), unchanged, tuple(new_org))
    return _Plan(diff, new_org, {r.staff_no: r for r in incoming})


def import_directory(
    uow: UnitOfWork,
    actor: Actor,
    filename: str,
    data: bytes,
    *,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every row first; write all of it or, on any bad row, nothing at all.

    Re-importing the same file changes nothing. A changed status or department raises a
    domain event that membership acts on.
    """
    repo = DirectoryRepository(uow.session)
    plan = _plan(repo, filename, data)
    diff = plan.diff
    if dry_run or diff.is_empty:
        return ImportReport(diff, applied=False)
    departments = _ensure_org(repo, plan.new_org)
    for rec in diff.created:
        added = repo.add_person(_new_person(rec, departments[(rec.unit, rec.department)]))
        if rec.status is EmploymentStatus.ACTIVE:
            uow.raise_event(PersonJoined(added.id, added.staff_no))
    for change in diff.updated:
        person = repo.person_by_staff_no(change.staff_no)
        assert person is not None  # the diff was computed from these rows
        _apply(uow, person, plan.incoming[change.staff_no], departments)
    log = DirectoryImport(
        filename=filename[:255],
        sha256=hashlib.sha256(data).hexdigest(),
        actor_user_id=actor.user_id,
        created=len(diff.created),
        updated=len(diff.updated),
        unchanged=diff.unchanged,
        summary=summary_of(diff),
    )
    repo.add_import(log)
    audit.record(
        uow,
        actor,
        "directory.imported",
        target_type="directory_import",
        target_id=log.id,
        summary={"filename": filename, "sha256": log.sha256, **summary_of(diff)},
    )
    return ImportReport(diff, applied=True, import_id=log.id)


def _ensure_org(
    repo: DirectoryRepository, new_org: Sequence[OrgRecord]
) -> dict[tuple[str, str], Department]:
    units: dict[str, Unit] = {u.name: u for u in repo.units()}
    parent_of = {rec.unit: rec.parent_unit for rec in new_org}
    pending = [name for name in dict.fromkeys(rec.unit for rec in new_org) if name not in units]
    while pending:  # parents first; the parse step has refused unknown parents and cycles
        ready = [n for n in pending if not parent_of[n] or parent_of[n] in units]
        for name in ready:
            parent = units.get(parent_of[name]) if parent_of[name] else None
            units[name] = repo.add_unit(name, parent)
        pending = [n for n in pending if n not in units]
    departments = {(d.unit.name, d.name): d for d in repo.departments()}
    for rec in new_org:
        key = (rec.unit, rec.department)
        if key not in departments:
            departments[key] = repo.add_department(units[rec.unit], rec.department)
    return departments


def _new_person(rec: PersonRecord, dept: Department) -> Person:
    return Person(
        staff_no=rec.staff_no,
        name=rec.name,
        department_id=dept.id,
        post=rec.post,
        mobile=rec.mobile,
        party_member=rec.party_member,
        status=rec.status.value,
        status_date=rec.status_date,
    )


def _apply(
    uow: UnitOfWork,
    person: Person,
    rec: PersonRecord,
    departments: dict[tuple[str, str], Department],
) -> None:
    before = record_of(person)
    dept = departments[(rec.unit, rec.department)]
    person.name = rec.name
    person.post = rec.post
    person.mobile = rec.mobile
    person.party_member = rec.party_member
    person.status = rec.status.value
    person.status_date = rec.status_date
    if person.department_id != dept.id:
        person.department_id = dept.id
        uow.raise_event(
            PersonMoved(
                person.id,
                person.staff_no,
                f"{before.unit}/{before.department}",
                f"{rec.unit}/{rec.department}",
            )
        )
    if before.status != rec.status:
        uow.raise_event(
            EmploymentStatusChanged(
                person.id, person.staff_no, before.status, rec.status, rec.status_date
            )
        )


def summary_of(diff: DirectoryDiff) -> dict[str, object]:
    return {
        "created": [r.staff_no for r in diff.created],
        "updated": [
            {"staff_no": c.staff_no, "changes": [[f.field, f.before, f.after] for f in c.changes]}
            for c in diff.updated
        ],
        "unchanged": diff.unchanged,
        "org_created": [[o.unit, o.department] for o in diff.org_created],
    }


# Export and template -------------------------------------------------------------------


def _people_row(rec: PersonRecord) -> list[object]:
    return [
        rec.staff_no,
        rec.name,
        rec.unit,
        rec.department,
        rec.post,
        rec.mobile,
        "是" if rec.party_member else "否",
        STATUS_LABELS_ZH[rec.status],
        rec.status_date.isoformat() if rec.status_date else "",
    ]


_PEOPLE_HEADERS = [c.header_zh for c in PEOPLE_COLUMNS]
_ORG_HEADERS = [c.header_zh for c in ORG_COLUMNS]


def export_directory(uow: UnitOfWork, actor: Actor, fmt: str) -> bytes:
    """The whole directory in the import format, so an export re-imports unchanged.

    Exports carry personal data (mobiles, party membership): each one is audited.
    """
    repo = DirectoryRepository(uow.session)
    audit.record(uow, actor, "directory.exported", target_type="directory", summary={"format": fmt})
    people = [_people_row(record_of(p)) for p in repo.all_people()]
    if fmt == "csv":
        return write_csv(_PEOPLE_HEADERS, people)
    if fmt != "xlsx":
        raise DomainError("file.format_unsupported", params={"filename": fmt})
    units = {u.id: u.name for u in repo.units()}
    unit_parent = {u.name: units.get(u.parent_id, "") if u.parent_id else "" for u in repo.units()}
    org = [[d.unit.name, d.name, unit_parent.get(d.unit.name, "")] for d in repo.departments()]
    return write_xlsx([(PEOPLE_SHEET, _PEOPLE_HEADERS, people), (ORG_SHEET, _ORG_HEADERS, org)])


_EXAMPLE = PersonRecord(
    staff_no="A0001",
    name="张三丰",
    unit="示例局",
    department="办公室",
    post="科员",
    mobile="13800000000",
    party_member=True,
    status=EmploymentStatus.ACTIVE,
)


def directory_template(fmt: str) -> bytes:
    """An empty import file with one example row and the organisation sheet."""
    example = _people_row(_EXAMPLE)
    if fmt == "csv":
        return write_csv(_PEOPLE_HEADERS, [example])
    left = _people_row(
        PersonRecord(
            "A0002",
            "李四",
            "示例局",
            "财务股",
            "",
            "",
            False,
            EmploymentStatus.LEFT,
            date(2026, 1, 31),
        )
    )
    return write_xlsx(
        [
            (PEOPLE_SHEET, _PEOPLE_HEADERS, [example, left]),
            (ORG_SHEET, _ORG_HEADERS, [["示例局", "办公室", ""], ["示例局", "财务股", ""]]),
        ]
    )


@dataclass(frozen=True)
class PersonView:
    """A person as the pages and the API show them."""

    id: int
    record: PersonRecord
    unit_id: int
    department_id: int
    updated_at: datetime


@dataclass(frozen=True)
class UnitView:
    id: int
    name: str
    parent_id: int | None
    departments: tuple[tuple[int, str], ...]


def _view(person: Person) -> PersonView:
    return PersonView(
        person.id,
        record_of(person),
        person.department.unit_id,
        person.department_id,
        person.updated_at,
    )


def search_people(uow: UnitOfWork, query: PeopleQuery) -> tuple[list[PersonView], int]:
    rows, total = DirectoryRepository(uow.session).search(query)
    return [_view(p) for p in rows], total


def get_person(uow: UnitOfWork, person_id: int) -> PersonView:
    person = DirectoryRepository(uow.session).person(person_id)
    if person is None:
        raise not_found("directory.person")
    return _view(person)


def organisation(uow: UnitOfWork) -> list[UnitView]:
    repo = DirectoryRepository(uow.session)
    departments = repo.departments()
    return [
        UnitView(
            u.id,
            u.name,
            u.parent_id,
            tuple((d.id, d.name) for d in departments if d.unit_id == u.id),
        )
        for u in repo.units()
    ]
