"""Signing in and out, CSRF on state changes, the forced password change."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from qunguan.services.accounts import management as accounts
from qunguan.services.uow import Database
from qunguan.web.deps import SESSION_COOKIE
from tests.factories import PASSWORD, SETUP, org_workbook
from tests.web.conftest import sign_in


class TestSignIn:
    def test_wrong_password_is_refused_without_saying_which_part(
        self, app_client: TestClient
    ) -> None:
        for username in ("member", "nobody"):
            response = app_client.post(
                "/api/v1/auth/login", json={"username": username, "password": "wrong-password"}
            )
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "auth.credentials_invalid"

    def test_session_cookie_is_http_only_and_same_site(self, app_client: TestClient) -> None:
        response = app_client.post(
            "/api/v1/auth/login", json={"username": "member", "password": PASSWORD}
        )
        cookie = response.headers["set-cookie"]
        assert SESSION_COOKIE in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie

    def test_me_then_sign_out_ends_the_session(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        csrf = signed_in("member")
        assert app_client.get("/api/v1/me").json()["roles"] == ["member"]
        assert (
            app_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code
            == 200
        )
        app_client.cookies.clear()
        assert app_client.get("/api/v1/me").status_code == 401

    def test_stolen_cookie_stops_working_after_sign_out(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        csrf = signed_in("member")
        token = app_client.cookies.get(SESSION_COOKIE)
        app_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
        app_client.cookies.set(SESSION_COOKIE, token or "")
        assert app_client.get("/api/v1/me").status_code == 401


class TestCsrf:
    def test_state_change_without_token_is_refused(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("office")
        response = app_client.post(
            "/api/v1/directory/imports",
            files={"file": ("p.xlsx", org_workbook(), "application/octet-stream")},
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "auth.csrf_failed"

    def test_wrong_token_is_refused(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("office")
        response = app_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "forged"})
        assert response.status_code == 403

    def test_page_form_without_token_is_refused(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("member")
        response = app_client.post("/logout", data={}, follow_redirects=False)
        assert response.status_code == 403
        assert "页面已过期" in response.text


class TestForcedPasswordChange:
    def test_new_account_must_change_password_first(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.unit_of_work() as uow:
            accounts.create_user(uow, SETUP, "newcomer", PASSWORD, ["member"], staff_no="M02")
        csrf = sign_in(app_client, "newcomer")
        blocked = app_client.get("/api/v1/directory/people")
        assert blocked.status_code == 403
        assert blocked.json()["error"]["code"] == "auth.password_change_required"
        page = app_client.get("/directory", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/account/password"
        weak = app_client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "吴晓敏12345678"},
            headers={"X-CSRF-Token": csrf},
        )
        assert weak.status_code == 422
        assert [d["code"] for d in weak.json()["error"]["details"]] == [
            "password.contains_identity"
        ]
        ok = app_client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "Ridge-Lantern-42"},
            headers={"X-CSRF-Token": csrf},
        )
        assert ok.status_code == 200
        assert app_client.get("/api/v1/directory/people").status_code == 200

    def test_reset_password_ends_existing_sessions(
        self, app_client: TestClient, db: Database
    ) -> None:
        sign_in(app_client, "member")
        with db.unit_of_work() as uow:
            accounts.set_password(
                uow, SETUP, "member", "Fresh-Meadow-77", must_change_password=True
            )
        assert app_client.get("/api/v1/me").status_code == 401
