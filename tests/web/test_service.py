"""The service's edges: health, the API document, and the one error format."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from qunguan.domain.errors import DomainError
from qunguan.store import migrate
from qunguan.web.app import create_app
from tests.factories import app_settings


class TestService:
    def test_healthz(self, app_client: TestClient) -> None:
        body = app_client.get("/healthz").json()
        assert body["status"] == "ok"
        assert body["schema"] == migrate.head_revision()

    def test_openapi_document_lists_the_versioned_api(self, app_client: TestClient) -> None:
        doc = app_client.get("/api/v1/openapi.json").json()
        assert "/api/v1/directory/people" in doc["paths"]
        assert "/api/v1/directory/imports" in doc["paths"]
        assert not any(p.startswith("/directory") for p in doc["paths"])  # pages stay out


class TestErrorFormat:
    def test_unknown_endpoint_in_chinese_by_default(self, app_client: TestClient) -> None:
        response = app_client.get("/api/v1/nothing-here")
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "code": "http.not_found",
                "message": "页面或接口不存在。",
                "clauses": [],
                "details": [],
                "citations": [],
            }
        }

    def test_english_when_the_client_asks(self, app_client: TestClient) -> None:
        response = app_client.get(
            "/api/v1/directory/people", headers={"Accept-Language": "en-GB,en;q=0.8"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["message"] == "Please sign in."

    def test_validation_errors_name_the_field(self, app_client: TestClient) -> None:
        response = app_client.post("/api/v1/auth/login", json={"username": "x"})
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "request.invalid"
        assert [d["field"] for d in error["details"]] == ["password"]
        assert "password" in error["details"][0]["message"]


class TestStartup:
    def test_out_of_date_database_is_refused_with_a_clear_message(self, database_url: str) -> None:
        app = create_app(app_settings(database_url))  # nothing migrated
        with pytest.raises(DomainError) as caught, TestClient(app):
            pass
        assert caught.value.code == "store.schema_outdated"
        assert caught.value.params["current"] == "(empty)"
