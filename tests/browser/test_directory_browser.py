"""A clerk signs in, imports a directory file through the page, and sees the people."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, PEOPLE, org_workbook

pytestmark = pytest.mark.browser

NEWCOMERS = [
    ["N01", "欧阳明月", "青山县财政局", "预算股", "科员", "13907319901", "否", "在职", ""],
    ["N02", "司马青云", "青山县财政局", "办公室", "文书", "13907319902", "是", "在职", ""],
]


@pytest.mark.parametrize(("viewport", "size"), [("desktop", (1280, 800)), ("phone", (390, 844))])
def test_sign_in_import_and_see_the_people(
    live_server: str, browser: Any, tmp_path: Path, viewport: str, size: tuple[int, int]
) -> None:
    good = tmp_path / "people.xlsx"
    good.write_bytes(org_workbook([*PEOPLE, *NEWCOMERS]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(
        org_workbook([*PEOPLE, ["N03", "", "青山县财政局", "无此股", "", "", "", "", ""]])
    )

    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/directory/import")
    assert page.url.endswith("/login?next=/directory/import")
    page.fill("input[name=username]", "office")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/directory/import")

    # A bad file: nothing imported, every bad row and column named in Chinese.
    page.set_input_files("input[name=file]", str(bad))
    page.click("form.card button[type=submit]")
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "文件未导入：发现 2 处错误" in errors.inner_text()
    assert "部门“无此股”不属于单位“青山县财政局”" in errors.inner_text()
    screenshot(page, f"directory-import-errors-{viewport}")

    # The good file: the result says what changed.
    page.set_input_files("input[name=file]", str(good))
    page.click("form.card button[type=submit]")
    result = page.locator("#import-result")
    result.wait_for()
    assert "导入完成：新增 2 人" in result.inner_text()
    screenshot(page, f"directory-import-done-{viewport}")

    # The directory lists them, and the live search narrows to one.
    page.goto(f"{live_server}/directory")
    assert page.get_by_text("欧阳明月").is_visible()
    assert page.get_by_text("司马青云").is_visible()
    page.fill("input[name=q]", "欧阳")
    page.wait_for_function("() => !document.body.innerText.includes('司马青云')")
    assert page.locator("table.people tbody tr").count() == 1
    screenshot(page, f"directory-list-{viewport}")
    context.close()
