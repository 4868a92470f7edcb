"""The messages API: what a sender is told, with the articles quoted, and what is kept."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qunguan.services.uow import Database
from qunguan.store.models import AuditRecord, Message

Sign = Callable[[str], str]


def post(
    client: TestClient, csrf: str, group_id: int, body: str, **extra: object
) -> httpx.Response:
    payload = {"client_id": extra.pop("client_id", body[:30] or "empty"), "body": body, **extra}
    return client.post(
        f"/api/v1/groups/{group_id}/messages", json=payload, headers={"X-CSRF-Token": csrf}
    )


class TestSendingThroughTheApi:
    def test_a_stored_message_is_answered_201_with_its_sequence(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        answer = post(app_client, csrf, group_id, "下午三点在三楼会议室开会")
        assert answer.status_code == 201, answer.text
        assert answer.json()["status"] == "stored"
        assert answer.json()["message"]["seq"] == 1
        again = post(app_client, csrf, group_id, "下午三点在三楼会议室开会")
        assert again.status_code == 201
        assert again.json()["message"]["seq"] == 1

    @pytest.mark.clause("s1-2.1", "s2-2.2.1")
    def test_forbidden_content_is_refused_quoting_the_article_and_the_hit_is_recorded(
        self, app_client: TestClient, signed_in: Sign, group_id: int, db: Database
    ) -> None:
        csrf = signed_in("member")
        answer = post(app_client, csrf, group_id, "周末一起网络赌博吗")
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert error["code"] == "messages.content_blocked"
        assert "s2-2.2.1" in error["clauses"]
        assert error["citations"]
        assert error["citations"][0]["quote"].startswith("根据《")
        with db.reading() as uow:
            assert list(uow.session.scalars(select(Message))) == []
            hits = list(
                uow.session.scalars(
                    select(AuditRecord).where(AuditRecord.action == "message.blocked")
                )
            )
        assert len(hits) == 1
        assert hits[0].summary["categories"] == ["gambling-fraud"]
        assert hits[0].summary["spans"][0][2] == "网络赌博"

    def test_abuse_is_held_for_review_and_only_the_author_sees_it(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        answer = post(app_client, csrf, group_id, "你真是个傻逼")
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "held"
        assert answer.json()["notice"]["code"] == "messages.held"
        mine = app_client.get(f"/api/v1/groups/{group_id}/messages").json()
        assert [m["body"] for m in mine["held"]] == ["你真是个傻逼"]
        assert mine["messages"] == []
        csrf = signed_in("office")
        theirs = app_client.get(f"/api/v1/groups/{group_id}/messages").json()
        assert theirs["held"] == []
        assert theirs["messages"] == []

    @pytest.mark.clause("s1-5.3")
    def test_personal_data_asks_the_sender_to_confirm_first(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        body = "请核对身份证号110101199003078515"
        asked = post(app_client, csrf, group_id, body, client_id="pd-1")
        assert asked.status_code == 409
        assert asked.json()["error"]["code"] == "messages.confirm_required"
        assert asked.json()["error"]["verdict"]["categories"] == ["personal-data"]
        sent = post(app_client, csrf, group_id, body, client_id="pd-1", confirmed=True)
        assert sent.status_code == 201
        assert sent.json()["message"]["seq"] == 1

    def test_a_red_envelope_is_refused(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        answer = post(app_client, csrf, group_id, "恭喜发财", kind="red_envelope")
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "messages.kind_forbidden"

    def test_a_member_may_not_pin_and_is_told_why(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        post(app_client, csrf, group_id, "值班表")
        answer = app_client.put(
            f"/api/v1/groups/{group_id}/messages/1/pin", headers={"X-CSRF-Token": csrf}
        )
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "messages.pin_forbidden"

    def test_unread_search_and_read_position(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("office")
        for body in ("请报送预算编制材料", "明天例会取消"):
            post(app_client, csrf, group_id, body)
        csrf = signed_in("member")
        assert app_client.get("/api/v1/unread").json()["groups"] == {str(group_id): 2}
        found = app_client.get("/api/v1/search", params={"q": "预算编制"}).json()["items"]
        assert [m["seq"] for m in found] == [1]
        read = app_client.post(
            f"/api/v1/groups/{group_id}/read", json={"seq": 2}, headers={"X-CSRF-Token": csrf}
        )
        assert read.json() == {"seq": 2}
        assert app_client.get("/api/v1/unread").json()["groups"] == {str(group_id): 0}

    def test_english_on_request(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        csrf = signed_in("member")
        answer = app_client.post(
            f"/api/v1/groups/{group_id}/messages",
            json={"client_id": "e", "body": "  "},
            headers={"X-CSRF-Token": csrf, "Accept-Language": "en"},
        )
        assert answer.json()["error"]["message"] == "The message is empty."
