"""Role × route: each persona reaches exactly the routes its roles grant, and no others.

Two checks. A hand-written table of what each persona must and must not reach (the
specification, independent of the code's own permission table). Then every route of the
app, called by every persona: refused with ``access.denied`` exactly when the route's
declared permission is not the persona's.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from qunguan.domain.access import Permission, Role, permissions_of
from qunguan.web.app import ROUTERS
from qunguan.web.deps import Require
from tests.factories import PERSONAS
from tests.web.conftest import sign_in
from tests.web.test_routes import declared

# persona -> {path: reachable?}, all GETs
SPECIFICATION: dict[str, dict[str, bool]] = {
    "member": {
        "/api/v1/content/lists": False,
        "/content": False,
        "/api/v1/directory/people": True,
        "/api/v1/directory/export": False,
        "/api/v1/users": False,
        "/api/v1/audit/records": False,
        "/api/v1/me/sessions": True,
        "/api/v1/unread": True,
        "/api/v1/inactivity/tasks": True,
        "/api/v1/review": True,
        "/review/agency": False,
        "/api/v1/me/record": True,
    },
    "office": {
        "/api/v1/content/lists": False,
        "/content": False,
        "/api/v1/directory/people": True,
        "/api/v1/directory/export": True,
        "/api/v1/users": False,
        "/api/v1/audit/records": False,
    },
    "leader": {
        "/api/v1/content/lists": False,
        "/content": False,
        "/api/v1/directory/people": True,
        "/api/v1/directory/export": False,
        "/api/v1/users": False,
        "/api/v1/audit/records": False,
    },
    "admin": {
        "/api/v1/unread": False,
        "/api/v1/content/lists": False,
        "/content": False,
        "/api/v1/users": True,
        "/api/v1/audit/records": False,
        "/api/v1/directory/people": False,
        "/api/v1/directory/export": False,
    },
    "auditor": {
        "/api/v1/unread": False,
        "/api/v1/content/lists": False,
        "/content": False,
        "/api/v1/audit/records": True,
        "/api/v1/users": False,
        "/api/v1/directory/people": False,
        "/api/v1/directory/export": False,
    },
    "security": {
        "/api/v1/content/lists": True,
        "/content": True,
        "/review/agency": True,
        "/api/v1/review/agency": True,
        "/api/v1/review": False,
        "/api/v1/directory/people": True,
        "/api/v1/users": False,
        "/api/v1/audit/records": False,
        "/api/v1/directory/export": False,
    },
}
SAMPLE_PARAMS = {
    "person_id": "1",
    "username": "member",
    "session_id": "999999",
    "token_id": "999999",
    "code": "zh",
    "fmt": "pdf",
    "proposal_id": "999999",
    "number": "1",
    "application_id": "999999",
    "group_id": "999999",
    "invitation_id": "999999",
    "finding_id": "999999",
    "seq": "1",
    "restriction_id": "999999",
    "step": "ask",
    "request_id": "999999",
    "action": "leave",
    "answer": "decline",
    "decision": "keep",
    "category": "political",
    "notice_id": "999999",
    "attachment_id": "999999",
    "grant_id": "999999",
    "kind": "held",
    "item_id": "999999",
    "patrol_id": "999999",
    "report_id": "999999",
    "reveal_id": "999999",
    "violation_id": "999999",
    "sanction_id": "999999",
    "staff_no": "M01",
}


def routes() -> list[tuple[str, str, Permission]]:
    found = []
    for router in ROUTERS:
        for route in router.routes:
            assert isinstance(route, APIRoute)
            [req] = declared(route.dependant)
            assert isinstance(req, Require)
            assert route.methods is not None
            path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], route.path)
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, path, req.permission))
    # Sign-out last, so that it does not end the session the other calls use.
    return sorted(found, key=lambda r: "logout" in r[1])


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_specification(app_client: TestClient, persona: str) -> None:
    sign_in(app_client, persona)
    for path, reachable in SPECIFICATION[persona].items():
        status = app_client.get(path).status_code
        assert (status == 200) is reachable, (persona, path, status)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_route_for_every_role(app_client: TestClient, persona: str) -> None:
    csrf = sign_in(app_client, persona)
    granted = permissions_of(Role(r) for r in PERSONAS[persona][0])
    mismatches = []
    for method, path, permission in routes():
        response = app_client.request(
            method, path, headers={"X-CSRF-Token": csrf}, follow_redirects=False
        )
        denied = response.status_code == 403 and "access.denied" in response.text
        # A page answers a denial with the error page; recognise it by its message too.
        denied = denied or (
            response.status_code == 403 and "您没有执行此操作的权限" in response.text
        )
        if denied == (permission in granted):
            mismatches.append(f"{method} {path} ({permission.value}): {response.status_code}")
    assert mismatches == []
