"""Fan-out across server processes through Redis pub/sub.

With a relay, a process does not deliver its own events directly: it publishes them to
the channel and delivers what it hears there, like every other process. So every process
sees every group's events in the one order Redis received them (a removal is never
overtaken by a message sent after it), at the cost of one round trip to Redis.

The channel is named after the database, so that servers of different databases sharing
one Redis never hear each other.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

import redis
import redis.asyncio as aioredis

from qunguan.domain.events import LiveEvent
from qunguan.realtime.hub import Hub

log = logging.getLogger(__name__)

# How long to wait before listening again after Redis went away, at the most.
MAX_BACKOFF_SECONDS = 5.0


def channel_for(database_url: str) -> str:
    return "qunguan:live:" + hashlib.sha256(database_url.encode()).hexdigest()[:16]


class RedisRelay:
    def __init__(self, url: str, hub: Hub, channel: str) -> None:
        self._url = url
        self._hub = hub
        self.channel = channel
        # The sync client publishes from the threads that commit; it pools connections.
        self._publisher = redis.Redis.from_url(url)
        self.ready = asyncio.Event()

    def publish(self, event: LiveEvent) -> None:
        try:
            self._publisher.publish(self.channel, json.dumps(event.to_wire(), ensure_ascii=False))
        except redis.RedisError:
            # Nothing is lost: the message is committed, and clients resync by sequence.
            log.exception("could not publish a live event to Redis")

    async def run(self) -> None:
        """Listen until cancelled, reconnecting with a growing pause when Redis goes away."""
        backoff = 0.1
        while True:
            client = aioredis.Redis.from_url(self._url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.ready.set()
                    backoff = 0.1
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self._hub.deliver(LiveEvent.from_wire(json.loads(message["data"])))
            except (redis.RedisError, OSError):
                log.warning("lost the Redis relay; listening again in %.1f s", backoff)
                self.ready.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            finally:
                await client.aclose()

    def close(self) -> None:
        self._publisher.close()
