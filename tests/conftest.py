"""Shared fixtures: a real database built by the migrations, on SQLite and on PostgreSQL.

Every test that takes ``database_url`` runs once per backend. SQLite is always there; the
PostgreSQL run needs ``QUNGUAN_TEST_POSTGRES_URL`` and skips, saying so, without it. Each
PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from qunguan.moderation import ContentEngine, default_slot
from qunguan.services import audit
from qunguan.services.accounts import management as accounts
from qunguan.services.conduct import reports
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from tests.factories import REPORT_KEY

pytest_plugins = ["pytester"]

POSTGRES_URL = os.environ.get("QUNGUAN_TEST_POSTGRES_URL", "")

# Real argon2id at a lower cost: the suite signs in hundreds of times.
accounts.configure_password_hashing(time_cost=1, memory_cost_kib=1024)


def _postgres_schema_url(schema: str) -> str:
    base = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables yet) on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qunguan.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL run skipped: QUNGUAN_TEST_POSTGRES_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def migrated_url(database_url: str) -> str:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    return database_url


@pytest.fixture
def db(migrated_url: str) -> Iterator[Database]:
    database = Database(make_engine(migrated_url))
    yield database
    database.engine.dispose()


def _ship_content_engine() -> None:
    slot = default_slot()
    # A build still under way would swap its lists in after the reset: wait it out, and
    # say so rather than carry one test's lists into the next.
    assert slot.wait(120), "a background build of the content engine did not finish"
    slot.swap(ContentEngine.default())
    slot.expire()


@pytest.fixture(autouse=True)
def shipped_content_engine() -> Iterator[None]:
    """Each test starts with the engine of the shipped lists, and leaves it so: the
    process's engine slot would otherwise carry one test's agency lists into the next."""
    _ship_content_engine()
    yield
    _ship_content_engine()


@pytest.fixture(autouse=True)
def process_settings() -> Iterator[None]:
    """What the composition roots set for the whole process, set the same way before each
    test and put back after it. ``create_app`` and the CLI configure the audit chain's hash
    and the reporters' key, and the suite the password hasher's cost: one test's app or
    command must not decide them for the next."""
    hasher = (accounts._hasher, accounts._DUMMY_HASH)
    audit.configure("sha256")
    reports.configure_key(REPORT_KEY)
    yield
    audit.configure("sha256")
    reports.configure_key(REPORT_KEY)
    accounts._hasher, accounts._DUMMY_HASH = hasher
