"""Engine set-up for SQLite and PostgreSQL, and the durability check.

On SQLite every connection runs in WAL mode with ``synchronous=FULL`` and foreign keys
on: a 2xx answer must mean the change is on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from qunguan.domain.errors import DomainError, ErrorKind


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _normalise(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername != "postgresql+psycopg":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _begin_before_savepoint(conn: Connection, _name: str | None) -> None:
    """The sqlite3 module opens a transaction only before a write statement, so a SAVEPOINT
    issued first would become the transaction itself, and releasing it would commit. Open
    the real transaction first (taking the write lock, as the savepoint means to write)."""
    dbapi = conn.connection.dbapi_connection
    if dbapi is not None and not dbapi.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = _normalise(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "savepoint", _begin_before_savepoint)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def check_durability(engine: Engine) -> None:
    """Refuse to serve from an SQLite database that would not keep what it acknowledges."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        journal = str(conn.execute(text("PRAGMA journal_mode")).scalar()).lower()
        synchronous = int(conn.execute(text("PRAGMA synchronous")).scalar() or 0)
        foreign_keys = int(conn.execute(text("PRAGMA foreign_keys")).scalar() or 0)
    # synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
    if journal != "wal" or synchronous < 2 or foreign_keys != 1:
        raise DomainError(
            "store.not_durable",
            ErrorKind.UNAVAILABLE,
            params={"journal": journal, "synchronous": synchronous, "foreign_keys": foreign_keys},
        )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
