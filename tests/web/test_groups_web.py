"""Groups over HTTP: a member of one group never reads another; refusals quote their article."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from tests.factories import SETUP

Signer = Callable[[str], str]


def adopt(db: Database, preset: str) -> None:
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, preset)


def make_group(client: TestClient, csrf: str, leader: TestClient, lcsrf: str, name: str) -> int:
    created = client.post(
        "/api/v1/groups/applications",
        json={
            "name": name,
            "type": "department",
            "purpose": "部门日常工作安排",
            "owner_staff_no": "O01",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert created.status_code == 201, created.text
    approved = leader.post(
        f"/api/v1/groups/applications/{created.json()['id']}/approval",
        json={"note": "同意"},
        headers={"X-CSRF-Token": lcsrf},
    )
    assert approved.status_code == 200, approved.text
    return int(approved.json()["group_id"])


def test_a_member_of_group_a_never_reads_group_b(app_client: TestClient, db: Database) -> None:
    from tests.web.conftest import sign_in

    adopt(db, "s1")
    office, leader, member = (TestClient(app_client.app) for _ in range(3))
    ocsrf, lcsrf, mcsrf = (
        sign_in(office, "office"),
        sign_in(leader, "leader"),
        sign_in(member, "member"),
    )
    group_a = make_group(office, ocsrf, leader, lcsrf, "办公室-日常事务")
    group_b = make_group(office, ocsrf, leader, lcsrf, "办公室-公文流转")
    invited = office.post(
        f"/api/v1/groups/{group_a}/invitations",
        json={"staff_no": "M01"},
        headers={"X-CSRF-Token": ocsrf},
    )
    assert invited.json()["result"] == "invitation"
    accepted = member.post(
        f"/api/v1/invitations/{invited.json()['id']}/acceptance", headers={"X-CSRF-Token": mcsrf}
    )
    assert accepted.status_code == 200
    assert member.get(f"/api/v1/groups/{group_a}/members").status_code == 200
    for path in (
        f"/api/v1/groups/{group_b}",
        f"/api/v1/groups/{group_b}/members",
        f"/api/v1/groups/{group_b}/findings",
    ):
        response = member.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "group.not_found"
    assert [g["id"] for g in member.get("/api/v1/groups").json()["items"]] == [group_a]


def test_a_refused_name_quotes_its_article(
    app_client: TestClient, db: Database, signed_in: Signer
) -> None:
    adopt(db, "s4")
    csrf = signed_in("member")
    refused = app_client.post(
        "/api/v1/groups/applications",
        json={
            "name": "预算股赌博讨论组",
            "type": "department",
            "purpose": "预算工作",
            "owner_staff_no": "O01",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert [d["code"] for d in error["details"]] == ["groups.name_sensitive"]
    assert error["clauses"] == ["s1-3.2", "s4-2.2"]
    [citation] = error["citations"]
    assert citation["clause"] == "s4-2.2"
    assert citation["quote"].startswith(
        "根据《公务微信工作群管理制度》第二条：工作群的名称要简洁明了"
    )


@pytest.mark.clause("s1-2.2")
def test_groups_come_only_from_the_workflow_with_unique_ids_and_template_names(
    app_client: TestClient, db: Database
) -> None:
    from tests.factories import principal
    from tests.web.conftest import sign_in

    adopt(db, "s1")
    with db.unit_of_work() as uow:
        document = policy_versions.to_yaml(policy_versions.require_current(uow).policy)
    document = document.replace("template: ''", "template: '{unit}-{topic}'")
    with db.unit_of_work() as uow:
        proposal = policy_versions.propose(uow, principal(db, "security"), document, "命名模板").id
    with db.unit_of_work() as uow:
        policy_versions.approve(uow, principal(db, "leader"), proposal)
    office, leader = TestClient(app_client.app), TestClient(app_client.app)
    ocsrf, lcsrf = sign_in(office, "office"), sign_in(leader, "leader")
    first = make_group(office, ocsrf, leader, lcsrf, "青山县财政局-日常事务")
    second = make_group(office, ocsrf, leader, lcsrf, "青山县财政局-公文流转")
    assert first != second
    names = {g["id"]: g["name"] for g in office.get("/api/v1/groups").json()["items"]}
    assert names == {first: "青山县财政局-日常事务", second: "青山县财政局-公文流转"}
    bare = office.post(
        "/api/v1/groups/applications",
        json={
            "name": "日常事务群",
            "type": "department",
            "purpose": "日常工作",
            "owner_staff_no": "O01",
        },
        headers={"X-CSRF-Token": ocsrf},
    )
    assert bare.status_code == 422
    assert [d["code"] for d in bare.json()["error"]["details"]] == ["groups.name_template"]
    # There is no way to make a group but the approved application.
    direct = office.post(
        "/api/v1/groups", json={"name": "青山县财政局-直建"}, headers={"X-CSRF-Token": ocsrf}
    )
    assert direct.status_code == 405
