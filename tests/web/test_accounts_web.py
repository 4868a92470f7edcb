"""Lockout, session revocation, the second factor, API tokens and separated duties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import text

from qunguan.services.accounts import management as accounts
from qunguan.services.uow import Database
from tests.factories import PASSWORD, SETUP, totp_code
from tests.web.conftest import sign_in

Signer = Callable[[str], str]


def login(
    client: TestClient, username: str, password: str = PASSWORD, code: str = ""
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/auth/login", json={"username": username, "password": password, "code": code}
    )
    return {"status": response.status_code, **response.json()}


def audit_actions(db: Database) -> list[str]:
    with db.reading() as uow:
        return [
            r[0] for r in uow.session.execute(text("SELECT action FROM audit_records ORDER BY seq"))
        ]


class TestLockout:
    def test_account_locks_after_repeated_failures_and_the_lockout_is_audited(
        self, app_client: TestClient, db: Database
    ) -> None:
        for _ in range(5):
            assert login(app_client, "member", "wrong-password")["status"] == 401
        locked = login(app_client, "member")  # the right password, too late
        assert locked["status"] == 401
        assert locked["error"]["code"] == "auth.locked"
        assert "临时锁定" in locked["error"]["message"]
        actions = audit_actions(db)
        assert actions.count("auth.sign_in_failed") == 5
        assert actions.count("auth.locked_out") == 1
        assert "auth.signed_in" not in actions
        # Other accounts are not affected by one account's lock.
        assert login(app_client, "office")["status"] == 200

    def test_one_client_address_trying_many_accounts_is_locked(
        self, app_client: TestClient
    ) -> None:
        for i in range(20):
            login(app_client, f"guess{i}", "wrong-password")
        assert login(app_client, "office")["error"]["code"] == "auth.locked"


class TestSessions:
    def test_revoking_a_session_takes_effect_on_its_next_request(
        self, app_client: TestClient
    ) -> None:
        other = TestClient(app_client.app)
        sign_in(other, "member")
        csrf = sign_in(app_client, "member")
        listed = app_client.get("/api/v1/me/sessions").json()["items"]
        assert len(listed) == 2
        victim = next(s for s in listed if not s["current"])
        assert other.get("/api/v1/me").status_code == 200
        revoked = app_client.delete(
            f"/api/v1/me/sessions/{victim['id']}", headers={"X-CSRF-Token": csrf}
        )
        assert revoked.status_code == 200
        assert other.get("/api/v1/me").status_code == 401
        assert app_client.get("/api/v1/me").status_code == 200

    def test_another_accounts_session_cannot_be_revoked(self, app_client: TestClient) -> None:
        other = TestClient(app_client.app)
        sign_in(other, "office")
        office_session = other.get("/api/v1/me/sessions").json()["items"][0]["id"]
        csrf = sign_in(app_client, "member")
        response = app_client.delete(
            f"/api/v1/me/sessions/{office_session}", headers={"X-CSRF-Token": csrf}
        )
        assert response.status_code == 404
        assert other.get("/api/v1/me").status_code == 200


class TestSecondFactor:
    def test_governing_role_without_the_code_stays_pending(self, app_client: TestClient) -> None:
        answer = login(app_client, "admin")
        assert answer["status"] == 200
        assert answer["second_factor_pending"]
        blocked = app_client.get("/api/v1/users")
        assert blocked.status_code == 401
        assert blocked.json()["error"]["code"] == "auth.second_factor_required"
        csrf = answer["csrf_token"]
        wrong = app_client.post(
            "/api/v1/auth/second-factor", json={"code": "000000"}, headers={"X-CSRF-Token": csrf}
        )
        assert wrong.status_code == 401
        right = app_client.post(
            "/api/v1/auth/second-factor",
            json={"code": totp_code("admin")},
            headers={"X-CSRF-Token": csrf},
        )
        assert right.status_code == 200
        assert not right.json()["second_factor_pending"]
        assert app_client.get("/api/v1/users").status_code == 200

    def test_a_governing_role_must_enrol_before_anything_else(
        self, app_client: TestClient, db: Database
    ) -> None:
        with db.unit_of_work() as uow:
            accounts.create_user(
                uow, SETUP, "leader2", PASSWORD, ["leader"], must_change_password=False
            )
        csrf = login(app_client, "leader2")["csrf_token"]
        blocked = app_client.get("/api/v1/directory/people")
        assert blocked.status_code == 403
        assert blocked.json()["error"]["code"] == "auth.second_factor_setup_required"
        page = app_client.get("/directory", follow_redirects=False)
        assert page.headers["location"] == "/account/second-factor"
        secret = app_client.post(
            "/api/v1/me/second-factor/enrolment", headers={"X-CSRF-Token": csrf}
        ).json()["secret"]
        confirmed = app_client.post(
            "/api/v1/me/second-factor/confirmation",
            json={"code": pyotp.TOTP(secret).now()},
            headers={"X-CSRF-Token": csrf},
        )
        assert confirmed.status_code == 200
        assert len(confirmed.json()["recovery_codes"]) == 10
        assert app_client.get("/api/v1/directory/people").status_code == 200

    def test_a_member_is_not_asked_for_a_second_factor(self, app_client: TestClient) -> None:
        answer = login(app_client, "member")
        assert not answer["second_factor_pending"]
        assert not answer["second_factor_setup_required"]

    def test_a_recovery_code_works_once(self, app_client: TestClient, db: Database) -> None:
        with db.unit_of_work() as uow:
            accounts.create_user(
                uow, SETUP, "leader3", PASSWORD, ["leader"], must_change_password=False
            )
        csrf = login(app_client, "leader3")["csrf_token"]
        secret = app_client.post(
            "/api/v1/me/second-factor/enrolment", headers={"X-CSRF-Token": csrf}
        ).json()["secret"]
        codes = app_client.post(
            "/api/v1/me/second-factor/confirmation",
            json={"code": pyotp.TOTP(secret).now()},
            headers={"X-CSRF-Token": csrf},
        ).json()["recovery_codes"]
        fresh = TestClient(app_client.app)
        assert login(fresh, "leader3", code=codes[0])["status"] == 200
        assert fresh.get("/api/v1/directory/people").status_code == 200
        again = TestClient(app_client.app)
        assert login(again, "leader3", code=codes[0])["status"] == 401
        assert "auth.recovery_code_used" in audit_actions(db)


class TestTokens:
    def test_token_is_shown_once_stored_hashed_scoped_and_revocable(
        self, app_client: TestClient, signed_in: Signer, db: Database
    ) -> None:
        csrf = signed_in("office")
        issued = app_client.post(
            "/api/v1/me/tokens",
            json={"name": "nightly sync", "scopes": ["directory.read"], "days": 30},
            headers={"X-CSRF-Token": csrf},
        )
        assert issued.status_code == 201
        secret = issued.json()["token"]
        assert secret.startswith("qg_")
        with db.reading() as uow:
            stored = uow.session.execute(text("SELECT token_hash, prefix FROM api_tokens")).one()
        assert secret not in stored
        assert stored[1] == secret[:10]
        listed = app_client.get("/api/v1/me/tokens").json()["items"]
        assert "token" not in listed[0]
        assert listed[0]["scopes"] == ["directory.read"]

        script = TestClient(app_client.app)
        bearer = {"Authorization": f"Bearer {secret}"}
        assert script.get("/api/v1/directory/people", headers=bearer).status_code == 200
        out_of_scope = script.get("/api/v1/directory/export", headers=bearer)
        assert out_of_scope.status_code == 403  # office may export, but the token may not

        app_client.delete(f"/api/v1/me/tokens/{listed[0]['id']}", headers={"X-CSRF-Token": csrf})
        assert script.get("/api/v1/directory/people", headers=bearer).status_code == 401

    def test_a_token_cannot_exceed_its_owner(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("member")
        refused = app_client.post(
            "/api/v1/me/tokens",
            json={"name": "x", "scopes": ["directory.manage", "nonsense"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 422
        assert [d["value"] for d in refused.json()["error"]["details"]] == [
            "directory.manage",
            "nonsense",
        ]

    def test_an_unknown_token_is_not_a_sign_in(self, app_client: TestClient) -> None:
        response = app_client.get(
            "/api/v1/directory/people", headers={"Authorization": "Bearer qg_nothing"}
        )
        assert response.status_code == 401


class TestSeparatedDuties:
    def test_one_account_cannot_hold_two_administrator_duties(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("admin")
        response = app_client.put(
            "/api/v1/users/auditor/roles",
            json={"roles": ["auditor", "system_admin"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "access.separated_duties"
        created = app_client.post(
            "/api/v1/users",
            json={"username": "dual", "password": PASSWORD, "roles": ["security_admin", "auditor"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status_code == 409


class TestTokensStayInTheirLane:
    def issue(self, client: TestClient, csrf: str, scopes: list[str]) -> str:
        answer = client.post(
            "/api/v1/me/tokens",
            json={"name": "script", "scopes": scopes, "days": 7},
            headers={"X-CSRF-Token": csrf},
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["token"])

    def test_a_token_cannot_touch_the_accounts_own_security(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        secret = self.issue(app_client, signed_in("member"), ["directory.read"])
        bearer = {"Authorization": f"Bearer {secret}"}
        script = TestClient(app_client.app)
        for method, path, body in [
            ("POST", "/api/v1/me/password", {"current_password": "x", "new_password": "y"}),
            ("POST", "/api/v1/me/second-factor/enrolment", None),
            ("POST", "/api/v1/me/tokens", {"name": "more", "scopes": ["directory.read"]}),
            ("GET", "/api/v1/me/sessions", None),
        ]:
            response = script.request(method, path, json=body, headers=bearer)
            assert response.status_code == 403, (path, response.text)

    def test_self_service_is_not_a_grantable_scope(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("member")
        refused = app_client.post(
            "/api/v1/me/tokens",
            json={"name": "x", "scopes": ["self"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 422

    def test_an_admin_reset_ends_the_accounts_tokens(
        self, app_client: TestClient, signed_in: Signer, db: Database
    ) -> None:
        secret = self.issue(app_client, signed_in("office"), ["directory.read"])
        bearer = {"Authorization": f"Bearer {secret}"}
        script = TestClient(app_client.app)
        assert script.get("/api/v1/directory/people", headers=bearer).status_code == 200
        with db.unit_of_work() as uow:
            accounts.set_password(
                uow, SETUP, "office", "Another-Long-Secret", must_change_password=True
            )
        assert script.get("/api/v1/directory/people", headers=bearer).status_code == 401


class TestSecondFactorReplay:
    def test_a_code_works_only_once(self, app_client: TestClient) -> None:
        code = totp_code("admin")
        assert login(app_client, "admin", code=code)["status"] == 200
        again = login(TestClient(app_client.app), "admin", code=code)
        assert again["status"] == 401
        assert again["error"]["code"] == "totp.code_wrong"


class TestOwnPasswordGuessing:
    def test_wrong_current_passwords_lock_the_account(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("member")
        for _ in range(5):
            wrong = app_client.post(
                "/api/v1/me/password",
                json={"current_password": "guess-guess", "new_password": "Whatever-Long-1"},
                headers={"X-CSRF-Token": csrf},
            )
            assert wrong.json()["error"]["code"] == "account.password_wrong"
        locked = app_client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "Whatever-Long-1"},
            headers={"X-CSRF-Token": csrf},
        )
        assert locked.json()["error"]["code"] == "auth.locked"


class TestAdministratorLimits:
    def test_the_system_admin_cannot_change_their_own_roles_or_take_content_roles(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        csrf = signed_in("admin")
        own = app_client.put(
            "/api/v1/users/admin/roles",
            json={"roles": ["system_admin", "leader"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert own.json()["error"]["code"] == "account.cannot_change_own_roles"
        mixed = app_client.put(
            "/api/v1/users/auditor/roles",
            json={"roles": ["auditor", "office"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert mixed.status_code == 409
        assert mixed.json()["error"]["code"] == "access.separated_duties"


class TestLimits:
    def test_an_oversized_body_is_refused_before_it_is_read(self, app_client: TestClient) -> None:
        big = b"x" * (11 * 1024 * 1024)
        response = app_client.post(
            "/api/v1/directory/imports", files={"file": ("big.csv", big, "text/csv")}
        )
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "file.too_large"

    def test_a_members_account_page_offers_two_factor(
        self, app_client: TestClient, signed_in: Signer
    ) -> None:
        signed_in("member")
        page = app_client.get("/account").text
        assert "未开启" in page
        assert "/account/second-factor" in page
