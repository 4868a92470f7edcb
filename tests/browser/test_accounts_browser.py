"""The system admin signs in with TOTP and sees what they did; the auditor sees it too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def sign_in_with_totp(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/second-factor**")
    page.fill("input[name=code]", totp_code(username))
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize(("viewport", "size"), [("desktop", (1280, 800)), ("phone", (390, 844))])
def test_admin_signs_in_with_totp_and_sees_the_audit_trail(
    live_server: str, browser: Any, viewport: str, size: tuple[int, int]
) -> None:
    admin = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = admin.new_page()
    sign_in_with_totp(page, live_server, "admin")
    page.wait_for_url("**/admin/users")
    form = page.locator("#create-user")
    form.locator("input[name=username]").fill("newclerk")
    form.locator("input[name=password]").fill("Lantern-Harbour-88")
    form.locator("input[name=staff_no]").fill("M02")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("text=账号已创建。")
    screenshot(page, f"admin-users-{viewport}")

    page.goto(f"{live_server}/account")
    activity = page.locator("#activity").inner_text()
    for seen in ("登录", "完成二次验证", "创建账号"):
        assert seen in activity
    screenshot(page, f"account-{viewport}")
    admin.close()

    auditor = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="zh-CN")
    page = auditor.new_page()
    sign_in_with_totp(page, live_server, "auditor")
    page.wait_for_url("**/audit")
    table = page.locator("table.audit").inner_text()
    assert "account.created" in table
    assert "admin" in table
    page.click("text=校验完整性")
    assert "审计链完整" in page.locator("#verification").inner_text()
    screenshot(page, f"audit-{viewport}")
    auditor.close()


def test_a_wrong_code_is_refused_in_chinese(live_server: str, browser: Any) -> None:
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/login/second-factor**")
    page.fill("input[name=code]", "000000")
    page.click("main button[type=submit]")
    assert "动态码不正确" in page.locator(".alert-error").inner_text()
    screenshot(page, "second-factor-refused")
