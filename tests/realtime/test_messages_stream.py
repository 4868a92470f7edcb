"""The realtime stream against real server processes: delivery, resync, removal, mutes,
durability under kill -9, and fan-out across two processes through Redis."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Origin

from qunguan.services.uow import Database
from qunguan.store.models import Message
from tests.realtime.conftest import REDIS_URL, Client, Server
from tests.services.test_messages import MEMBER, OWNER, chat_group

Serve = Callable[..., Server]
REMOVE = "/api/v1/groups/{}/removals"


@pytest.fixture
def group_id(db: Database) -> int:
    return chat_group(db)


def test_a_message_reaches_every_connected_member(
    migrated_url: str, group_id: int, serve: Serve
) -> None:
    server = serve(migrated_url)
    owner, member = Client.sign_in(server, OWNER), Client.sign_in(server, MEMBER)
    owner_stream, member_stream = owner.stream(), member.stream()
    assert member_stream.sync["groups"] == [group_id]
    answer = owner.send(group_id, "十点开会，请准时参加", "m-1")
    assert answer.status_code == 201, answer.text
    for stream in (owner_stream, member_stream):
        (event,) = stream.events(1)
        assert event["type"] == "message"
        assert (event["data"]["seq"], event["data"]["body"]) == (1, "十点开会，请准时参加")


def test_a_resync_delivers_exactly_the_missed_messages(
    migrated_url: str, group_id: int, serve: Serve
) -> None:
    server = serve(migrated_url)
    owner, member = Client.sign_in(server, OWNER), Client.sign_in(server, MEMBER)
    stream = member.stream({group_id: 0})
    for i in range(3):
        assert owner.send(group_id, f"第{i + 1}条", f"a-{i}").status_code == 201
    assert [e["data"]["seq"] for e in stream.events(3)] == [1, 2, 3]
    stream.close()
    for i in range(3, 7):
        assert owner.send(group_id, f"第{i + 1}条", f"a-{i}").status_code == 201
    again = member.stream({group_id: 3})
    assert [m["seq"] for m in again.sync["messages"]] == [4, 5, 6, 7]
    assert owner.send(group_id, "第8条", "a-7").status_code == 201
    (live,) = again.events(1)
    assert live["data"]["seq"] == 8
    assert again.quiet() == []


def test_a_removed_member_receives_nothing_more_of_the_group(
    migrated_url: str, group_id: int, serve: Serve
) -> None:
    server = serve(migrated_url)
    owner, member = Client.sign_in(server, OWNER), Client.sign_in(server, MEMBER)
    stream = member.stream({group_id: 0})
    answer = owner.post(REMOVE.format(group_id), {"staff_no": "M01", "reason": "调离本项目"})
    assert answer.status_code == 200, answer.text
    (removed,) = stream.events(1)
    assert removed["type"] == "member_left"
    assert removed["data"]["how"] == "removed"
    assert owner.send(group_id, "移出后的消息", "after-removal").status_code == 201
    assert stream.quiet(1.0) == []


def test_a_muted_member_hears_of_it_at_once_and_is_refused(
    migrated_url: str, group_id: int, serve: Serve
) -> None:
    server = serve(migrated_url)
    owner, member = Client.sign_in(server, OWNER), Client.sign_in(server, MEMBER)
    stream = member.stream({group_id: 0})
    answer = owner.post(
        f"/api/v1/groups/{group_id}/mutes", {"staff_no": "M01", "hours": 1, "reason": "刷屏"}
    )
    assert answer.status_code == 201, answer.text
    (muted,) = stream.events(1)  # pushed: the member asks for nothing
    assert muted["type"] == "muted"
    assert muted["data"]["until"]
    refused = member.send(group_id, "还能说话吗", "muted-1")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "messages.muted"


@pytest.mark.usefixtures("group_id")
def test_the_stream_needs_a_sign_in_and_our_own_origin(migrated_url: str, serve: Serve) -> None:
    server = serve(migrated_url)
    url = f"ws://127.0.0.1:{server.port}/api/v1/stream"
    with pytest.raises(InvalidStatus), connect(url, open_timeout=5):
        pass
    member = Client.sign_in(server, MEMBER)
    cookie = "; ".join(f"{k}={v}" for k, v in member.http.cookies.items())
    with (
        pytest.raises(InvalidStatus),
        connect(
            url,
            additional_headers={"Cookie": cookie},
            origin=Origin("http://evil.example"),
            open_timeout=5,
        ),
    ):
        pass


def test_kill_9_loses_no_message_that_was_answered(
    db: Database, migrated_url: str, group_id: int, serve: Serve
) -> None:
    """Every send answered 2xx before the server was killed is in the database after it."""
    server = serve(migrated_url)
    member = Client.sign_in(server, MEMBER)
    answered: list[str] = []
    for i in range(200):
        if i == 60:
            server.kill()
        try:
            response = member.send(group_id, f"压力测试 {i}", f"k-{i}")
        except httpx.TransportError:
            break
        if response.status_code == 201:
            answered.append(f"k-{i}")
        elif response.status_code == 409:  # the rate limit is doing its work
            continue
    assert answered, "no send was answered before the kill"
    restarted = serve(migrated_url)
    assert httpx.get(f"{restarted.base}/healthz").status_code == 200
    with db.reading() as uow:
        stored = set(uow.session.scalars(select(Message.client_id)))
        seqs = sorted(s for s in uow.session.scalars(select(Message.seq)) if s is not None)
    assert set(answered) <= stored
    assert seqs == list(range(1, len(seqs) + 1))


@pytest.mark.skipif(
    not REDIS_URL, reason="Redis fan-out skipped: QUNGUAN_TEST_REDIS_URL is not set"
)
def test_two_server_processes_fan_out_through_redis(
    migrated_url: str, group_id: int, serve: Serve
) -> None:
    first, second = serve(migrated_url, REDIS_URL), serve(migrated_url, REDIS_URL)
    owner, member = Client.sign_in(first, OWNER), Client.sign_in(second, MEMBER)
    owner_stream, member_stream = owner.stream(), member.stream()
    assert owner.send(group_id, "跨进程送达", "r-1").status_code == 201
    for stream in (owner_stream, member_stream):
        (event,) = stream.events(1)
        assert event["data"]["body"] == "跨进程送达"
    # And a removal made through one process reaches the socket held by the other.
    answer = owner.post(REMOVE.format(group_id), {"staff_no": "M01", "reason": "项目结束"})
    assert answer.status_code == 200, answer.text
    assert member_stream.events(1)[0]["type"] == "member_left"
    assert owner.send(group_id, "之后的消息", "r-2").status_code == 201
    assert member_stream.quiet(1.0) == []
    types = [e["type"] for e in owner_stream.events(2)]
    assert types == ["member_left", "message"]
