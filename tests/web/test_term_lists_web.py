"""The term lists over HTTP: only the security admin manages them; pages and API agree."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from tests.factories import SETUP

Signer = Callable[[str], str]


@pytest.fixture
def adopted(app_client: TestClient, db: Database) -> TestClient:
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s2", agency="青山县财政局")
    return app_client


def upload(client: TestClient, csrf: str, name: str, text: str) -> Any:
    files = {"file": (name, text.encode(), "text/plain")}
    return client.post("/api/v1/content/imports", files=files, headers={"X-CSRF-Token": csrf})


class TestOnlyTheSecurityAdmin:
    @pytest.mark.parametrize("persona", ["member", "office", "leader", "admin", "auditor"])
    def test_nobody_else_reads_tries_or_changes_the_lists(
        self, adopted: TestClient, signed_in: Signer, persona: str
    ) -> None:
        csrf = signed_in(persona)
        headers = {"X-CSRF-Token": csrf}
        assert adopted.get("/api/v1/content/lists").status_code == 403
        assert (
            adopted.post("/api/v1/content/check", json={"text": "x"}, headers=headers).status_code
            == 403
        )
        assert upload(adopted, csrf, "political.txt", "甲乙丙\n").status_code == 403
        account = adopted.get("/account")
        assert account.status_code == 200  # the page is there, without the link
        assert "/content" not in account.text


class TestApi:
    def test_an_import_applies_at_once_and_the_check_shows_the_match(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("security")
        answer = upload(adopted, csrf, "political.txt", "青山鱼塘\tpinyin\n")
        assert answer.status_code == 200, answer.text
        assert answer.json()["entries"] == {"political": 1}
        lists = {v["category"]: v for v in adopted.get("/api/v1/content/lists").json()["lists"]}
        assert lists["political"]["agency_entries"] == 1
        assert lists["political"]["shipped_entries"] > 0
        checked = adopted.post(
            "/api/v1/content/check",
            json={"text": "周末去 qing shan yu tang 钓鱼"},
            headers={"X-CSRF-Token": csrf},
        ).json()
        assert checked["action"] == "block"
        assert [s[2] for s in checked["spans"]] == ["qing shan yu tang"]
        assert "命中" in checked["explanation"]

    def test_a_bad_file_is_refused_naming_each_line(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("security")
        answer = upload(adopted, csrf, "political.txt", "好词\n坏词\tcolour=red\n")
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert [(d["row"], d["code"]) for d in error["details"]] == [(2, "content.option_unknown")]

    def test_entries_are_added_removed_and_exported(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        headers = {"X-CSRF-Token": signed_in("security")}
        url = "/api/v1/content/lists/rumour/entries"
        assert (
            adopted.post(
                url, json={"text": "据说要停水", "options": "action=warn"}, headers=headers
            ).status_code
            == 200
        )
        exported = adopted.get("/api/v1/content/export?format=txt&category=rumour")
        assert exported.text == "# rumour\n据说要停水\taction=warn\n"
        assert adopted.delete(f"{url}?text=据说要停水", headers=headers).status_code == 200
        assert adopted.get(url).json()["entries"] == []


class TestPage:
    def test_the_page_lists_imports_and_tries_in_chinese(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("security")
        page = adopted.get("/content").text
        assert "词库管理" in page
        assert "试一试" in page
        assert "政治有害或违法言论" in page
        files = {"file": ("abusive.txt", "你个笨蛋\n".encode(), "text/plain")}
        imported = adopted.post("/content/import", data={"csrf_token": csrf}, files=files)
        assert imported.status_code == 200
        assert "已导入 abusive.txt" in imported.text
        tried = adopted.post("/content/check", data={"csrf_token": csrf, "text": "你个 笨 蛋"})
        # The imported term, across the spaces typed into it, and nothing else.
        assert re.findall(r"<mark>.*?</mark>", tried.text) == ["<mark>你个 笨 蛋</mark>"]

    def test_a_bad_import_shows_every_bad_line(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("security")
        files = {"file": ("abusive.txt", b"a\tcolour\nb\taction=ban\n", "text/plain")}
        page = adopted.post("/content/import", data={"csrf_token": csrf}, files=files)
        assert page.status_code == 422
        assert "有 2 处错误，未导入任何词条" in page.text

    def test_the_page_speaks_english_when_asked(
        self, adopted: TestClient, signed_in: Signer
    ) -> None:
        signed_in("security")
        page = adopted.get("/content?lang=en").text
        assert "Term lists" in page
        assert "Try a message" in page
