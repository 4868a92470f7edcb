"""An app on a migrated database with the personas seeded, and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from qunguan.services.membership import members
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.app import create_app
from tests.factories import (
    PASSWORD,
    SETUP,
    TOTP_SECRETS,
    app_settings,
    principal,
    seed_agency,
    totp_code,
)
from tests.services.test_groups import apply, decide
from tests.services.test_messages import acknowledge


@pytest.fixture
def app_client(migrated_url: str, db: Database) -> Iterator[TestClient]:
    seed_agency(db)
    with TestClient(create_app(app_settings(migrated_url))) as client:
        yield client


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the API; return the CSRF token for state-changing calls."""
    code = totp_code(username) if username in TOTP_SECRETS else ""
    response = client.post(
        "/api/v1/auth/login", json={"username": username, "password": password, "code": code}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


@pytest.fixture
def signed_in(app_client: TestClient) -> Callable[[str], str]:
    return lambda username: sign_in(app_client, username)


@pytest.fixture
def group_id(app_client: TestClient, db: Database) -> int:  # noqa: ARG001
    # Requested for its side effect: app_client seeded the agency (a fixture cannot take
    # usefixtures); build the group on the same database.
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s2")
    gid = decide(db, "office", apply(db, owner_staff_no="O01", type="department"))
    assert gid is not None
    with db.unit_of_work() as uow:
        outcome = members.invite(uow, principal(db, "office"), gid, "M01")
    with db.unit_of_work() as uow:
        members.respond(uow, principal(db, "member"), outcome.id, accept=True)
    acknowledge(db, "office")
    acknowledge(db, "member")
    return gid
