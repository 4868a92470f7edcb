"""The regulation over HTTP: read it, download it, revise it, acknowledge it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import yaml
from fastapi.testclient import TestClient
from pypdf import PdfReader

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from tests.factories import SETUP

Signer = Callable[[str], str]


@pytest.fixture
def adopted(app_client: TestClient, db: Database) -> TestClient:
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s4", agency="青山县财政局")
    return app_client


class TestReading:
    @pytest.mark.clause("s1-9.5.1")
    def test_members_read_the_whole_text_and_download_it(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        signed_in("member")
        page = adopted.get("/policy").text
        assert "青山县财政局公务微信工作群管理制度" in page
        assert "第一章" in page
        assert "第二十条" in page
        pdf = adopted.get("/api/v1/policy/regulation.pdf")
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "第二十条" in text
        docx = adopted.get("/api/v1/policy/regulation.docx")
        assert docx.status_code == 200
        assert docx.content[:2] == b"PK"
        api = adopted.get("/api/v1/policy").json()
        assert api["version"] == 1
        assert len(api["regulation"]["chapters"]) == 8

    def test_a_member_is_asked_to_acknowledge_then_is_not(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("member")
        assert "policy-banner" in adopted.get("/directory").text
        assert adopted.get("/api/v1/policy/acknowledgement").json() == {"pending_version": 1}
        adopted.post("/policy/acknowledgement", data={"csrf_token": csrf, "version": "1"})
        assert adopted.get("/api/v1/policy/acknowledgement").json() == {"pending_version": None}
        directory = adopted.get("/directory")
        assert directory.status_code == 200  # the page is there, without the banner
        assert "policy-banner" not in directory.text

    def test_without_a_policy_the_page_says_how_to_adopt_one(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        signed_in("member")
        assert "qunguan policy adopt" in app_client.get("/policy").text


class TestRevising:
    def test_propose_through_the_api_then_a_leader_approves(self, adopted: TestClient) -> None:
        from tests.web.conftest import sign_in

        security = TestClient(adopted.app)
        csrf = sign_in(security, "security")
        document = yaml.safe_load(security.get("/api/v1/policy").json()["document"])
        document["settings"]["patrol"]["every_days"] = 3
        text = yaml.safe_dump(document, allow_unicode=True)
        preview = security.post(
            "/api/v1/policy/preview", json={"document": text}, headers={"X-CSRF-Token": csrf}
        )
        assert preview.status_code == 200
        created = security.post(
            "/api/v1/policy/proposals",
            json={"document": text, "reason": "加强巡查"},
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status_code == 201, created.text
        leader = TestClient(adopted.app)
        lcsrf = sign_in(leader, "leader")
        decided = leader.post(
            f"/api/v1/policy/proposals/{created.json()['id']}/approval",
            json={"note": "同意"},
            headers={"X-CSRF-Token": lcsrf},
        )
        assert decided.json() == {"version": 2}
        history = leader.get("/policy/versions").text
        assert "settings.patrol.every_days" in history
        status = leader.get("/api/v1/policy/versions/2/acknowledgements").json()
        assert status["acknowledged"] == 0
        assert status["total"] == 6

    def test_a_refusal_quotes_the_article_it_enforces(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("office")  # may reach the route, but s4's proposer is the security admin
        document = (
            adopted.get("/api/v1/policy")
            .json()["document"]
            .replace("every_days: 7", "every_days: 5")
        )
        refused = adopted.post(
            "/api/v1/policy/proposals",
            json={"document": document, "reason": "x"},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 403
        error = refused.json()["error"]
        assert error["code"] == "policy.not_proposer"
        assert "s4-9.1" in error["clauses"]
        [quote] = [c["quote"] for c in error["citations"] if c["clause"] == "s4-9.1"]
        assert quote.startswith(
            "根据《公务微信工作群管理制度》第十九条：公务微信工作群管理制度由单位领导负责解释和管理"
        )

    def test_the_editor_reports_a_bad_setting_in_chinese(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("security")
        document = (
            adopted.get("/api/v1/policy")
            .json()["document"]
            .replace("retention_days: 180", "retention_days: 30")
        )
        page = adopted.post(
            "/policy/edit", data={"csrf_token": csrf, "document": document, "action": "preview"}
        )
        assert page.status_code == 422
        assert "设置项 settings.records.retention_days" in page.text
