"""A real server on 127.0.0.1 and real Chromium driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, or ``QUNGUAN_CHROMIUM``). Without it the
browser tests skip, saying why — unless ``QUNGUAN_REQUIRE_BROWSER=1`` (CI), when they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from tests.factories import seed_agency

if TYPE_CHECKING:
    from playwright.sync_api import Page

SCREENSHOTS = Path("var/screenshots")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    path = os.environ.get("QUNGUAN_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        message = "Chromium not found (install Debian's chromium, or set QUNGUAN_CHROMIUM)"
        if os.environ.get("QUNGUAN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer(str):
    """The server's base URL (use it in f-strings), knowing its database too."""

    database_url: str

    def __new__(cls, base: str, database_url: str) -> LiveServer:
        server = super().__new__(cls, base)
        server.database_url = database_url
        return server


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server, as `qunguan serve` starts it, on a seeded SQLite database."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    database = Database(engine)
    seed_agency(database)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "QUNGUAN_DATABASE_URL": url, "QUNGUAN_SCHEDULER": "0"}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "qunguan.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((tmp_path / "server.log").read_text()) from None
                time.sleep(0.1)
        yield LiveServer(base, url)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = _chromium()
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of what a person saw, for review (var/screenshots)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
