"""A real server on 127.0.0.1 and real Chromium driven by Playwright.

Chromium is Debian's (``/usr/bin/chromium``, or ``QUNGUAN_CHROMIUM``). Without it the
browser tests skip, saying why — unless ``QUNGUAN_REQUIRE_BROWSER=1`` (CI), when they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from tests.factories import REPORT_KEY_HEX, seed_agency
from tests.servers import start_server

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
    env = {
        "QUNGUAN_DATABASE_URL": url,
        "QUNGUAN_SCHEDULER": "0",
        "QUNGUAN_REPORT_KEY": REPORT_KEY_HEX,
    }
    server, port = start_server(env, tmp_path / "server.log")
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", url)
    finally:
        server.terminate()
        server.wait(timeout=10)


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
