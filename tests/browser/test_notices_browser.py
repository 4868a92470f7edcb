"""Notices in Chromium against the real server: the office publishes from the composer, two
members acknowledge from their own pages, and the ledger the office keeps open counts them
live."""

from __future__ import annotations

import re
from typing import Any

import httpx2 as httpx
import pytest

from qunguan.services.membership import members
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_groups_browser import sign_in
from tests.browser.test_messages_browser import DESKTOP, PHONE, chat_group_on
from tests.factories import PASSWORD, principal
from tests.services.test_membership import owner_account
from tests.services.test_messages import MEMBER, OWNER, acknowledge

pytestmark = pytest.mark.browser


@pytest.mark.clause("s2-2.2.4a", "s2-2.2.3")
def test_the_office_publishes_two_members_acknowledge_and_the_ledger_counts_live(
    live_server: LiveServer, browser: Any
) -> None:
    db, group_id = chat_group_on(live_server)
    second = owner_account(db, "M02")
    with db.unit_of_work() as uow:
        outcome = members.invite(uow, principal(db, OWNER), group_id, "M02")
    with db.unit_of_work() as uow:
        members.respond(uow, second, outcome.id, accept=True)
    acknowledge(db, second.username)

    office = sign_in(browser, live_server, OWNER, DESKTOP)
    office.goto(f"{live_server}/notices/new")
    assert "你将以办公室名义发布" in office.inner_text("#authority")
    office.fill("input[name=title]", "关于报送年度工作总结的通知")
    office.fill("textarea[name=body]", "请各股室于 20 日前报送年度工作总结。\n收到请点击确认。")
    office.check(f"input[name=group_ids][value='{group_id}']")
    screenshot(office, "notices-composer-desktop")
    office.click("#publish")
    office.wait_for_url(re.compile(r"/notices/\d+/ledger"))
    assert office.inner_text("#ack-count") == "0"
    assert office.inner_text("#total-count") == "2"
    notice_id = int(re.findall(r"/notices/(\d+)/ledger", office.url)[0])

    # The member acknowledges on the notice card in the conversation, on a phone.
    phone = sign_in(browser, live_server, MEMBER, PHONE)
    phone.goto(f"{live_server}/chat/{group_id}")
    phone.wait_for_selector("#chat[data-live='1']")
    card = phone.locator(".notice-card")
    assert "关于报送年度工作总结的通知" in card.inner_text()
    screenshot(phone, "notices-card-phone")
    card.locator(".notice-ack").click()
    phone.wait_for_selector(".notice-card .notice-acked")
    screenshot(phone, "notices-card-acknowledged-phone")

    # The second member acknowledges from the notices page.
    desk = sign_in(browser, live_server, second.username, DESKTOP)
    desk.goto(f"{live_server}/notices")
    assert desk.inner_text("#notices-badge") == "1"
    desk.click(f"[data-notice='{notice_id}'] .ack-button")
    desk.wait_for_url(re.compile(rf"/notices/{notice_id}\?done=acknowledged"))
    assert "已确认" in desk.inner_text("main")

    # The office's ledger, never reloaded, now counts both.
    office.wait_for_function(
        "document.getElementById('ack-count').textContent === '2'", timeout=15_000
    )
    office.wait_for_function(
        "document.querySelectorAll('#ledger-people tr.is-acked').length === 2", timeout=15_000
    )
    assert office.inner_text("#total-count") == "2"
    screenshot(office, "notices-ledger-desktop")
    office.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
    screenshot(office, "notices-ledger-phone")


RECORD_ALERTS = """
(() => {
  const Real = window.Notification;
  if (!Real) return;
  window.__alerts = [];
  function Recording(title, options) {
    window.__alerts.push(title + "|" + ((options && options.body) || ""));
    try { return new Real(title, options); } catch (e) { return {}; }
  }
  Object.defineProperty(Recording, "permission", { get: () => Real.permission });
  Recording.requestPermission = Real.requestPermission.bind(Real);
  window.Notification = Recording;
})();
"""


@pytest.mark.clause("s6-4.1")
def test_a_member_who_silenced_a_group_is_alerted_by_an_urgent_notice_alone(
    live_server: LiveServer, browser: Any
) -> None:
    _db, group_id = chat_group_on(live_server)
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]}, locale="zh-CN")
    context.grant_permissions(["notifications"], origin=str(live_server))
    context.add_init_script(RECORD_ALERTS)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", MEMBER)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/chat/{group_id}")
    page.wait_for_selector("#chat[data-live='1']")
    page.click("#alerts-toggle")
    page.wait_for_selector("#alerts-toggle[aria-pressed='true']")
    screenshot(page, "alerts-muted-phone")
    page.goto(f"{live_server}/chat")  # the group is not in view
    page.wait_for_selector("#chat[data-live='1']")

    with httpx.Client(base_url=str(live_server), timeout=10) as office:
        login = office.post(
            "/api/v1/auth/login", json={"username": OWNER, "password": PASSWORD, "code": ""}
        )
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        sent = office.post(
            f"/api/v1/groups/{group_id}/messages",
            json={"client_id": "alert-1", "body": "下午三点的会改到四点"},
            headers=headers,
        )
        assert sent.status_code == 201, sent.text
        # The message arrived (its unread badge shows), and alerted nobody: the group is muted.
        page.wait_for_selector(f".chat-group[data-group='{group_id}'] .unread:not([hidden])")
        assert page.evaluate("window.__alerts") == []
        urgent = office.post(
            "/api/v1/notices",
            json={
                "title": "紧急：今晚防汛值班",
                "body": "请全体人员保持通讯畅通。",
                "group_ids": [group_id],
                "priority": "urgent",
            },
            headers=headers,
        )
        assert urgent.status_code == 201, urgent.text
    page.wait_for_function("window.__alerts.length === 1", timeout=10_000)
    [alert] = page.evaluate("window.__alerts")
    assert alert.startswith("【紧急】")
    assert "紧急：今晚防汛值班" in alert
    context.close()
