"""The directory over HTTP: import with a row-by-row report, search, person, export."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.factories import PEOPLE, org_workbook

Signer = Callable[[str], str]


def upload(
    client: TestClient, csrf: str, data: bytes, name: str = "people.xlsx", **params: str
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/directory/imports",
        params=params,
        files={"file": (name, data, "application/octet-stream")},
        headers={"X-CSRF-Token": csrf},
    )
    return {"status": response.status_code, **response.json()}


class TestImport:
    def test_bad_rows_answer_every_row_and_column(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("office")
        rows = [list(r) for r in PEOPLE] + [
            ["N01", "", "青山县财政局", "办公室", "", "", "", "", ""],
            ["N02", "新人甲", "青山县财政局", "无此股", "", "99", "", "", ""],
        ]
        answer = upload(app_client, csrf, org_workbook(rows))
        assert answer["status"] == 422
        error = answer["error"]
        assert error["code"] == "directory.rows_invalid"
        assert error["message"] == "文件中有错误行，未导入任何数据。"
        assert [(d["row"], d["column"], d["field"]) for d in error["details"]] == [
            (8, "B", "name"),
            (9, "D", "department"),
            (9, "F", "mobile"),
        ]
        assert error["details"][0]["message"] == "“姓名”为必填项，不能为空。"
        assert (
            app_client.get("/api/v1/directory/people", params={"q": "新人甲"}).json()["total"] == 0
        )

    def test_good_import_then_the_same_again(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("office")
        rows = [list(r) for r in PEOPLE] + [
            ["N03", "新人乙", "青山县财政局", "预算股", "科员", "", "否", "在职", ""]
        ]
        first = upload(app_client, csrf, org_workbook(rows))
        assert first["status"] == 200
        assert first["applied"]
        assert first["counts"] == {"created": 1, "updated": 0, "unchanged": 6, "org_created": 0}
        again = upload(app_client, csrf, org_workbook(rows))
        assert again["counts"]["created"] == 0
        assert not again["applied"]

    def test_dry_run_previews_without_writing(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("office")
        rows = [list(r) for r in PEOPLE]
        rows[2][4] = "副股长"
        preview = upload(app_client, csrf, org_workbook(rows), dry_run="true")
        assert preview["updated"] == [{"staff_no": "M01", "changes": [["post", "科员", "副股长"]]}]
        person = app_client.get("/api/v1/directory/people", params={"q": "M01"}).json()["items"][0]
        assert person["post"] == "科员"

    def test_a_member_may_read_but_not_import(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("member")
        assert app_client.get("/api/v1/directory/people").status_code == 200
        answer = upload(app_client, csrf, org_workbook())
        assert answer["status"] == 403
        assert answer["error"]["code"] == "access.denied"

    def test_the_auditor_reads_no_directory(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        signed_in("auditor")
        assert app_client.get("/api/v1/directory/people").status_code == 403


class TestRead:
    def test_search_and_filters(self, app_client: TestClient, signed_in: Signer) -> None:
        signed_in("member")
        by_text = app_client.get("/api/v1/directory/people", params={"q": "预算"}).json()
        assert {p["name"] for p in by_text["items"]} == {"孙浩然", "吴晓敏"}
        party = app_client.get("/api/v1/directory/people", params={"party_member": "true"}).json()
        assert {p["staff_no"] for p in party["items"]} == {"L01", "M02", "U01"}
        units = app_client.get("/api/v1/directory/units").json()["units"]
        dept_id = next(d["id"] for u in units for d in u["departments"] if d["name"] == "信息中心")
        by_dept = app_client.get(
            "/api/v1/directory/people", params={"department_id": dept_id}
        ).json()
        assert by_dept["total"] == 2

    def test_person_carries_every_display_name_format(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        signed_in("member")
        pid = app_client.get("/api/v1/directory/people", params={"q": "M02"}).json()["items"][0][
            "id"
        ]
        person = app_client.get(f"/api/v1/directory/people/{pid}").json()
        assert person["display_names"]["full_name"] == "吴晓敏"
        assert person["display_names"]["unit_name"] == "青山县财政局-吴晓敏"
        assert app_client.get("/api/v1/directory/people/999999").status_code == 404

    def test_export_is_a_workbook_in_the_import_format(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        signed_in("office")
        response = app_client.get("/api/v1/directory/export", params={"format": "xlsx"})
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        rows = list(book["人员"].iter_rows(values_only=True))
        assert rows[0][:2] == ("工号", "姓名")
        assert len(rows) == 1 + len(PEOPLE)
        csv_text = app_client.get(
            "/api/v1/directory/export", params={"format": "csv"}
        ).content.decode("utf-8-sig")
        assert csv_text.splitlines()[0].startswith("工号,姓名,单位")

    def test_template_downloads(self, app_client: TestClient, signed_in: Signer) -> None:
        signed_in("office")
        response = app_client.get("/api/v1/directory/template", params={"format": "xlsx"})
        assert response.status_code == 200
        assert set(load_workbook(io.BytesIO(response.content)).sheetnames) == {"人员", "单位部门"}
