"""The security admin imports a term list, adds an entry, and tries a message on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.db import make_engine
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_accounts_browser import sign_in_with_totp
from tests.factories import SETUP

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("viewport", "size"), [("desktop", (1280, 800)), ("phone", (360, 740))])
def test_import_add_and_try_a_message(
    live_server: LiveServer, browser: Any, tmp_path: Path, viewport: str, size: tuple[int, int]
) -> None:
    database = Database(make_engine(live_server.database_url))
    with database.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s2", agency="青山县财政局")
    database.engine.dispose()
    bad = tmp_path / "political.txt"
    bad.write_text("好词\n坏词\tcolour=red\n", encoding="utf-8")
    good = tmp_path / "advertising.txt"
    good.write_text("# 本单位补充\n代购名表\tpinyin\n", encoding="utf-8")

    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = context.new_page()
    sign_in_with_totp(page, live_server, "security")
    page.goto(f"{live_server}/content")
    assert page.locator("h1").inner_text() == "词库管理"

    # A bad line: nothing imported, the line named.
    page.set_input_files("#import input[name=file]", str(bad))
    page.click("#import button[type=submit]")
    errors = page.locator("#import-errors")
    errors.wait_for()
    assert "有 1 处错误，未导入任何词条" in errors.inner_text()
    assert "colour=red" in errors.inner_text()
    screenshot(page, f"content-import-errors-{viewport}")

    # The good file applies at once: the try box catches its pinyin spelling.
    page.set_input_files("#import input[name=file]", str(good))
    page.click("#import button[type=submit]")
    page.locator("#import-result").wait_for()
    page.fill("#try textarea[name=text]", "需要 dai gou ming biao 的找我")
    page.click("#try button[type=submit]")
    result = page.locator("#try-result")
    result.wait_for()
    assert "拦截" in result.inner_text()
    assert "dai gou ming biao" in result.inner_text()
    screenshot(page, f"content-try-{viewport}")

    # One entry added by hand is in force for the next try.
    page.fill("#entries input[name=text]", "渔场承包")
    page.fill("#entries input[name=options]", "action=hold")
    page.click("#entries button.primary")
    page.wait_for_url("**done=added**")
    page.fill("#try textarea[name=text]", "关于青山渔 场承包的事")
    page.click("#try button[type=submit]")
    assert "暂存待审核" in page.locator("#try-result").inner_text()
    screenshot(page, f"content-entry-{viewport}")
    context.close()
