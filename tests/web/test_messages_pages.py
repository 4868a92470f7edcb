"""The chat pages, as the server renders them before the script takes over."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from qunguan.services.uow import Database
from qunguan.web.app import create_app
from qunguan.web.pages.messages import rich
from tests.factories import app_settings
from tests.services.test_membership import make_group
from tests.services.test_messages import MEMBER, OWNER, chat_group, send
from tests.web.conftest import sign_in

XSS = '<img src=x onerror=window.__xss=1> "><svg onload=alert(1)> <script>window.__xss=1</script>'


@pytest.fixture
def group_id(db: Database) -> int:
    return chat_group(db)


@pytest.fixture
def client(migrated_url: str, group_id: int) -> Iterator[TestClient]:  # noqa: ARG001
    # group_id is requested for its side effect: the group exists before the app starts
    # (a fixture cannot take usefixtures).
    with TestClient(create_app(app_settings(migrated_url))) as client:
        yield client


class TestChatPage:
    def test_a_member_sees_their_groups_with_unread_counts(
        self, db: Database, client: TestClient, group_id: int
    ) -> None:
        send(db, OWNER, group_id, "请各位今天下班前报送预算表")
        send(db, OWNER, group_id, "谢谢")
        sign_in(client, MEMBER)
        page = client.get("/chat")
        assert page.status_code == 200
        assert f'href="/chat/{group_id}"' in page.text
        assert '<span class="unread">2</span>' in page.text
        assert "选择一个工作群开始聊天" in page.text

    def test_the_conversation_renders_the_latest_messages_on_first_paint(
        self, db: Database, client: TestClient, group_id: int
    ) -> None:
        send(db, OWNER, group_id, "明天上午九点开会")
        send(db, MEMBER, group_id, "收到", reply_to_seq=1)
        sign_in(client, MEMBER)
        page = client.get(f"/chat/{group_id}").text
        assert 'id="m-1"' in page
        assert 'id="m-2"' in page
        assert "明天上午九点开会" in page
        assert "王丽娟" in page
        assert 'class="msg mine"' in page  # the member's own reply sits on the right
        assert "回复 王丽娟" in page
        assert 'id="chat-strings"' in page
        assert 'name="csrf-token"' in page

    def test_it_speaks_chinese_by_default_and_english_when_asked(
        self, client: TestClient, group_id: int
    ) -> None:
        sign_in(client, MEMBER)
        assert "输入消息" in client.get(f"/chat/{group_id}").text
        client.get("/lang/en", follow_redirects=False)
        assert "Type a message" in client.get(f"/chat/{group_id}").text

    def test_a_group_one_is_not_in_is_not_found(self, client: TestClient, group_id: int) -> None:
        sign_in(client, "leader")  # may use groups, but is not in this one
        response = client.get(f"/chat/{group_id}")
        assert response.status_code == 404
        assert "工作群不存在" in response.text
        sign_in(client, MEMBER)
        assert client.get("/chat/99999").status_code == 404

    def test_a_message_body_is_escaped_in_the_html(
        self, db: Database, client: TestClient, group_id: int
    ) -> None:
        send(db, OWNER, group_id, XSS)
        sign_in(client, MEMBER)
        page = client.get(f"/chat/{group_id}").text
        assert "<img src=x" not in page
        assert "<svg onload" not in page
        assert "<script>window.__xss" not in page
        assert "&lt;img src=x onerror=window.__xss=1&gt;" in page
        # The data block for the script carries it as JSON with no raw angle brackets.
        data = page.split('id="chat-data">', 1)[1].split("</script>", 1)[0]
        assert "<" not in data
        assert "\\u003cimg" in data

    def test_the_navigation_and_the_group_page_lead_to_the_chat(
        self, client: TestClient, group_id: int
    ) -> None:
        sign_in(client, MEMBER)
        detail = client.get(f"/groups/{group_id}").text
        assert f'href="/chat/{group_id}"' in detail
        assert '<a href="/chat"' in detail
        assert ">消息</a>" in detail


class TestRichText:
    def test_text_is_escaped_before_it_is_formatted(self) -> None:
        html = rich("**重要** <b>x</b>\n见 https://example.gov.cn/a?b=1&c=2 @王丽娟")
        assert html.startswith("<strong>重要</strong> &lt;b&gt;x&lt;/b&gt;<br>")
        assert (
            '<a href="https://example.gov.cn/a?b=1&amp;c=2" rel="noopener noreferrer" '
            'target="_blank">https://example.gov.cn/a?b=1&amp;c=2</a>'
        ) in html
        assert '<span class="mention">@王丽娟</span>' in html

    def test_only_http_links_become_links(self) -> None:
        html = rich('javascript:alert(1) "><a href=javascript:alert(1)>x</a>')
        assert "<a" not in html.replace("&lt;a", "")
        assert "href" not in html.replace("href=javascript", "")

    def test_bold_cannot_smuggle_markup(self) -> None:
        assert rich("**<i>x</i>**") == "<strong>&lt;i&gt;x&lt;/i&gt;</strong>"

    def test_the_office_reads_a_group_it_is_not_in_but_cannot_post(
        self, migrated_url: str, db: Database
    ) -> None:
        group_id = make_group(db, "s2", owner="L01", approver="office")
        with TestClient(create_app(app_settings(migrated_url))) as client:
            sign_in(client, OWNER)
            page = client.get(f"/chat/{group_id}").text
        assert "你不是本群成员，只能查看。" in page
        assert '<textarea id="composer-input"' in page
        assert "disabled>" in page
