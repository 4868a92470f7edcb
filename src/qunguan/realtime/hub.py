"""The in-process hub: which open connection hears which group, and the fan-out.

Every connection has a bounded queue. Delivery never waits on a client: a connection whose
queue is full is cut off (it reconnects and resyncs from the database by sequence number),
so one slow phone cannot hold up a group. An event is encoded to JSON once, whatever the
number of recipients.

The hub belongs to the event loop of the server process. ``publish`` may be called from
any thread (the request handlers commit in a thread pool); delivery happens on the loop.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable

from qunguan.domain.events import LiveEvent

# Events a connection may have waiting before it counts as fallen behind.
DEFAULT_QUEUE_SIZE = 512


class Connection:
    """One open client connection: whose it is, what it hears, what waits to be sent."""

    __slots__ = ("closed", "groups", "overflowed", "person_id", "queue")

    def __init__(self, person_id: int, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.person_id = person_id
        self.groups: set[int] = set()
        # Each event with its encoded frame; None asks the sender to stop.
        self.queue: asyncio.Queue[tuple[LiveEvent, str] | None] = asyncio.Queue(queue_size)
        self.closed = False
        self.overflowed = False

    def offer(self, event: LiveEvent, frame: str) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait((event, frame))
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        # Make room for the stop signal: what was waiting is resent on resync anyway.
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


def encode(event: LiveEvent) -> str:
    return json.dumps(
        {"type": event.type, "group_id": event.group_id, "data": event.data},
        ensure_ascii=False,
        separators=(",", ":"),
    )


class Hub:
    """Fan-out inside one process."""

    def __init__(self) -> None:
        self._by_group: defaultdict[int, set[Connection]] = defaultdict(set)
        self._by_person: defaultdict[int, set[Connection]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def connections(self) -> int:
        return sum(len(c) for c in self._by_person.values())

    def attach(self, conn: Connection, group_ids: Iterable[int]) -> None:
        self._by_person[conn.person_id].add(conn)
        for group_id in group_ids:
            self._subscribe(conn, group_id)

    def detach(self, conn: Connection) -> None:
        for group_id in conn.groups:
            members = self._by_group.get(group_id)
            if members is not None:
                members.discard(conn)
                if not members:
                    del self._by_group[group_id]
        conn.groups.clear()
        people = self._by_person.get(conn.person_id)
        if people is not None:
            people.discard(conn)
            if not people:
                del self._by_person[conn.person_id]

    def _subscribe(self, conn: Connection, group_id: int) -> None:
        conn.groups.add(group_id)
        self._by_group[group_id].add(conn)

    def _unsubscribe(self, conn: Connection, group_id: int) -> None:
        conn.groups.discard(group_id)
        members = self._by_group.get(group_id)
        if members is not None:
            members.discard(conn)

    def deliver(self, event: LiveEvent) -> None:
        """Hand the event to every connection that should hear it (on the loop thread)."""
        for person_id in event.grant:
            for conn in self._by_person.get(person_id, ()):
                self._subscribe(conn, event.group_id)
        if event.person_ids:
            targets = [c for p in event.person_ids for c in self._by_person.get(p, ())]
        else:
            targets = list(self._by_group.get(event.group_id, ()))
        if targets:
            frame = encode(event)
            for conn in targets:
                conn.offer(event, frame)
        for person_id in event.revoke:
            for conn in self._by_person.get(person_id, ()):
                self._unsubscribe(conn, event.group_id)
        for conn in targets:
            if conn.overflowed:
                self.detach(conn)

    def publish(self, event: LiveEvent) -> None:
        """Deliver from any thread: the database calls this after a commit."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.deliver(event)
        else:
            loop.call_soon_threadsafe(self.deliver, event)
