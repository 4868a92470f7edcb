"""The realtime stream: one WebSocket per client at ``/api/v1/stream``.

The protocol, in JSON text frames:

1. The client opens the socket (session cookie, or ``Authorization: Bearer``) and sends
   ``{"type": "hello", "since": {"<group id>": <last seq it has>, ...}}``.
2. The server answers ``{"type": "sync", "groups": [...], "messages": [...], "truncated":
   [...]}``: the groups it will hear, every message it missed in the groups it named, in
   order, and the groups where it missed more than one sync carries (reload those).
3. Then live events: ``{"type": "message" | "edit" | "recall" | "pin" | "member_joined" |
   "member_left" | "muted" | "unmuted", "group_id": …, "data": {…}}``.
4. ``{"type": "ping"}`` gets ``{"type": "pong"}``.

The connection subscribes before it reads what was missed, so nothing falls between the
two; a message that arrives both ways is sent once. A client that falls too far behind is
closed with code 4008 and resyncs by reconnecting.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.realtime.hub import Connection, Hub
from qunguan.services import online_time
from qunguan.services.groups import lifecycle as groups
from qunguan.services.messages import conversation as messages
from qunguan.services.uow import Database
from qunguan.web.deps import socket_principal

router = APIRouter()

HELLO_TIMEOUT_SECONDS = 10
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_BAD_HELLO = 4400
CLOSE_TOO_SLOW = 4008


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _my_groups(db: Database, principal: Principal) -> list[int]:
    with db.reading() as uow:
        return [g.id for g in groups.my_groups(uow, principal) if g.my_role is not None]


def _missed(db: Database, principal: Principal, since: dict[int, int]) -> messages.Missed:
    with db.reading() as uow:
        return messages.missed(uow, principal.person_id or 0, since)


def _presence_open(db: Database, person_id: int) -> int | None:
    with db.unit_of_work() as uow:
        return online_time.connected(uow, person_id)


def _presence_close(db: Database, interval_id: int) -> None:
    with db.unit_of_work() as uow:
        online_time.disconnected(uow, interval_id)


def _since(hello: Any) -> dict[int, int]:
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        raise ValueError("the first frame must be a hello")
    raw = hello.get("since") or {}
    if not isinstance(raw, dict):
        raise ValueError("since must map group ids to sequence numbers")
    return {int(k): int(v) for k, v in raw.items()}


async def _pump(socket: WebSocket, conn: Connection, delivered: dict[int, int]) -> None:
    """Send what the hub queued, skipping messages the sync already carried."""
    while True:
        item = await conn.queue.get()
        if item is None:
            code = CLOSE_TOO_SLOW if conn.overflowed else 1000
            await socket.close(code=code)
            return
        event, frame = item
        if event.type == "message" and event.data["seq"] <= delivered.get(event.group_id, 0):
            continue
        await socket.send_text(frame)


@router.websocket("/api/v1/stream")
async def stream(socket: WebSocket) -> None:
    try:
        principal = await run_in_threadpool(socket_principal, socket, Permission.GROUPS)
    except DomainError as error:
        unauthenticated = error.kind is ErrorKind.UNAUTHENTICATED
        await socket.close(code=CLOSE_UNAUTHENTICATED if unauthenticated else CLOSE_FORBIDDEN)
        return
    if principal.person_id is None:
        await socket.close(code=CLOSE_FORBIDDEN)
        return
    await socket.accept()
    try:
        since = _since(await asyncio.wait_for(socket.receive_json(), HELLO_TIMEOUT_SECONDS))
    except (ValueError, TypeError, TimeoutError, json.JSONDecodeError):
        await socket.close(code=CLOSE_BAD_HELLO)
        return
    except WebSocketDisconnect:
        return
    hub: Hub = socket.app.state.hub
    db: Database = socket.app.state.db
    conn = Connection(principal.person_id)
    pump: asyncio.Task[None] | None = None
    # Online time (篇二 三.2), where the policy counts it; the app's heartbeat keeps it.
    open_intervals: set[int] = socket.app.state.presence
    interval = await run_in_threadpool(_presence_open, db, principal.person_id)
    if interval is not None:
        open_intervals.add(interval)
    try:
        # Subscribe first, then read what was missed: nothing can fall in between.
        mine = await run_in_threadpool(_my_groups, db, principal)
        hub.attach(conn, mine)
        missed = await run_in_threadpool(_missed, db, principal, since)
        # What the sync carries (or the client had) need not come again live.
        delivered = {g: since.get(g, 0) for g in mine}
        for m in missed.messages:
            delivered[m.group_id] = max(delivered.get(m.group_id, 0), m.seq or 0)
        sync = {
            "type": "sync",
            "groups": mine,
            "messages": [m.wire for m in missed.messages],
            "truncated": missed.truncated,
        }
        await socket.send_text(_dumps(sync))
        pump = asyncio.create_task(_pump(socket, conn, delivered))
        while True:
            frame = await socket.receive_text()
            if _is_ping(frame):
                await socket.send_text('{"type":"pong"}')
    except WebSocketDisconnect:
        pass
    finally:
        hub.detach(conn)
        conn.close()
        if pump is not None:
            pump.cancel()
        if interval is not None:
            open_intervals.discard(interval)
            await run_in_threadpool(_presence_close, db, interval)


def _is_ping(frame: str) -> bool:
    try:
        return bool(json.loads(frame).get("type") == "ping")
    except (ValueError, AttributeError):
        return False
