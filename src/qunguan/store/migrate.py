"""Schema migrations, run from code: ``qunguan init``, the server start-up check, tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_SCRIPTS = Path(__file__).parent / "migrations"


# Objects the migrations make by hand that the models do not describe: the full-text
# index of messages (an FTS5 table and its shadow tables on SQLite, a trigram index on
# PostgreSQL). Comparing the models with the database leaves them out.
_UNMODELLED_PREFIXES = ("messages_fts", "ix_messages_body_trgm")


def include_name(name: str | None, _type: str, _parent: object) -> bool:
    return not (name or "").startswith(_UNMODELLED_PREFIXES)


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
