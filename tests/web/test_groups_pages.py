"""The group pages, as a browser without JavaScript sees them."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from tests.factories import SETUP

Signer = Callable[[str], str]


def test_apply_approve_invite_accept_through_the_pages(
    app_client: TestClient, db: Database
) -> None:
    from tests.web.conftest import sign_in

    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s2")
    member, office = TestClient(app_client.app), TestClient(app_client.app)
    mcsrf, ocsrf = sign_in(member, "member"), sign_in(office, "office")

    form = member.get("/groups/apply").text
    assert "申请建群" in form
    assert "部门工作群" in form
    refused = member.post(
        "/groups/apply",
        data={
            "csrf_token": mcsrf,
            "name": "预算",
            "type": "department",
            "purpose": "预算工作安排",
            "owner_staff_no": "O01",
        },
    )
    assert refused.status_code == 422
    assert "群名称须为 4–20 个字" in refused.text
    applied = member.post(
        "/groups/apply",
        data={
            "csrf_token": mcsrf,
            "name": "预算股-预算编制",
            "type": "department",
            "purpose": "预算工作安排",
            "owner_staff_no": "O01",
        },
        follow_redirects=False,
    )
    assert applied.status_code == 303
    assert applied.headers["location"] == "/groups/applications?done=applied"

    inbox = office.get("/groups/applications").text
    application_id = re.search(r'action="/groups/applications/(\d+)/decision"', inbox)
    assert application_id is not None
    office.post(
        f"/groups/applications/{application_id.group(1)}/decision",
        data={"csrf_token": ocsrf, "decision": "approve", "note": "同意"},
    )
    listing = office.get("/groups").text
    group_id = re.search(r'href="/groups/(\d+)">预算股-预算编制', listing)
    assert group_id is not None
    page = office.post(
        f"/groups/{group_id.group(1)}/invite", data={"csrf_token": ocsrf, "staff_no": "M01"}
    )
    assert "已处理" in page.text

    mine = member.get("/groups").text
    invitation = re.search(r'action="/invitations/(\d+)/accept"', mine)
    assert invitation is not None
    assert "邀请你加入“预算股-预算编制”" in mine
    member.post(f"/invitations/{invitation.group(1)}/accept", data={"csrf_token": mcsrf})
    detail = member.get(f"/groups/{group_id.group(1)}").text
    assert "孙浩然" in detail
    assert "王丽娟" in detail
    assert "群主" in detail


def test_a_group_page_someone_else_owns_is_not_found(
    app_client: TestClient, db: Database, signed_in: Signer
) -> None:
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s2")
    signed_in("member")
    response = app_client.get("/groups/12345")
    assert response.status_code == 404
    assert "工作群不存在" in response.text
