"""Notifications (提醒): what the services told a person, read as sentences, one's own only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from qunguan.services.uow import Database
from qunguan.store.models import Notification
from qunguan.web.app import create_app
from tests.factories import app_settings, principal
from tests.web.conftest import sign_in

Sign = Callable[[str], str]


@pytest.mark.usefixtures("group_id")
def test_an_invitation_reaches_the_invitee_as_a_sentence_and_reading_clears_the_badge(
    app_client: TestClient, signed_in: Sign
) -> None:
    signed_in("member")
    mine = app_client.get("/api/v1/notifications").json()
    kinds = [n["kind"] for n in mine["items"]]
    assert "member.invited" in kinds
    assert mine["unread"] == len(mine["items"]) >= 1
    page = app_client.get("/notifications")
    assert page.status_code == 200
    assert "member.invited" not in page.text  # words, not the internal key
    csrf = signed_in("member")
    read = app_client.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False)
    assert read.status_code == 303
    assert app_client.get("/api/v1/notifications").json()["unread"] == 0


@pytest.mark.usefixtures("group_id")
def test_nobody_reads_anothers_notifications(app_client: TestClient, signed_in: Sign) -> None:
    signed_in("member")
    theirs = app_client.get("/api/v1/notifications").json()["items"]
    assert theirs != []
    signed_in("leader")
    mine = app_client.get("/api/v1/notifications").json()["items"]
    assert {n["id"] for n in mine}.isdisjoint({n["id"] for n in theirs})


@pytest.mark.usefixtures("group_id")
def test_two_apps_in_one_process_each_show_times_in_their_own_zone(
    migrated_url: str, db: Database
) -> None:
    """The display zone belongs to the app: creating a second app does not change the
    first one's pages."""
    with db.reading() as uow:
        member = principal(db, "member")
        created = uow.session.scalars(
            select(Notification.created_at).where(Notification.person_id == member.person_id)
        ).first()
    assert created is not None
    shown = {}
    with (
        TestClient(create_app(app_settings(migrated_url))) as shanghai,
        TestClient(create_app(replace(app_settings(migrated_url), display_timezone="UTC"))) as utc,
    ):
        for name, client in (("shanghai", shanghai), ("utc", utc)):
            sign_in(client, "member")
            page = client.get("/notifications")
            assert page.status_code == 200
            shown[name] = page.text
    in_utc = created.strftime("%Y-%m-%d %H:%M")
    in_shanghai = (created + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert in_shanghai in shown["shanghai"]
    assert in_utc not in shown["shanghai"]
    assert in_utc in shown["utc"]
    assert in_shanghai not in shown["utc"]
