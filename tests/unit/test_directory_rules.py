"""The directory's pure rules: row validation, the import diff, display names."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from qunguan.domain.directory import (
    DisplayNameFormat,
    EmploymentStatus,
    PersonRecord,
    RawRow,
    RawSheet,
    diff_people,
    display_name,
    parse_people_sheet,
)
from qunguan.domain.errors import DomainError

HEADERS = ["工号", "姓名", "单位", "部门", "职务", "手机号", "党员", "在职状态", "状态日期"]
KNOWN = {("财政局", "办公室"), ("财政局", "预算股")}


def sheet(*rows: Sequence[object]) -> RawSheet:
    return RawSheet(
        "人员",
        HEADERS,
        [RawRow(i, dict(zip(HEADERS, r, strict=True))) for i, r in enumerate(rows, start=2)],
        {h: chr(ord("A") + i) for i, h in enumerate(HEADERS)},
    )


GOOD = ["A1", "张三丰", "财政局", "办公室", "科员", "13800000001", "是", "在职", ""]


class TestParsePeopleSheet:
    def test_good_row_becomes_a_record(self) -> None:
        [rec] = parse_people_sheet(sheet(GOOD), KNOWN)
        assert rec == PersonRecord(
            "A1", "张三丰", "财政局", "办公室", "科员", "13800000001", True, EmploymentStatus.ACTIVE
        )

    @pytest.mark.parametrize(
        ("column", "value", "code"),
        [
            (1, "", "directory.value_missing"),
            (1, "Z", "directory.name_malformed"),
            (3, "人事股", "directory.department_unknown"),
            (2, "教育局", "directory.unit_unknown"),
            (5, "1380000", "directory.mobile_malformed"),
            (6, "也许", "directory.party_member_malformed"),
            (7, "退休", "directory.status_unknown"),
            (8, "2026-13-01", "directory.date_malformed"),
            (0, "A 1", "directory.staff_no_malformed"),
        ],
    )
    def test_each_bad_value_names_row_column_and_reason(
        self, column: int, value: str, code: str
    ) -> None:
        row = list(GOOD)
        row[column] = value
        with pytest.raises(DomainError) as caught:
            parse_people_sheet(sheet(["A0", *GOOD[1:]], row), KNOWN)
        [detail] = caught.value.details
        assert (detail.code, detail.row, detail.column) == (code, 3, chr(ord("A") + column))

    def test_left_without_date_is_refused(self) -> None:
        row = [*GOOD[:7], "离职", ""]
        with pytest.raises(DomainError) as caught:
            parse_people_sheet(sheet(row), KNOWN)
        assert caught.value.details[0].code == "directory.status_date_required"

    def test_duplicate_staff_number_points_at_the_first_row(self) -> None:
        with pytest.raises(DomainError) as caught:
            parse_people_sheet(sheet(GOOD, GOOD), KNOWN)
        [detail] = caught.value.details
        assert detail.code == "directory.staff_no_duplicate"
        assert detail.row == 3
        assert detail.params["first_row"] == 2

    def test_every_bad_row_is_reported_at_once(self) -> None:
        bad1 = ["B1", "", "财政局", "办公室", "", "", "", "", ""]
        bad2 = ["B2", "李四", "财政局", "无此股", "", "12", "", "", ""]
        with pytest.raises(DomainError) as caught:
            parse_people_sheet(sheet(GOOD, bad1, bad2), KNOWN)
        assert sorted((d.row, d.field) for d in caught.value.details) == [
            (3, "name"),
            (4, "department"),
            (4, "mobile"),
        ]

    def test_missing_required_column_is_a_file_error(self) -> None:
        broken = RawSheet("人员", ["姓名", "单位"], [])
        with pytest.raises(DomainError) as caught:
            parse_people_sheet(broken, KNOWN)
        assert caught.value.code == "directory.file_invalid"
        assert {d.column for d in caught.value.details} == {"工号", "部门"}

    def test_english_headers_and_mobile_prefix_are_accepted(self) -> None:
        headers = ["Staff number", "Name", "Unit", "Department", "Mobile", "Status", "Status date"]
        raw = RawSheet(
            "people",
            headers,
            [
                RawRow(
                    2,
                    dict(
                        zip(
                            headers,
                            [
                                "A1",
                                "Li Na",
                                "财政局",
                                "预算股",
                                "+86 138 0000 0002",
                                "transferred",
                                "2026-03-01",
                            ],
                            strict=True,
                        )
                    ),
                )
            ],
        )
        [rec] = parse_people_sheet(raw, KNOWN)
        assert rec.mobile == "13800000002"
        assert rec.status is EmploymentStatus.TRANSFERRED
        assert rec.status_date == date(2026, 3, 1)


class TestDiff:
    def test_same_records_are_unchanged(self) -> None:
        rec = PersonRecord("A1", "张三", "财政局", "办公室")
        assert diff_people({"A1": rec}, [rec]) == ([], [], 1)

    def test_changed_fields_are_listed(self) -> None:
        old = PersonRecord("A1", "张三", "财政局", "办公室", post="科员")
        new = PersonRecord("A1", "张三", "财政局", "预算股", post="股长")
        created, [change], unchanged = diff_people({"A1": old}, [new])
        assert not created
        assert unchanged == 0
        assert [(c.field, c.before, c.after) for c in change.changes] == [
            ("department", "办公室", "预算股"),
            ("post", "科员", "股长"),
        ]


class TestDisplayName:
    person = PersonRecord("A1", "张三丰", "青山县财政局", "办公室", post="科员")

    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            (DisplayNameFormat.FULL_NAME, "张三丰"),
            (DisplayNameFormat.UNIT_NAME, "青山县财政局-张三丰"),
            (DisplayNameFormat.DEPARTMENT_NAME, "办公室-张三丰"),
            (DisplayNameFormat.UNIT_DEPARTMENT_NAME, "青山县财政局-办公室-张三丰"),
            (DisplayNameFormat.NAME_POST, "张三丰(科员)"),
            (DisplayNameFormat.UNIT_NAME_POST, "青山县财政局-张三丰(科员)"),
        ],
    )
    def test_formats(self, fmt: DisplayNameFormat, expected: str) -> None:
        assert display_name(self.person, fmt) == expected

    def test_name_post_without_post_is_the_name(self) -> None:
        assert (
            display_name(PersonRecord("A2", "李四", "局", "股"), DisplayNameFormat.NAME_POST)
            == "李四"
        )


class TestOrgSheet:
    headers = ("单位", "部门", "上级单位")

    def org(self, *rows: list[object]) -> RawSheet:
        return RawSheet(
            "单位部门",
            self.headers,
            [
                RawRow(i, dict(zip(self.headers, r, strict=True)))
                for i, r in enumerate(rows, start=2)
            ],
        )

    def test_a_parent_named_later_in_the_sheet_is_fine(self) -> None:
        from qunguan.domain.directory import parse_org_sheet

        records = parse_org_sheet(
            self.org(["财政局", "办公室", "县政府"], ["县政府", "办公室", ""])
        )
        assert [r.parent_unit for r in records] == ["县政府", ""]

    def test_an_unknown_parent_or_a_cycle_is_refused(self) -> None:
        from qunguan.domain.directory import parse_org_sheet

        with pytest.raises(DomainError) as caught:
            parse_org_sheet(self.org(["财政局", "办公室", "市政府"]))
        assert caught.value.details[0].code == "directory.parent_unknown"
        with pytest.raises(DomainError) as caught:
            parse_org_sheet(self.org(["甲局", "办公室", "乙局"], ["乙局", "办公室", "甲局"]))
        assert caught.value.details[-1].code == "directory.parent_cycle"
        assert (
            parse_org_sheet(self.org(["财政局", "办公室", "市政府"]), {"市政府"})[0].parent_unit
            == "市政府"
        )
