"""The notices API and pages: refusals quote their articles, acknowledgement is one's own,
the ledger and its files, a bare 收到 through the messages API."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from qunguan.domain.clock import utcnow
from qunguan.services.notices import followup as notice_followup
from qunguan.services.uow import Database
from qunguan.store.repositories.directory import DirectoryRepository
from tests.web.test_messages_api import post

Sign = Callable[[str], str]
NOTICE = {"title": "关于年底安全检查的通知", "body": "请各股室本周五前完成自查。"}


def publish(client: TestClient, csrf: str, gid: int, **extra: object) -> httpx.Response:
    payload = {**NOTICE, "group_ids": [gid], **extra}
    return client.post("/api/v1/notices", json=payload, headers={"X-CSRF-Token": csrf})


@pytest.mark.clause("s2-2.2.3")
def test_a_member_is_refused_with_the_article_quoted(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    answer = publish(app_client, signed_in("member"), group_id)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "notices.not_publisher"
    assert "办公室" in error["message"]
    assert error["clauses"] == ["s2-2.2.3"]
    assert error["citations"]
    assert "通知" in error["citations"][0]["quote"]


def test_bad_input_gets_a_clear_error(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    csrf = signed_in("office")
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    answer = publish(app_client, csrf, group_id, deadline=past)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "notices.deadline_past"
    answer = publish(app_client, csrf, group_id, group_ids=[])
    assert answer.status_code == 422
    attachment = {"name": "a.pdf", "content_base64": "not base64!"}
    answer = publish(app_client, csrf, group_id, attachments=[attachment])
    assert answer.json()["error"]["code"] == "notices.attachment_unreadable"


@pytest.mark.clause("s2-2.2.4a")
def test_acknowledgement_is_ones_own_and_the_ledger_counts_it(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    office = signed_in("office")
    attachment = {
        "name": "自查表.txt",
        "content_base64": base64.b64encode("自查表".encode()).decode(),
    }
    created = publish(app_client, office, group_id, attachments=[attachment])
    assert created.status_code == 201, created.text
    notice = created.json()
    assert notice["attachments"][0]["name"] == "自查表.txt"
    # The publisher did not receive it, so cannot acknowledge it (for anyone).
    assert (
        app_client.post(
            f"/api/v1/notices/{notice['id']}/ack", headers={"X-CSRF-Token": office}
        ).status_code
        == 404
    )
    member = signed_in("member")
    overview = app_client.get("/api/v1/notices").json()
    assert overview["outstanding"] == 1
    assert overview["may_publish"] is False
    first = app_client.post(f"/api/v1/notices/{notice['id']}/ack", headers={"X-CSRF-Token": member})
    again = app_client.post(f"/api/v1/notices/{notice['id']}/ack", headers={"X-CSRF-Token": member})
    assert first.json()["first"] is True
    assert again.json()["first"] is False
    assert again.json()["at"] == first.json()["at"]
    assert app_client.get("/api/v1/notices").json()["outstanding"] == 0
    # A member does not see the ledger; the publisher does.
    assert app_client.get(f"/api/v1/notices/{notice['id']}/ledger").status_code == 404
    signed_in("office")
    ledger = app_client.get(f"/api/v1/notices/{notice['id']}/ledger").json()
    assert (ledger["recipients"], ledger["acknowledged"], ledger["outstanding"]) == (1, 1, 0)
    assert ledger["people"][0]["name"] == "孙浩然"
    assert ledger["people"][0]["how"] == "tap"
    xlsx = app_client.get(f"/api/v1/notices/{notice['id']}/ledger.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "姓名"
    assert rows[1][0] == "孙浩然"
    assert rows[1][6] == "点击确认"
    pdf = app_client.get(f"/api/v1/notices/{notice['id']}/certificate.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.clause("s2-3.1")
def test_editing_a_notice_is_refused_pointing_to_a_correction(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    csrf = signed_in("office")
    notice = publish(app_client, csrf, group_id).json()
    answer = app_client.patch(f"/api/v1/notices/{notice['id']}", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "notices.immutable"
    corrected = app_client.post(
        f"/api/v1/notices/{notice['id']}/corrections",
        json={**NOTICE, "body": "更正：请本周四前完成自查。", "group_ids": [group_id]},
        headers={"X-CSRF-Token": csrf},
    )
    assert corrected.status_code == 201
    assert (corrected.json()["version"], corrected.json()["supersedes_id"]) == (2, notice["id"])


@pytest.mark.clause("s2-2.2.4b")
def test_a_bare_reply_under_a_no_reply_notice_is_refused_with_its_article(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    publish(app_client, signed_in("office"), group_id, reply_required=False)
    answer = post(app_client, signed_in("member"), group_id, "收到")
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "notices.no_reply_needed"
    assert error["clauses"] == ["s2-2.2.4b"]


@pytest.mark.clause("s2-2.2.4a")
def test_a_bare_reply_acknowledges_a_reply_required_notice(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    notice = publish(app_client, signed_in("office"), group_id).json()
    answer = post(app_client, signed_in("member"), group_id, "收到")
    assert answer.status_code == 200
    assert answer.json()["acknowledged"]["notice_id"] == notice["id"]
    assert answer.json()["notice"]["clauses"] == ["s2-2.2.4a"]


def test_the_pages_show_the_card_the_composer_and_the_ledger(
    app_client: TestClient,
    signed_in: Sign,
    group_id: int,
) -> None:
    csrf = signed_in("office")
    page = app_client.get("/notices/new")
    assert page.status_code == 200
    assert "你将以办公室名义发布" in page.text
    created = app_client.post(
        "/notices/new",
        data={
            "title": "周例会",
            "body": "周一上午九点开会。",
            "group_ids": str(group_id),
            "reply_required": "1",
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    ledger = app_client.get(created.headers["location"])
    assert "0 / 1" in ledger.text.replace("\n", " ").replace('<span id="ack-count">', "").replace(
        '</span> / <span id="total-count">', " / "
    )
    signed_in("member")
    mine = app_client.get("/notices")
    assert "周例会" in mine.text
    assert "确认收到" in mine.text
    refused = app_client.get("/notices/new")
    assert "你目前无权发布通知" in refused.text


def test_the_announcement_page_saves_a_version_and_the_api_reads_it(
    app_client: TestClient, signed_in: Sign, group_id: int
) -> None:
    csrf = signed_in("office")
    page = app_client.get(f"/announcements/{group_id}")
    assert page.status_code == 200
    assert "保存群公告" in page.text
    saved = app_client.post(
        f"/announcements/{group_id}",
        data={"section_name": "公告", "section_text": "本群用于年度预算编制。", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    empty = app_client.post(
        f"/announcements/{group_id}",
        data={"section_name": "公告", "section_text": " ", "csrf_token": csrf},
    )
    assert empty.status_code == 422
    assert "不能为空" in empty.text
    signed_in("member")
    shown = app_client.get(f"/api/v1/groups/{group_id}/announcement").json()
    assert shown["sections"] == {"公告": "本群用于年度预算编制。"}
    assert shown["may_edit"] is False


def test_a_deadline_given_in_local_time_is_kept_as_that_moment(
    app_client: TestClient, signed_in: Sign, group_id: int
) -> None:
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)
    notice = publish(app_client, signed_in("office"), group_id, deadline=local.isoformat()).json()
    stored = datetime.fromisoformat(notice["deadline"]).replace(tzinfo=UTC)
    assert abs((stored - local).total_seconds()) < 1


def test_the_files_of_a_ledger_are_the_publishers_and_reminders_reach_the_member(
    app_client: TestClient, signed_in: Sign, group_id: int, db: Database
) -> None:
    notice = publish(app_client, signed_in("office"), group_id, remind_every_hours=1).json()
    with db.unit_of_work() as uow:
        assert notice_followup.remind_outstanding(uow, utcnow() + timedelta(hours=2)) == 1
    signed_in("member")
    for path in ("ledger.xlsx", "certificate.pdf", "ledger"):
        assert app_client.get(f"/api/v1/notices/{notice['id']}/{path}").status_code == 404
    page = app_client.get("/notifications")
    assert "尚未确认，请及时确认收到" in page.text
    assert f"/notices/{notice['id']}" in page.text
    mine = app_client.get("/api/v1/notifications").json()
    assert mine["items"][0]["kind"] == "notice.reminder"
    assert mine["unread"] == len(mine["items"])  # the invitation to the group, too
    csrf = signed_in("member")
    app_client.post("/api/v1/notifications/read", headers={"X-CSRF-Token": csrf})
    assert app_client.get("/api/v1/notifications").json()["unread"] == 0


@pytest.mark.clause("s2-2.2.3")
@pytest.mark.usefixtures("group_id")
def test_a_leader_authorises_a_department_on_the_page_and_a_bad_term_is_named(
    app_client: TestClient, signed_in: Sign, db: Database
) -> None:
    with db.reading() as uow:
        member = DirectoryRepository(uow.session).person_by_staff_no("M01")
        assert member is not None
    csrf = signed_in("leader")
    form = {
        "department_id": str(member.department_id),
        "reason": "预算编制期间",
        "csrf_token": csrf,
    }
    refused = app_client.post("/notices/grants", data={**form, "days": "5000"})
    assert refused.status_code == 422
    assert "授权期限最长" in refused.text
    granted = app_client.post(
        "/notices/grants", data={**form, "days": "30"}, follow_redirects=False
    )
    assert granted.status_code == 303
    assert "预算编制期间" in app_client.get("/notices/grants").text
    signed_in("member")  # the department's own member sees it, and may now publish
    assert "预算编制期间" in app_client.get("/notices/grants").text
    assert app_client.get("/api/v1/notices").json()["may_publish"] is True


def test_a_groups_month_in_figures_for_its_owner(
    app_client: TestClient, signed_in: Sign, group_id: int
) -> None:
    signed_in("office")
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    figures = app_client.get(f"/api/v1/groups/{group_id}/usage?month={month}").json()
    assert figures["members"] == 2
    assert figures["month"] == month
    assert app_client.get(f"/api/v1/groups/{group_id}/usage?month=2026-13").status_code == 422
    page = app_client.get(f"/usage/{group_id}?month={month}")
    assert page.status_code == 200
    assert "通知确认率" in page.text
