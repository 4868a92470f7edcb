"""Importing the directory: all or nothing, idempotent, and a diff of what changed."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from qunguan.domain.directory import ORG_SHEET, PEOPLE_SHEET, EmploymentStatus
from qunguan.domain.errors import DomainError
from qunguan.services.directory import people as directory
from qunguan.services.uow import Database
from qunguan.store.models import DirectoryImport, OutboxEvent, Person, Unit
from qunguan.tabular import write_csv, write_xlsx
from tests.factories import SETUP

HEADERS = ["工号", "姓名", "单位", "部门", "职务", "手机号", "党员", "在职状态", "状态日期"]
ORG = [
    ["青山县财政局", "办公室", ""],
    ["青山县财政局", "预算股", ""],
    ["城关街道办事处", "党政办", ""],
]
NAMES = [
    "周建国",
    "刘海燕",
    "陈晓峰",
    "王丽娟",
    "李明辉",
    "张伟",
    "赵静怡",
    "孙浩然",
    "吴晓敏",
    "郑国强",
]


def people_rows(n: int = 10) -> list[list[object]]:
    depts = [("青山县财政局", "办公室"), ("青山县财政局", "预算股"), ("城关街道办事处", "党政办")]
    return [
        [
            f"S{i:03d}",
            NAMES[i % len(NAMES)],
            *depts[i % 3],
            "科员",
            f"1390731{i:04d}",
            "否",
            "在职",
            "",
        ]
        for i in range(n)
    ]


def workbook(rows: list[list[object]], org: list[list[object]] | None = None) -> bytes:
    return write_xlsx(
        [
            (PEOPLE_SHEET, HEADERS, rows),
            (ORG_SHEET, ["单位", "部门", "上级单位"], org if org is not None else ORG),
        ]
    )


def count(db: Database, model: type) -> int:
    with db.reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def run(
    db: Database, data: bytes, filename: str = "people.xlsx", *, dry_run: bool = False
) -> directory.ImportReport:
    with db.unit_of_work() as uow:
        return directory.import_directory(uow, SETUP, filename, data, dry_run=dry_run)


class TestAllOrNothing:
    def test_ten_rows_with_two_bad_write_nothing_and_name_both(self, db: Database) -> None:
        rows = people_rows(10)
        rows[3][5] = "1234"  # row 5 of the sheet: malformed mobile
        rows[7][3] = "不存在的股室"  # row 9: unknown department
        with pytest.raises(DomainError) as caught:
            run(db, workbook(rows))
        assert caught.value.code == "directory.rows_invalid"
        assert sorted((d.row, d.column, d.code) for d in caught.value.details) == [
            (5, "F", "directory.mobile_malformed"),
            (9, "D", "directory.department_unknown"),
        ]
        assert count(db, Person) == 0
        assert count(db, Unit) == 0  # the organisation sheet was not applied either
        assert count(db, DirectoryImport) == 0

    def test_good_file_imports_every_row(self, db: Database) -> None:
        report = run(db, workbook(people_rows(10)))
        assert report.applied
        assert len(report.diff.created) == 10
        assert count(db, Person) == 10
        assert count(db, DirectoryImport) == 1


class TestReimport:
    def test_same_file_again_changes_nothing(self, db: Database) -> None:
        data = workbook(people_rows(10))
        run(db, data)
        report = run(db, data)
        assert report.diff.is_empty
        assert report.diff.unchanged == 10
        assert not report.applied
        assert count(db, DirectoryImport) == 1
        assert count(db, OutboxEvent) == 10  # one PersonJoined each, from the first import only

    def test_export_reimports_unchanged(self, db: Database) -> None:
        run(db, workbook(people_rows(10)))
        for fmt in ("xlsx", "csv"):
            with db.unit_of_work() as uow:
                exported = directory.export_directory(uow, SETUP, fmt)
            report = run(db, exported, f"export.{fmt}")
            assert report.diff.is_empty, fmt
            assert report.diff.unchanged == 10

    def test_changed_file_applies_and_reports_the_differences(self, db: Database) -> None:
        run(db, workbook(people_rows(10)))
        rows = people_rows(11)
        rows[2][4] = "股长"  # promotion
        rows[4][7], rows[4][8] = "离职", "2026-10-31"  # S004 leaves
        report = run(db, workbook(rows))
        assert [r.staff_no for r in report.diff.created] == ["S010"]
        changes = {
            c.staff_no: {(f.field, f.before, f.after) for f in c.changes}
            for c in report.diff.updated
        }
        assert changes == {
            "S002": {("post", "科员", "股长")},
            "S004": {("status", "active", "left"), ("status_date", "", "2026-10-31")},
        }
        assert report.diff.unchanged == 8
        with db.reading() as uow:
            leaver = uow.session.scalar(select(Person).where(Person.staff_no == "S004"))
            assert leaver is not None
            assert leaver.status == EmploymentStatus.LEFT.value

    def test_status_change_is_published_as_a_domain_event(self, db: Database) -> None:
        heard: list[str] = []
        db.subscribe(lambda event: heard.append(event.kind))
        run(db, workbook(people_rows(3)))
        rows = people_rows(3)
        rows[1][7], rows[1][8] = "调离", "2026-11-01"
        rows[2][2], rows[2][3] = "青山县财政局", "办公室"  # moved from 党政办
        run(db, workbook(rows))
        with db.reading() as uow:
            events = uow.session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.kind != "directory.person_joined")
                .order_by(OutboxEvent.id)
            ).all()
            stored = [(e.kind, e.payload["staff_no"]) for e in events]
            status_payload = next(e.payload for e in events if e.kind.endswith("status_changed"))
        assert stored == [
            ("directory.employment_status_changed", "S001"),
            ("directory.person_moved", "S002"),
        ]
        assert status_payload["before"] == "active"
        assert status_payload["after"] == "transferred"
        assert [k for k in heard if k != "directory.person_joined"] == [
            "directory.employment_status_changed",
            "directory.person_moved",
        ]


class TestFiles:
    def test_csv_in_gb18030_is_read(self, db: Database) -> None:
        run(db, workbook(people_rows(1)))
        rows: list[Sequence[object]] = [HEADERS, *people_rows(2)]
        text = "\n".join(",".join(str(c) for c in r) for r in rows)
        report = run(db, text.encode("gb18030"), "people.csv")
        assert [r.name for r in report.diff.created] == ["刘海燕"]

    def test_csv_with_bom_is_read(self, db: Database) -> None:
        run(db, workbook(people_rows(1)))
        report = run(db, write_csv(HEADERS, people_rows(2)), "people.csv")
        assert len(report.diff.created) == 1

    def test_unknown_format_is_refused(self, db: Database) -> None:
        with pytest.raises(DomainError) as caught:
            run(db, b"hello", "people.pdf")
        assert caught.value.code == "file.format_unsupported"

    def test_damaged_workbook_is_refused_clearly(self, db: Database) -> None:
        with pytest.raises(DomainError) as caught:
            run(db, b"PK\x03\x04 not really a zip", "people.xlsx")
        assert caught.value.code == "file.unreadable"

    def test_dry_run_writes_nothing(self, db: Database) -> None:
        report = run(db, workbook(people_rows(4)), dry_run=True)
        assert len(report.diff.created) == 4
        assert not report.applied
        assert count(db, Person) == 0

    def test_template_imports_cleanly(self, db: Database) -> None:
        report = run(db, directory.directory_template("xlsx"), "template.xlsx")
        assert {r.name for r in report.diff.created} == {"张三丰", "李四"}
