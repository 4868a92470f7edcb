"""The chat page in Chromium against the real server: live delivery, inert payloads, mutes,
refusals that quote their article."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qunguan.domain.clock import SYSTEM_CLOCK, ManualClock, utcnow
from qunguan.services.membership import members
from qunguan.services.messages import conversation as messages
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.db import make_engine
from tests.browser.conftest import LiveServer, screenshot
from tests.browser.test_groups_browser import sign_in
from tests.factories import SETUP, principal
from tests.services.test_groups import apply, decide
from tests.services.test_messages import MEMBER, OWNER, acknowledge, approver_for, send

pytestmark = pytest.mark.browser

PHONE, DESKTOP = (360, 740), (1280, 800)
PAYLOADS = [
    "<img src=x onerror=window.__xss=1>",
    "<script>window.__xss=1</script>",
    "javascript:window.__xss=1 [点我](javascript:window.__xss=1)",
    '"><svg onload=window.__xss=1>',
]


def chat_group_on(
    server: LiveServer, preset: str = "s2", *, acknowledged: bool = True
) -> tuple[Database, int]:
    """``chat_group`` on the live server's database (already seeded): the office clerk owns
    the group, the member is in it, and has read the rules unless told otherwise."""
    db = Database(make_engine(server.database_url))
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, preset)
    ends = utcnow().date() + timedelta(days=90)
    application = apply(db, owner_staff_no="O01", type="department", end_date=ends)
    group_id = decide(db, approver_for(preset), application)
    assert group_id is not None
    with db.unit_of_work() as uow:
        outcome = members.invite(uow, principal(db, OWNER), group_id, "M01")
    if outcome.result == "invitation":
        with db.unit_of_work() as uow:
            members.respond(uow, principal(db, MEMBER), outcome.id, accept=True)
    acknowledge(db, OWNER)
    if acknowledged:
        acknowledge(db, MEMBER)
    return db, group_id


def open_chat(
    browser: Any, server: LiveServer, who: str, group_id: int, size: tuple[int, int]
) -> Any:
    page = sign_in(browser, server, who, size)
    page.goto(f"{server}/chat/{group_id}")
    page.wait_for_selector("#chat[data-live='1']")  # the stream has synced
    return page


def csrf(page: Any) -> str:
    return str(page.get_attribute("meta[name=csrf-token]", "content"))


class TestChatPage:
    def test_a_message_the_owner_sends_reaches_the_member_live(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        db, group_id = chat_group_on(live_server)
        first = send(db, OWNER, group_id, "**通知**：明天上午九点在三楼会议室开预算编制会")
        send(db, MEMBER, group_id, "收到，@王丽娟 我会准时参加", reply_to_seq=1)
        send(db, OWNER, group_id, "材料见 https://czj.example.gov.cn/budget/2027 请提前阅读")
        assert first.message is not None
        with db.unit_of_work() as uow:
            messages.set_pin(uow, principal(db, OWNER), group_id, first.message.seq or 0, True)

        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        assert "明天上午九点" in member.locator("#pinned").inner_text()

        owner.fill("#composer-input", "请大家下班前把预算表报送办公室，谢谢！")
        owner.keyboard.press("Enter")
        live = member.locator("#messages .msg", has_text="下班前把预算表报送办公室")
        live.wait_for(timeout=5000)
        assert "王丽娟" in live.locator(".msg-name").inner_text()
        assert "mine" not in (live.get_attribute("class") or "")
        mine = owner.locator("#messages .msg.mine[data-seq]", has_text="下班前把预算表")
        mine.wait_for(timeout=5000)
        assert mine.get_attribute("data-seq") == "4"  # stored once, with its sequence

        link = member.locator("#messages a", has_text="czj.example.gov.cn")
        assert link.get_attribute("rel") == "noopener noreferrer"
        assert link.get_attribute("target") == "_blank"
        assert member.locator("#messages strong", has_text="通知").count() == 1
        assert member.locator("#messages .quote", has_text="回复 王丽娟").count() == 1

        member.fill("#composer-input", "好的，马上报")
        member.keyboard.press("Enter")
        owner.locator("#messages .msg", has_text="好的，马上报").wait_for(timeout=5000)
        screenshot(owner, "chat-desktop")
        screenshot(member, "chat-phone")

        member.click("#conv-back")
        assert member.locator("#chat-groups").is_visible()
        # Everything was on screen, so nothing is left unread.
        member.locator(".chat-group .unread").wait_for(state="hidden", timeout=5000)
        screenshot(member, "chat-phone-list")

    def test_xss_payloads_render_as_inert_text(self, live_server: LiveServer, browser: Any) -> None:
        _db, group_id = chat_group_on(live_server)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        token = csrf(owner)
        for i, body in enumerate(PAYLOADS):
            answer = owner.request.post(
                f"{live_server}/api/v1/groups/{group_id}/messages",
                data={"client_id": f"xss-{i}", "body": body},
                headers={"X-CSRF-Token": token},
            )
            assert answer.status == 201, answer.text()

        def inert(page: Any) -> None:
            page.locator("#messages .msg", has_text="svg onload").wait_for(timeout=5000)
            assert page.evaluate("window.__xss") is None
            for tag in ("img", "script", "svg"):
                assert page.locator(f"#messages {tag}").count() == 0
            assert page.locator("#messages a[href^='javascript']").count() == 0
            text = page.locator("#messages").inner_text()
            for body in PAYLOADS:
                assert body in text

        inert(member)  # arrived live
        member.reload()
        inert(member)  # rendered by the server
        screenshot(member, "chat-xss-phone")

    def test_a_muted_member_sees_the_mute_and_its_end_and_cannot_type(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        _db, group_id = chat_group_on(live_server)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        assert member.locator("#composer-input").is_enabled()
        # Through the server, so that its stream tells the member at once.
        answer = owner.request.post(
            f"{live_server}/api/v1/groups/{group_id}/mutes",
            data={"staff_no": "M01", "hours": 2, "reason": "连续刷屏"},
            headers={"X-CSRF-Token": csrf(owner)},
        )
        assert answer.status == 201, answer.text()
        ends = datetime.fromisoformat(answer.json()["until"])
        until = ends.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
        expected = f"你已被禁言，至 {until:%Y-%m-%d %H:%M} 解除。原因：连续刷屏"

        status = member.locator("#composer-status")
        status.wait_for(state="visible", timeout=5000)  # heard over the stream
        assert status.inner_text() == expected
        assert member.locator("#composer-input").is_disabled()
        assert member.locator("#composer-send").is_disabled()
        member.reload()
        assert member.locator("#composer-status").inner_text() == expected
        assert member.locator("#composer-input").is_disabled()
        screenshot(member, "chat-muted-phone")

    @pytest.mark.clause("s7-11.2")
    def test_a_refusal_shows_under_the_composer_with_the_article_quoted(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        # 篇七 十一.2: a new member acknowledges the regulation before the first post.
        _db, group_id = chat_group_on(live_server, "s7", acknowledged=False)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        member.fill("#composer-input", "大家好，我是预算股孙浩然")
        member.keyboard.press("Enter")
        notice = member.locator("#composer-notice")
        notice.wait_for(state="visible", timeout=5000)
        text = notice.inner_text()
        assert "入群后须先阅读并确认本群管理制度" in text
        assert "根据《" in text
        assert "第" in text
        assert "条" in text
        # Nothing was stored, and what the member typed is back in the composer.
        assert member.locator("#messages .msg").count() == 0
        assert member.input_value("#composer-input") == "大家好，我是预算股孙浩然"
        screenshot(member, "chat-refused-phone")

    def test_a_held_message_shows_only_to_its_author_as_under_review(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        _db, group_id = chat_group_on(live_server)
        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        member.fill("#composer-input", "这个方案简直傻逼")
        member.keyboard.press("Enter")
        member.locator("#messages .msg.held", has_text="审核中").wait_for(timeout=5000)
        assert "待管理员审核" in member.locator("#composer-notice").inner_text()
        screenshot(member, "chat-held-phone")
        member.reload()
        assert member.locator("#messages .msg.held").count() == 1
        owner.reload()
        assert owner.locator("#messages .msg").count() == 0

    def test_the_owner_pins_and_files_a_message_that_the_member_then_finds(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        db, group_id = chat_group_on(live_server)
        # More than a page (the first ones load on scrolling up), one a minute this
        # morning, so the rate limit lets them through.
        start = utcnow() - timedelta(hours=3)
        clock = ManualClock(start)
        db.clock = clock
        for i in range(1, 121):
            clock.set(start + timedelta(minutes=i))
            send(db, OWNER, group_id, f"第{i}项工作进展")
        db.clock = SYSTEM_CLOCK
        send(db, MEMBER, group_id, "请审核2027年度预算草案", client_id="draft")
        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        member = open_chat(browser, live_server, MEMBER, group_id, PHONE)
        assert owner.locator("#messages .msg").count() == 50

        draft = owner.locator("#messages .msg", has_text="预算草案")
        draft.hover()
        draft.locator(".msg-more").click()
        owner.click("#msg-menu >> text=置顶")
        member.locator("#pinned", has_text="预算草案").wait_for(timeout=5000)

        draft.locator(".msg-more").click()
        owner.click("#msg-menu >> text=分类")
        owner.fill("#msg-menu input[placeholder='新建分类']", "预算")
        owner.fill("#msg-menu input[placeholder^='标签']", "2027 草案")
        screenshot(owner, "chat-categorise-desktop")
        owner.click("#msg-menu button[type=submit]")
        chips = member.locator("#messages .msg", has_text="预算草案").locator(".chip")
        chips.first.wait_for(timeout=5000)  # the edit arrived live
        assert chips.all_inner_texts() == ["预算", "#2027", "#草案"]

        # The member searches for an early message; choosing it loads older pages and
        # scrolls to it.
        member.click("#search-toggle")
        member.fill("#search-input", "第3项")
        member.press("#search-input", "Enter")
        member.locator("#results li").first.wait_for(timeout=5000)
        screenshot(member, "chat-search-phone")
        member.click("#results li >> nth=0")
        member.locator("#m-3").wait_for(timeout=5000)
        assert member.locator("#m-3").is_visible()
        assert member.locator("#messages .conv-top").inner_text() == "以上是本群全部消息"

        # Up there, a new message does not pull the member down: a pill says it came.
        owner.fill("#composer-input", "最新：草案已通过")
        owner.keyboard.press("Enter")
        pill = member.locator("#new-pill")
        pill.wait_for(timeout=5000)
        assert pill.inner_text() == "↓ 1 条新消息"
        pill.click()
        member.locator("#messages .msg", has_text="草案已通过").wait_for(timeout=5000)

        # The member replies through the menu (a long press on a phone: here, a right click).
        member.locator("#messages .msg .bubble", has_text="草案已通过").click(button="right")
        screenshot(member, "chat-menu-phone")
        member.click("#msg-menu >> text=回复")
        assert "回复 王丽娟" in member.locator("#composer-context").inner_text()
        member.fill("#composer-input", "收到")
        member.keyboard.press("Enter")
        reply = owner.locator("#messages .msg", has_text="收到")
        reply.locator(".quote", has_text="草案已通过").wait_for(timeout=5000)

        # The member edits, then recalls, their own message.
        mine = member.locator("#messages .msg.mine[data-seq]", has_text="收到")
        mine.locator(".bubble").click(button="right")
        member.click("#msg-menu >> text=编辑")
        member.fill("#composer-input", "收到，马上办理")
        member.keyboard.press("Enter")
        edited = owner.locator("#messages .msg", has_text="收到，马上办理")
        edited.locator(".edited").wait_for(timeout=5000)
        member.locator("#messages .msg.mine[data-seq]", has_text="马上办理").locator(
            ".bubble"
        ).click(button="right")
        member.click("#msg-menu >> text=撤回")
        member.click("#msg-menu >> .menu-item >> text=撤回")
        owner.locator("#messages .msg.recalled", has_text="消息已撤回").wait_for(timeout=5000)
        assert owner.locator("#messages", has_text="马上办理").count() == 0

    def test_after_a_dropped_connection_the_page_resyncs_what_it_missed_once(
        self, live_server: LiveServer, browser: Any
    ) -> None:
        _db, group_id = chat_group_on(live_server)
        owner = open_chat(browser, live_server, OWNER, group_id, DESKTOP)
        member = sign_in(browser, live_server, MEMBER, PHONE)
        # Keep a hand on the page's socket so the test can drop it.
        member.add_init_script(
            "const Native = window.WebSocket; window.__sockets = [];"
            "window.WebSocket = function (url, p) { const s = new Native(url, p);"
            " window.__sockets.push(s); return s; };"
            "window.WebSocket.prototype = Native.prototype;"
        )
        member.goto(f"{live_server}/chat/{group_id}")
        member.wait_for_selector("#chat[data-live='1']")
        member.evaluate("window.__sockets.at(-1).close()")
        member.wait_for_selector("#chat[data-live='0']")
        answer = owner.request.post(
            f"{live_server}/api/v1/groups/{group_id}/messages",
            data={"client_id": "while-away", "body": "断线期间发出的通知"},
            headers={"X-CSRF-Token": csrf(owner)},
        )
        assert answer.status == 201, answer.text()
        member.wait_for_selector("#chat[data-live='1']", timeout=10000)  # reconnected
        missed = member.locator("#messages .msg", has_text="断线期间发出的通知")
        missed.wait_for(timeout=5000)
        assert missed.count() == 1
        assert member.evaluate("window.__sockets.length") == 2
