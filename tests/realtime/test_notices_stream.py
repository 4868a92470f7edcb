"""Notices over the real stream: a published notice reaches every connected member at once,
pinned; a connection is counted as online time where the policy asks."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select

from qunguan.services.uow import Database
from qunguan.store.models import PresenceInterval
from tests.realtime.conftest import Client, Server
from tests.services.test_messages import MEMBER, OWNER, chat_group

Serve = Callable[..., Server]


def test_a_published_notice_reaches_connected_members_pinned_and_is_acknowledged(
    db: Database, migrated_url: str, serve: Serve
) -> None:
    group_id = chat_group(db)
    server = serve(migrated_url)
    office, member = Client.sign_in(server, OWNER), Client.sign_in(server, MEMBER)
    stream = member.stream()
    answer = office.post(
        "/api/v1/notices",
        {"title": "周五安全检查", "body": "请各股室周五前完成自查。", "group_ids": [group_id]},
    )
    assert answer.status_code == 201, answer.text
    notice_id = answer.json()["id"]
    (event,) = stream.events(1)
    assert event["type"] == "message"
    assert event["data"]["kind"] == "notice"
    assert event["data"]["pinned"] is True
    assert event["data"]["notice"]["id"] == notice_id
    acked = member.post(f"/api/v1/notices/{notice_id}/ack", {})
    assert acked.status_code == 200
    assert acked.json()["first"] is True
    stream.close()


def test_a_connection_is_an_interval_of_online_time_closed_when_it_ends(
    db: Database, migrated_url: str, serve: Serve
) -> None:
    chat_group(db, "s2")  # 篇二 counts online time
    server = serve(migrated_url)
    stream = Client.sign_in(server, MEMBER).stream()
    with db.reading() as uow:
        [row] = uow.session.scalars(select(PresenceInterval))
        assert row.ended_at is None
    stream.close()
    for _ in range(50):  # the server closes it once it sees the socket go
        with db.reading() as uow:
            row = uow.session.scalars(select(PresenceInterval)).one()
        if row.ended_at is not None:
            break
        time.sleep(0.1)
    assert row.ended_at is not None
