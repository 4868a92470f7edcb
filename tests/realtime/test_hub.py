"""The in-process hub: who hears what, and a slow client never holds up the others."""

from __future__ import annotations

import asyncio

from qunguan.domain.events import LiveEvent
from qunguan.realtime.hub import Connection, Hub


def message(group_id: int, seq: int) -> LiveEvent:
    return LiveEvent("message", group_id, {"seq": seq, "body": f"第{seq}条"})


def drain(conn: Connection) -> list[object]:
    out = []
    while not conn.queue.empty():
        item = conn.queue.get_nowait()
        out.append(None if item is None else item[0].data.get("seq", item[0].type))
    return out


def test_a_client_that_falls_behind_is_cut_off_and_the_others_get_everything() -> None:
    async def scenario() -> tuple[list[object], list[object], int]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        quick, slow = Connection(1, queue_size=10), Connection(2, queue_size=3)
        hub.attach(quick, [7])
        hub.attach(slow, [7])
        for seq in range(1, 6):
            hub.deliver(message(7, seq))
        return drain(quick), drain(slow), hub.connections

    quick, slow, left = asyncio.run(scenario())
    assert quick == [1, 2, 3, 4, 5]
    assert slow == [None]  # told to stop: it reconnects and resyncs from the database
    assert left == 1


def test_grant_and_revoke_follow_joins_and_leaves() -> None:
    async def scenario() -> tuple[list[object], list[object]]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        member, newcomer = Connection(1), Connection(2)
        hub.attach(member, [7])
        hub.attach(newcomer, [])
        hub.deliver(LiveEvent("member_joined", 7, {"person_id": 2}, grant=(2,)))
        hub.deliver(message(7, 1))
        hub.deliver(LiveEvent("member_left", 7, {"person_id": 1}, revoke=(1,)))
        hub.deliver(message(7, 2))
        return drain(member), drain(newcomer)

    member, newcomer = asyncio.run(scenario())
    assert member == ["member_joined", 1, "member_left"]
    assert newcomer == ["member_joined", 1, "member_left", 2]


def test_an_event_for_named_people_reaches_them_alone() -> None:
    async def scenario() -> tuple[list[object], list[object]]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        muted, other = Connection(1), Connection(2)
        hub.attach(muted, [7])
        hub.attach(other, [7])
        hub.deliver(LiveEvent("muted", 7, {"until": "…"}, person_ids=(1,)))
        return drain(muted), drain(other)

    assert asyncio.run(scenario()) == (["muted"], [])
