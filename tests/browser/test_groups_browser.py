"""An application walks from submission through approval to the first invited member accepting."""

from __future__ import annotations

from typing import Any

import pytest

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.db import make_engine
from tests.browser.conftest import LiveServer, screenshot
from tests.factories import PASSWORD, SETUP, totp_code

pytestmark = pytest.mark.browser


def sign_in(browser: Any, base: str, username: str, size: tuple[int, int]) -> Any:
    page = browser.new_context(
        viewport={"width": size[0], "height": size[1]}, locale="zh-CN"
    ).new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


@pytest.mark.parametrize(("viewport", "size"), [("desktop", (1280, 860)), ("phone", (390, 844))])
def test_application_to_approval_to_first_member(
    live_server: LiveServer, browser: Any, viewport: str, size: tuple[int, int]
) -> None:
    database = Database(make_engine(live_server.database_url))
    with database.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s1", agency="青山县财政局")
    database.engine.dispose()

    # The member applies; a colleague's name in the group name is refused first.
    member = sign_in(browser, live_server, "member", size)
    member.goto(f"{live_server}/groups/apply")
    member.fill("input[name=name]", "吴晓敏预算工作组")
    member.fill("textarea[name=purpose]", "编制2027年度部门预算")
    member.fill("input[name=owner_staff_no]", "O01")
    member.select_option("select[name=type]", "department")
    member.click("#apply-form button[type=submit]")
    assert "群名称含有人员姓名" in member.locator(".alert-error").inner_text()
    screenshot(member, f"groups-apply-refused-{viewport}")
    member.fill("input[name=name]", "预算股-年度预算编制")
    member.click("#apply-form button[type=submit]")
    member.wait_for_url("**/groups/applications?done=applied")
    assert "待审批" in member.locator("section.application").first.inner_text()

    # The leader (s1: the superior unit approves) approves it.
    leader = sign_in(browser, live_server, "leader", size)
    if "/login/second-factor" in leader.url:
        leader.fill("input[name=code]", totp_code("leader"))
        leader.click("main button[type=submit]")
        leader.wait_for_load_state()
    leader.goto(f"{live_server}/groups/applications")
    screenshot(leader, f"groups-approval-{viewport}")
    leader.click("section.application button[value=approve]")
    leader.wait_for_url("**/groups/applications?done=approve")

    # The owner (the office clerk) invites the member, who accepts.
    office = sign_in(browser, live_server, "office", size)
    office.goto(f"{live_server}/groups")
    office.click("text=预算股-年度预算编制")
    office.fill("#invite input[name=staff_no]", "M01")
    office.click("#invite button[type=submit]")
    assert "已处理" in office.locator(".alert-ok").inner_text()

    member.goto(f"{live_server}/groups")
    assert "邀请你加入“预算股-年度预算编制”" in member.locator("#invitations").inner_text()
    screenshot(member, f"groups-invitation-{viewport}")
    member.click("#invitations button.primary")
    member.wait_for_url("**/groups?done=accept")
    member.click("text=预算股-年度预算编制")
    roster = member.locator("#members").inner_text()
    assert "王丽娟" in roster
    assert "孙浩然" in roster
    screenshot(member, f"groups-detail-{viewport}")
