"""Real servers on 127.0.0.1 and real WebSocket clients.

``serve`` starts ``qunguan serve`` as a child process on a free port against the test's
database (and Redis, when asked), waits for ``/healthz`` within a bounded time, and stops it
at the end of the test. Clients sign in over HTTP and open the stream with the cookie.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from websockets.sync.client import ClientConnection, connect

from tests.factories import PASSWORD, REPORT_KEY_HEX
from tests.servers import start_server

REDIS_URL = os.environ.get("QUNGUAN_TEST_REDIS_URL", "")
# How long an expected event may take: generous, for a busy machine; waiting for one that
# never comes fails after it, and ``quiet`` is what checks that nothing more arrives.
EVENT_TIMEOUT_SECONDS = 15.0


@dataclass
class Server:
    database_url: str
    redis_url: str | None = None
    port: int = 0  # chosen when it starts
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    # Clients and sockets opened against this server, closed with it.
    resources: ExitStack = field(default_factory=ExitStack)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        env = {
            "QUNGUAN_DATABASE_URL": self.database_url,
            "QUNGUAN_SCHEDULER": "0",
            "QUNGUAN_REPORT_KEY": REPORT_KEY_HEX,
            "QUNGUAN_REDIS_URL": self.redis_url or "",
        }
        assert self.log is not None
        self.process, self.port = start_server(env, self.log)
        return self

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, nothing the process could still do."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.resources.close()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    started: list[Server] = []

    def start(database_url: str, redis_url: str | None = None) -> Server:
        server = Server(database_url, redis_url, log=tmp_path / f"server-{len(started)}.log")
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


@dataclass
class Client:
    """A signed-in person: HTTP for commands, a WebSocket for the stream."""

    server: Server
    http: httpx.Client
    csrf: str

    @classmethod
    def sign_in(cls, server: Server, username: str) -> Client:
        http = server.resources.enter_context(httpx.Client(base_url=server.base, timeout=10))
        answer = http.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return cls(server, http, answer.json()["csrf_token"])

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        return self.http.post(path, json=body, headers={"X-CSRF-Token": self.csrf})

    def send(self, group_id: int, body: str, client_id: str) -> httpx.Response:
        return self.post(
            f"/api/v1/groups/{group_id}/messages", {"client_id": client_id, "body": body}
        )

    def stream(self, since: dict[int, int] | None = None) -> Stream:
        cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
        socket = self.server.resources.enter_context(
            connect(
                f"ws://127.0.0.1:{self.server.port}/api/v1/stream",
                additional_headers={"Cookie": cookie},
                open_timeout=10,
            )
        )
        hello = {"type": "hello", "since": {str(k): v for k, v in (since or {}).items()}}
        socket.send(json.dumps(hello))
        sync = json.loads(socket.recv(timeout=10))
        assert sync["type"] == "sync", sync
        return Stream(socket, sync)


@dataclass
class Stream:
    socket: ClientConnection
    sync: dict[str, Any]

    def events(self, count: int, timeout: float = EVENT_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
        """The next ``count`` events (pongs left out), or fail after ``timeout``."""
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"only {len(out)} of {count} events arrived: {out}")
            event = json.loads(self.socket.recv(timeout=left))
            if event["type"] != "pong":
                out.append(event)
        return out

    def quiet(self, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Whatever arrives within ``seconds``: a ping round trip marks the end."""
        self.socket.send('{"type":"ping"}')
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                event = json.loads(self.socket.recv(timeout=left))
            except TimeoutError:
                return out
            if event["type"] != "pong":
                out.append(event)

    def close(self) -> None:
        self.socket.close()
