"""The pages, as a browser without JavaScript sees them."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.factories import PASSWORD


def prelogin(client: TestClient) -> str:
    """The sign-in form's anti-forgery token, as a browser gets it with the form."""
    match = re.search(r'name="prelogin" value="([^"]+)"', client.get("/login").text)
    assert match is not None
    return match.group(1)


class TestPages:
    def test_login_page_is_chinese_by_default_and_switches_to_english(
        self, app_client: TestClient
    ) -> None:
        assert "登录群管" in app_client.get("/login").text
        app_client.get("/lang/en?next=/login")
        assert "Sign in to Qunguan" in app_client.get("/login").text

    def test_signed_out_visitor_is_sent_to_login(self, app_client: TestClient) -> None:
        response = app_client.get("/directory", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=/directory"

    def test_login_form_then_directory(self, app_client: TestClient) -> None:
        token = prelogin(app_client)
        bad = app_client.post(
            "/login", data={"username": "member", "password": "nope", "prelogin": token}
        )
        assert bad.status_code == 401
        assert "用户名或密码错误" in bad.text
        ok = app_client.post(
            "/login",
            data={
                "username": "member",
                "password": PASSWORD,
                "next": "/directory",
                "prelogin": token,
            },
        )
        assert ok.status_code == 200
        assert "孙浩然" in ok.text

    def test_a_sign_in_posted_from_another_site_is_refused(self, app_client: TestClient) -> None:
        forged = app_client.post("/login", data={"username": "member", "password": PASSWORD})
        assert forged.status_code == 403
        assert "页面已过期" in forged.text
        assert app_client.get("/api/v1/me").status_code == 401

    def test_open_redirect_is_refused(self, app_client: TestClient) -> None:
        response = app_client.post(
            "/login",
            data={
                "username": "member",
                "password": PASSWORD,
                "next": "//evil.example/x",
                "prelogin": prelogin(app_client),
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"

    def test_live_search_partial(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("member")
        html = app_client.get("/directory", params={"q": "吴", "partial": "1"}).text
        assert "吴晓敏" in html
        assert "孙浩然" not in html
        assert "<html" not in html

    def test_person_page_shows_derived_display_names(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("member")
        pid = app_client.get("/api/v1/directory/people", params={"q": "M02"}).json()["items"][0][
            "id"
        ]
        html = app_client.get(f"/directory/people/{pid}").text
        assert "青山县财政局-吴晓敏" in html

    def test_import_page_reports_bad_rows_in_chinese(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        csrf = signed_in("office")
        bad = "工号,姓名,单位,部门,手机号\nX1,赵六,青山县财政局,办公室,123\n".encode()
        response = app_client.post(
            "/directory/import",
            data={"csrf_token": csrf},
            files={"file": ("bad.csv", bad, "text/csv")},
        )
        assert response.status_code == 422
        assert "文件未导入：发现 1 处错误" in response.text
        assert "手机号“123”格式不正确" in response.text

    def test_member_does_not_see_the_import_page(
        self, app_client: TestClient, signed_in: Callable[[str], str]
    ) -> None:
        signed_in("member")
        response = app_client.get("/directory/import")
        assert response.status_code == 403
        assert "您没有执行此操作的权限" in response.text
