"""Keeping order in Chromium: a member reports a message from the chat page; the owner
removes it from the review queue and mutes the sender for an hour; the sender's composer
shows the mute and when it ends."""

from __future__ import annotations

from typing import Any

import pytest

from qunguan.policy.document import SanctionStep
from qunguan.services.accounts import management as accounts
from qunguan.services.conduct import message_admin, patrols, reports, sanctions
from qunguan.services.membership import members
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_groups_browser import sign_in
from tests.browser.test_messages_browser import DESKTOP, PHONE, chat_group_on, open_chat
from tests.factories import PASSWORD, SETUP, principal
from tests.services.test_messages import OWNER, acknowledge, send

pytestmark = pytest.mark.browser

SENDER = "m02"


def test_a_report_is_removed_from_the_queue_and_the_sender_muted_for_an_hour(
    live_server: LiveServer, browser: Any
) -> None:
    db, group_id = chat_group_on(live_server)
    with db.unit_of_work() as uow:
        accounts.create_user(
            uow, SETUP, SENDER, PASSWORD, ["member"], staff_no="M02", must_change_password=False
        )
    with db.unit_of_work() as uow:
        outcome = members.invite(uow, principal(db, OWNER), group_id, "M02")
    if outcome.result == "invitation":
        with db.unit_of_work() as uow:
            members.respond(uow, principal(db, SENDER), outcome.id, accept=True)
    acknowledge(db, SENDER)
    send(db, SENDER, group_id, "周末团购水果，要的私聊我，价格优惠")

    # The member reports the message from its menu, anonymously.
    reporter = open_chat(browser, live_server, "member", group_id, PHONE)
    bubble = reporter.locator("#messages .msg", has_text="周末团购水果")
    bubble.locator(".msg-more").click()
    reporter.get_by_role("menuitem", name="举报").click()
    form = reporter.locator("#report-form")
    form.locator("select[name=category]").select_option("off_topic")
    form.locator("textarea[name=reason]").fill("上班时间在工作群里推销")
    screenshot(reporter, "report-dialog-phone")
    form.locator("input[name=anonymous]").check()
    form.get_by_role("button", name="提交举报").click()
    notice = reporter.locator("#composer-notice")
    notice.wait_for(timeout=5000)
    assert "回执码" in notice.inner_text()
    screenshot(reporter, "report-receipt-phone")

    # The sender has the chat open on a phone when the decision comes.
    sender = open_chat(browser, live_server, SENDER, group_id, PHONE)
    assert sender.locator("#composer-input").is_enabled()

    # The owner decides from the review queue: remove, and mute for one hour.
    admin = sign_in(browser, live_server, OWNER, DESKTOP)
    admin.goto(f"{live_server}/review")
    item = admin.locator(".queue-item[data-kind=report]", has_text="周末团购水果")
    assert "上班时间在工作群里推销" in item.inner_text()
    assert "孙浩然" not in admin.locator("#queue").inner_text()  # the reporter stays hidden
    screenshot(admin, "review-queue-desktop")
    item.locator("input[name=reason]").fill("在工作群推销商品")
    item.locator("select[name=hours]").select_option("1")
    item.get_by_role("button", name="删除并禁言").click()
    admin.wait_for_url("**/review?done=mute")
    assert admin.locator(".queue-item[data-kind=report]").count() == 0

    # The sender's composer says so at once, with the end time; the message is a placeholder.
    status = sender.locator("#composer-status")
    status.wait_for(state="visible", timeout=5000)
    text = status.inner_text()
    assert "禁言" in text
    assert "在工作群推销商品" in text
    assert sender.locator("#composer-input").is_disabled()
    removed = sender.locator("#messages .msg-removed")
    removed.wait_for(timeout=5000)
    assert "已被管理员删除" in removed.inner_text()
    screenshot(sender, "muted-composer-phone")
    sender.reload()
    assert "禁言" in sender.locator("#composer-status").inner_text()
    # "至 2026-12-07 10:47": the end time in the agency's zone, an hour from now.
    assert "至 " in sender.locator("#composer-status").inner_text()

    # The sender finds the measure on their record, with the way to appeal.
    sender.goto(f"{live_server}/me/record")
    assert "禁言" in sender.locator("#sanctions").inner_text()
    assert sender.locator("#sanctions input[name=statement]").count() == 1
    screenshot(sender, "my-record-phone")
    db.engine.dispose()


@pytest.mark.parametrize(("viewport", "size"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_the_keeping_order_pages_fit_a_phone_and_a_desktop(
    live_server: LiveServer, browser: Any, viewport: str, size: tuple[int, int]
) -> None:
    db, group_id = chat_group_on(live_server)
    # This process seals reporters with the suite's key, the one the server is given.
    send(db, OWNER, group_id, "经研究，预算基础数据表于 12 月 10 日前报送办公室")
    send(db, "member", group_id, "这种表格谁设计的，真是脑残")  # held for review
    send(db, "member", group_id, "周末一起去钓鱼吗？")
    with db.unit_of_work() as uow:
        message_admin.mark_decision(uow, principal(db, OWNER), group_id, 1, "预算基础数据报送时限")
        reports.file_report(
            uow,
            principal(db, OWNER),
            group_id,
            reports.ReportForm(
                "message", "上班时间讨论与工作无关的话题", seq=2, category="off_topic"
            ),
        )
        patrols.schedule(uow)
    with db.unit_of_work() as uow:
        violation = sanctions.record_violation(
            uow, principal(db, OWNER), group_id, staff_no="M01", reason="多次发布无关内容"
        )
        sanctions.apply(
            uow,
            principal(db, OWNER),
            violation.id,
            sanctions.Measure(SanctionStep.WARNING, "多次发布无关内容"),
        )
    db.engine.dispose()

    def fits(page: Any, name: str) -> None:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0], (name, width)
        screenshot(page, f"{name}-{viewport}")

    admin = sign_in(browser, live_server, OWNER, size)
    for path, name in (
        ("/review", "review-queue"),
        (f"/review/case/{group_id}/M01", "case"),
        (f"/groups/{group_id}/decisions", "decisions"),
    ):
        admin.goto(f"{live_server}{path}")
        assert admin.locator("main h1").count() == 1
        fits(admin, name)
    assert admin.locator("table.decisions").inner_text().count("预算基础数据报送时限") == 1
    admin.goto(f"{live_server}/review")
    assert admin.locator("#patrols .checklist li").count() == 5
    member = sign_in(browser, live_server, "member", size)
    member.goto(f"{live_server}/me/record")
    assert "警告" in member.locator("#sanctions").inner_text()
    fits(member, "my-record")
