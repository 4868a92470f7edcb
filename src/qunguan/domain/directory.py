"""The directory of real people, as pure rules.

Everything here works on plain values: parsing and validating the rows of an import file,
computing what an import would change, and deriving a person's display name. The service
layer feeds it what the database holds and writes back what it decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from enum import StrEnum

from qunguan.domain.errors import DomainError, ErrorDetail


class EmploymentStatus(StrEnum):
    ACTIVE = "active"
    TRANSFERRED = "transferred"
    LEFT = "left"


# The words people write in the status column, in either language.
_STATUS_WORDS: dict[str, EmploymentStatus] = {
    "在职": EmploymentStatus.ACTIVE,
    "active": EmploymentStatus.ACTIVE,
    "调离": EmploymentStatus.TRANSFERRED,
    "transferred": EmploymentStatus.TRANSFERRED,
    "离职": EmploymentStatus.LEFT,
    "left": EmploymentStatus.LEFT,
}
STATUS_LABELS_ZH: dict[EmploymentStatus, str] = {
    EmploymentStatus.ACTIVE: "在职",
    EmploymentStatus.TRANSFERRED: "调离",
    EmploymentStatus.LEFT: "离职",
}
_YES = {"是", "yes", "y", "true", "1", "党员"}
_NO = {"否", "no", "n", "false", "0", "", "群众"}


@dataclass(frozen=True)
class Column:
    field: str
    header_zh: str
    header_en: str
    required: bool


# The import template, in order. Headers are accepted in Chinese or English.
PEOPLE_COLUMNS: tuple[Column, ...] = (
    Column("staff_no", "工号", "Staff number", True),
    Column("name", "姓名", "Name", True),
    Column("unit", "单位", "Unit", True),
    Column("department", "部门", "Department", True),
    Column("post", "职务", "Post", False),
    Column("mobile", "手机号", "Mobile", False),
    Column("party_member", "党员", "Party member", False),
    Column("status", "在职状态", "Status", False),
    Column("status_date", "状态日期", "Status date", False),
)
ORG_COLUMNS: tuple[Column, ...] = (
    Column("unit", "单位", "Unit", True),
    Column("department", "部门", "Department", True),
    Column("parent_unit", "上级单位", "Parent unit", False),
)
PEOPLE_SHEET = "人员"
ORG_SHEET = "单位部门"

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_STAFF_NO = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
# Real names: Chinese characters, optionally with the middle dot of minority names,
# or Latin letters and spaces for foreign staff.
_NAME = re.compile(r"^(?:[\u3400-\u9fff·•]{2,20}|[A-Za-z][A-Za-z .'-]{1,39})$")


@dataclass(frozen=True)
class PersonRecord:
    """One person as the directory holds them: the unit of comparison for imports."""

    staff_no: str
    name: str
    unit: str
    department: str
    post: str = ""
    mobile: str = ""
    party_member: bool = False
    status: EmploymentStatus = EmploymentStatus.ACTIVE
    status_date: date | None = None


@dataclass(frozen=True)
class PeopleQuery:
    """A directory search: free text over name, staff number, post, department and mobile."""

    text: str = ""
    unit_id: int | None = None
    department_id: int | None = None
    status: EmploymentStatus | None = None
    party_member: bool | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class OrgRecord:
    unit: str
    department: str
    parent_unit: str = ""


@dataclass(frozen=True)
class RawRow:
    """A row as read from a file: its 1-based row number in the sheet and cells by header."""

    number: int
    cells: Mapping[str, object]


@dataclass(frozen=True)
class RawSheet:
    name: str
    headers: Sequence[str]
    rows: Sequence[RawRow]
    # Column letters (A, B, …) by header, for spreadsheets; empty for CSV.
    letters: Mapping[str, str] = field(default_factory=dict)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _resolve_headers(sheet: RawSheet, columns: Sequence[Column]) -> dict[str, str]:
    """Map each field to the header used in this file; refuse unknown or missing columns."""
    by_label = {}
    for col in columns:
        by_label[col.header_zh] = col.field
        by_label[col.header_en.lower()] = col.field
        by_label[col.field] = col.field
    mapping: dict[str, str] = {}
    problems: list[ErrorDetail] = []
    for header in sheet.headers:
        key = header.strip()
        fld = by_label.get(key) or by_label.get(key.lower())
        if fld is None:
            if key:
                problems.append(ErrorDetail("directory.column_unknown", column=key, row=1))
            continue
        if fld in mapping:
            problems.append(ErrorDetail("directory.column_duplicate", column=key, row=1))
        mapping[fld] = header
    for col in columns:
        if col.required and col.field not in mapping:
            problems.append(
                ErrorDetail("directory.column_missing", column=col.header_zh, field=col.field)
            )
    if problems:
        raise DomainError("directory.file_invalid", params={"sheet": sheet.name}, details=problems)
    return mapping


def _parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _cell_text(value).replace("/", "-").replace(".", "-")
    return (
        date.fromisoformat(text)
        if len(text) == 10
        else datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC).date()
    )


class _RowChecker:
    """Collects every problem of every row so that one report names them all."""

    def __init__(self, sheet: RawSheet, headers: Mapping[str, str]) -> None:
        self.sheet = sheet
        self.headers = headers
        self.problems: list[ErrorDetail] = []

    def text(self, row: RawRow, fld: str) -> str:
        header = self.headers.get(fld)
        return _cell_text(row.cells.get(header)) if header is not None else ""

    def raw(self, row: RawRow, fld: str) -> object:
        header = self.headers.get(fld)
        return row.cells.get(header) if header is not None else None

    def fail(self, row: RawRow, fld: str, code: str, value: str = "", **params: object) -> None:
        header = self.headers.get(fld, fld)
        self.problems.append(
            ErrorDetail(
                code,
                field=fld,
                row=row.number,
                column=self.sheet.letters.get(header, header),
                value=value or None,
                params={"header": header, **params},
            )
        )


def _is_blank(row: RawRow) -> bool:
    return all(_cell_text(v) == "" for v in row.cells.values())


def parse_org_sheet(sheet: RawSheet, existing_units: Iterable[str] = ()) -> list[OrgRecord]:
    """Units and departments; a parent unit must exist already or be a unit of the sheet."""
    headers = _resolve_headers(sheet, ORG_COLUMNS)
    check = _RowChecker(sheet, headers)
    records: list[OrgRecord] = []
    seen: set[tuple[str, str]] = set()
    rows_of: list[tuple[RawRow, OrgRecord]] = []
    for row in sheet.rows:
        if _is_blank(row):
            continue
        unit, dept = check.text(row, "unit"), check.text(row, "department")
        if not unit:
            check.fail(row, "unit", "directory.value_missing")
        if not dept:
            check.fail(row, "department", "directory.value_missing")
        if unit and dept:
            if (unit, dept) in seen:
                check.fail(row, "department", "directory.department_duplicate", dept)
            seen.add((unit, dept))
            record = OrgRecord(unit, dept, check.text(row, "parent_unit"))
            records.append(record)
            rows_of.append((row, record))
    known_units = set(existing_units) | {r.unit for r in records}
    declared: dict[str, str] = {}
    for row, record in rows_of:
        parent = record.parent_unit
        if parent and (parent not in known_units or parent == record.unit):
            check.fail(row, "parent_unit", "directory.parent_unknown", parent)
        elif declared.setdefault(record.unit, parent) != parent:
            check.fail(row, "parent_unit", "directory.parent_conflict", parent, unit=record.unit)
    if _has_cycle(declared):
        check.problems.append(ErrorDetail("directory.parent_cycle", field="parent_unit"))
    if check.problems:
        raise DomainError("directory.rows_invalid", details=check.problems)
    return records


def _has_cycle(parent_of: Mapping[str, str]) -> bool:
    for start in parent_of:
        seen, node = set(), start
        while parent_of.get(node):
            if node in seen:
                return True
            seen.add(node)
            node = parent_of[node]
    return False


def parse_people_sheet(
    sheet: RawSheet, known_departments: Iterable[tuple[str, str]]
) -> list[PersonRecord]:
    """Validate every row; return the records only if every row is good.

    ``known_departments`` holds (unit, department) pairs that exist or that the same
    file defines. The error, when raised, lists every bad row and column.
    """
    headers = _resolve_headers(sheet, PEOPLE_COLUMNS)
    known = set(known_departments)
    known_units = {u for u, _ in known}
    check = _RowChecker(sheet, headers)
    records: list[PersonRecord] = []
    first_row_of: dict[str, int] = {}
    for row in sheet.rows:
        if _is_blank(row):
            continue
        ok = True
        staff_no = check.text(row, "staff_no")
        name = check.text(row, "name")
        unit = check.text(row, "unit")
        dept = check.text(row, "department")
        for fld, val in (
            ("staff_no", staff_no),
            ("name", name),
            ("unit", unit),
            ("department", dept),
        ):
            if not val:
                check.fail(row, fld, "directory.value_missing")
                ok = False
        if staff_no and not _STAFF_NO.match(staff_no):
            check.fail(row, "staff_no", "directory.staff_no_malformed", staff_no)
            ok = False
        elif staff_no in first_row_of:
            check.fail(
                row,
                "staff_no",
                "directory.staff_no_duplicate",
                staff_no,
                first_row=first_row_of[staff_no],
            )
            ok = False
        elif staff_no:
            first_row_of[staff_no] = row.number
        if name and not _NAME.match(name):
            check.fail(row, "name", "directory.name_malformed", name)
            ok = False
        if unit and unit not in known_units:
            check.fail(row, "unit", "directory.unit_unknown", unit)
            ok = False
        elif unit and dept and (unit, dept) not in known:
            check.fail(row, "department", "directory.department_unknown", dept, unit=unit)
            ok = False
        mobile = check.text(row, "mobile").replace(" ", "").replace("-", "")
        if mobile.startswith("+86"):
            mobile = mobile[3:]
        if mobile and not _MOBILE.match(mobile):
            check.fail(row, "mobile", "directory.mobile_malformed", check.text(row, "mobile"))
            ok = False
        party_text = check.text(row, "party_member").lower()
        party = party_text in _YES
        if party_text not in _YES and party_text not in _NO:
            check.fail(row, "party_member", "directory.party_member_malformed", party_text)
            ok = False
        status_text = check.text(row, "status")
        status = _STATUS_WORDS.get(status_text.lower() or "在职")
        if status is None:
            check.fail(row, "status", "directory.status_unknown", status_text)
            ok = False
        status_date: date | None = None
        if check.text(row, "status_date"):
            try:
                status_date = _parse_date(check.raw(row, "status_date"))
            except ValueError:
                check.fail(
                    row, "status_date", "directory.date_malformed", check.text(row, "status_date")
                )
                ok = False
        elif status in (EmploymentStatus.TRANSFERRED, EmploymentStatus.LEFT):
            check.fail(row, "status_date", "directory.status_date_required")
            ok = False
        if ok and status is not None:
            records.append(
                PersonRecord(
                    staff_no=staff_no,
                    name=name,
                    unit=unit,
                    department=dept,
                    post=check.text(row, "post"),
                    mobile=mobile,
                    party_member=party,
                    status=status,
                    status_date=status_date,
                )
            )
    if check.problems:
        raise DomainError("directory.rows_invalid", details=check.problems)
    return records


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class PersonChange:
    staff_no: str
    name: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class DirectoryDiff:
    """What an import does: the people it creates and the fields it changes."""

    created: tuple[PersonRecord, ...]
    updated: tuple[PersonChange, ...]
    unchanged: int
    org_created: tuple[OrgRecord, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.created or self.updated or self.org_created)


def _show(value: object) -> str:
    if isinstance(value, EmploymentStatus):
        return value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value)


def diff_people(
    current: Mapping[str, PersonRecord], incoming: Sequence[PersonRecord]
) -> tuple[list[PersonRecord], list[PersonChange], int]:
    """Compare incoming records with the directory by staff number.

    People absent from the file are left alone: a file is a set of updates, and leaving
    the agency is recorded by status, never by omission.
    """
    created: list[PersonRecord] = []
    updated: list[PersonChange] = []
    unchanged = 0
    for rec in incoming:
        old = current.get(rec.staff_no)
        if old is None:
            created.append(rec)
            continue
        changes = tuple(
            FieldChange(f.name, _show(getattr(old, f.name)), _show(getattr(rec, f.name)))
            for f in fields(PersonRecord)
            if getattr(old, f.name) != getattr(rec, f.name)
        )
        if changes:
            updated.append(PersonChange(rec.staff_no, rec.name, changes))
        else:
            unchanged += 1
    return created, updated, unchanged


class DisplayNameFormat(StrEnum):
    """How a person's name shows in groups. Derived from the directory, never typed."""

    FULL_NAME = "full_name"  # 姓名(全称): 张三丰 (s2-2.1b)
    UNIT_NAME = "unit_name"  # 单位+姓名: 财政局-张三丰
    DEPARTMENT_NAME = "department_name"  # 部门+姓名: 办公室-张三丰
    UNIT_DEPARTMENT_NAME = "unit_department_name"  # 财政局-办公室-张三丰
    NAME_POST = "name_post"  # 姓名(职务): 张三丰(科员)
    UNIT_NAME_POST = "unit_name_post"  # 单位-姓名(职务): 财政局-张三丰(科员) (篇四 四.1)


@dataclass(frozen=True)
class NameParts:
    """What a display name is made of; a ``PersonRecord`` has the same fields."""

    name: str
    unit: str
    department: str
    post: str


def display_name(person: PersonRecord | NameParts, fmt: DisplayNameFormat) -> str:
    match fmt:
        case DisplayNameFormat.FULL_NAME:
            return person.name
        case DisplayNameFormat.UNIT_NAME:
            return f"{person.unit}-{person.name}"
        case DisplayNameFormat.DEPARTMENT_NAME:
            return f"{person.department}-{person.name}"
        case DisplayNameFormat.UNIT_DEPARTMENT_NAME:
            return f"{person.unit}-{person.department}-{person.name}"
        case DisplayNameFormat.NAME_POST:
            return f"{person.name}({person.post})" if person.post else person.name
        case DisplayNameFormat.UNIT_NAME_POST:
            named = f"{person.unit}-{person.name}"
            return f"{named}({person.post})" if person.post else named
