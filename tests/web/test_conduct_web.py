"""Keeping order over HTTP: a report through the API, the reporter hidden from the reported
person's answers and pages, the queue's one-click decision, the member's record page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qunguan.services.accounts import management as accounts
from qunguan.services.uow import Database
from tests.factories import PASSWORD, SETUP, enrol_second_factor
from tests.web.conftest import sign_in
from tests.web.test_messages_api import Sign, post

REPORTER_MARKS = ("孙浩然", "M01", '"member"')


def file_report(client: TestClient, csrf: str, gid: int, seq: int) -> dict[str, object]:
    answer = client.post(
        f"/api/v1/groups/{gid}/reports",
        json={
            "target": "message",
            "seq": seq,
            "reason": "上班时间发购物链接",
            "category": "off_topic",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


class TestReportsOverHttp:
    @pytest.mark.clause("s3-5.2.1", "s7-13.2")
    def test_the_reported_member_never_learns_who_reported(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        owner = signed_in("office")
        assert post(app_client, owner, group_id, "团购水果，需要的私聊").status_code == 201
        member = signed_in("member")
        filed = file_report(app_client, member, group_id, 1)
        assert filed["receipt"]
        assert set(filed) == {"id", "receipt", "mode", "identity_stored"}
        followed = app_client.post(
            "/api/v1/reports/follow",
            json={"receipt": filed["receipt"]},
            headers={"X-CSRF-Token": member},
        )
        assert followed.status_code == 200
        assert followed.json()["status"] == "open"

        owner = signed_in("office")  # the reported person, who also runs the group
        answers = [
            app_client.get("/api/v1/review"),
            app_client.get(f"/api/v1/review?group_id={group_id}"),
            app_client.get("/review"),
            app_client.get(f"/review/case/{group_id}/O01"),
            app_client.get(f"/api/v1/groups/{group_id}/members/O01/record"),
            app_client.get("/api/v1/me/record"),
            app_client.get("/me/record"),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            for mark in REPORTER_MARKS:
                assert mark not in answer.text, (answer.url, mark)
        assert "上班时间发购物链接" in answers[0].text  # the report itself is there
        item = answers[0].json()["items"][0]
        decided = app_client.post(
            f"/api/v1/review/report/{item['id']}",
            json={"action": "dismiss", "reason": "团购为工会组织"},
            headers={"X-CSRF-Token": owner},
        )
        assert decided.status_code == 200
        assert decided.json() == {"outcome": "dismissed"}
        for mark in REPORTER_MARKS:
            assert mark not in decided.text

    @pytest.mark.clause("s1-5.1")
    def test_the_queue_page_removes_and_mutes_in_one_click(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        member = signed_in("member")
        assert post(app_client, member, group_id, "周末去钓鱼的举手").status_code == 201
        owner = signed_in("office")
        file_report(app_client, owner, group_id, 1)
        page = app_client.get("/review")
        assert page.status_code == 200
        assert "周末去钓鱼的举手" in page.text
        item = app_client.get("/api/v1/review").json()["items"][0]
        typo = app_client.post(
            f"/review/report/{item['id']}",
            data={"csrf_token": owner, "action": "mute", "reason": "与工作无关", "hours": "一小时"},
        )
        assert typo.status_code == 422
        assert "一小时" in typo.text  # named, nothing decided
        assert app_client.get("/api/v1/review").json()["items"][0]["id"] == item["id"]
        answer = app_client.post(
            f"/review/report/{item['id']}",
            data={"csrf_token": owner, "action": "mute", "reason": "与工作无关", "hours": "1"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        history = app_client.get(f"/api/v1/groups/{group_id}/messages").json()
        assert [(m["status"], m["body"]) for m in history["messages"]] == [("removed", "")]
        member = signed_in("member")
        refused = post(app_client, member, group_id, "我错了")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "messages.muted"
        record = app_client.get("/me/record")
        assert record.status_code == 200
        assert "禁言" in record.text
        assert "与工作无关" in record.text

    def test_the_security_admin_works_the_agency_queue(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        member = signed_in("member")
        assert post(app_client, member, group_id, "这种表格谁设计的，真是脑残").status_code == 202
        security = signed_in("security")
        page = app_client.get("/review/agency")
        assert page.status_code == 200
        assert "真是脑残" in page.text
        assert app_client.get("/api/v1/review").status_code == 403  # not a group's admin
        [item] = app_client.get("/api/v1/review/agency").json()["items"]
        answer = app_client.post(
            f"/review/agency/held/{item['id']}",
            data={"csrf_token": security, "action": "warn", "reason": "辱骂同事"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        assert app_client.get("/api/v1/review/agency").json()["items"] == []
        english = app_client.get("/lang/en?next=/review/agency")
        assert english.status_code == 200
        assert "Agency-wide review queue" in english.text


class TestCasePage:
    @pytest.mark.clause("s1-7.1", "s4-3.2")
    def test_the_case_page_proposes_the_ladders_next_step_and_applies_it(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        owner = signed_in("office")
        case = f"/review/case/{group_id}/M01"
        for step, proposed in (
            ("warning", "按处分梯度，建议：警告"),
            ("mute", "按处分梯度，建议：禁言"),
        ):
            recorded = app_client.post(
                f"{case}/violation",
                data={"csrf_token": owner, "reason": "在群内发布无关内容"},
                follow_redirects=False,
            )
            assert recorded.status_code == 303, recorded.text
            page = app_client.get(case)
            assert proposed in page.text
            violation_id = page.text.split('name="violation_id" value="')[1].split('"')[0]
            applied = app_client.post(
                f"{case}/sanction",
                data={
                    "csrf_token": owner,
                    "violation_id": violation_id,
                    "step": step,
                    "hours": "2",
                },
                follow_redirects=False,
            )
            assert applied.status_code == 303, applied.text
        member = signed_in("member")
        refused = post(app_client, member, group_id, "我有话说")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "messages.muted"
        record = app_client.get("/api/v1/me/record").json()
        assert [s["step"] for s in record["sanctions"]] == ["warning", "mute"]

    def test_bulk_tidy_up_from_the_queue_page(
        self, app_client: TestClient, signed_in: Sign, group_id: int
    ) -> None:
        member = signed_in("member")
        for body in ("团购水果", "明早九点开会", "团购大米"):
            assert post(app_client, member, group_id, body).status_code == 201
        owner = signed_in("office")
        assert 'id="tidy"' in app_client.get("/review").text
        answer = app_client.post(
            "/review/tidy",
            data={"csrf_token": owner, "group_id": str(group_id), "text": "团购", "reason": "无关"},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        history = app_client.get(f"/api/v1/groups/{group_id}/messages").json()["messages"]
        assert [m["status"] for m in history] == ["removed", "visible", "removed"]
        empty = app_client.post(
            "/review/tidy", data={"csrf_token": owner, "group_id": str(group_id), "reason": "无关"}
        )
        assert empty.status_code == 422
        assert "至少给出一个筛选条件" in empty.text


class TestRevealPages:
    @pytest.mark.clause("s3-5.2.1")
    def test_the_security_admin_reads_a_reporter_only_after_two_leaders_approve(
        self, app_client: TestClient, signed_in: Sign, group_id: int, db: Database
    ) -> None:
        with db.unit_of_work() as uow:
            accounts.create_user(
                uow,
                SETUP,
                "leader2",
                PASSWORD,
                ["leader"],
                staff_no="M02",
                must_change_password=False,
            )
        enrol_second_factor(db, "leader2")
        owner = signed_in("office")
        assert post(app_client, owner, group_id, "内部材料拍照发群里了").status_code == 201
        member = signed_in("member")
        filed = file_report(app_client, member, group_id, 1)
        assert filed["identity_stored"] is True

        # Each governing persona signs in once, in a browser of their own (a TOTP code
        # counts once).
        security_client = TestClient(app_client.app)
        security = sign_in(security_client, "security")
        page = security_client.get("/review/agency")
        assert "申请查阅举报人" in page.text
        assert "孙浩然" not in page.text
        asked = security_client.post(
            f"/review/agency/reports/{filed['id']}/reveal",
            data={"csrf_token": security, "reason": "核实举报线索"},
            follow_redirects=False,
        )
        assert asked.status_code == 303, asked.text
        reveal_id = 1  # the first request of this database

        def read() -> str:
            answer = security_client.post(
                f"/reveals/{reveal_id}/read", data={"csrf_token": security}
            )
            return answer.text

        assert "查阅举报人需要 2 人批准，目前 0 人" in read()
        for leader in ("leader", "leader2"):
            client = TestClient(app_client.app)
            token = sign_in(client, leader)
            assert "核实举报线索" in client.get("/reveals").text
            approved = client.post(
                f"/reveals/{reveal_id}/approve", data={"csrf_token": token}, follow_redirects=False
            )
            assert approved.status_code == 303, approved.text
            if leader == "leader":
                assert "查阅举报人需要 2 人批准，目前 1 人" in read()
        assert "举报人：孙浩然（M01）" in read()
