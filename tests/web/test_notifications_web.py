"""Notifications (提醒): what the services told a person, read as sentences, one's own only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

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
