"""Settings, read once from the environment.

``QUNGUAN_DATABASE_URL`` names the database every command and the server use; without it,
``./var/qunguan.db`` (SQLite) relative to the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("var") / "qunguan.db"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_DATABASE_PATH}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    redis_url: str | None = None
    # Sessions: idle timeout and absolute lifetime, in minutes.
    session_idle_minutes: int = 30
    session_lifetime_minutes: int = 12 * 60
    # Set when served behind TLS, so cookies are marked Secure.
    secure_cookies: bool = False
    default_locale: str = "zh"
    max_upload_bytes: int = 10 * 1024 * 1024

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            database_url=env.get("QUNGUAN_DATABASE_URL") or default_database_url(),
            redis_url=env.get("QUNGUAN_REDIS_URL") or None,
            session_idle_minutes=int(env.get("QUNGUAN_SESSION_IDLE_MINUTES", "30")),
            session_lifetime_minutes=int(env.get("QUNGUAN_SESSION_LIFETIME_MINUTES", "720")),
            secure_cookies=env.get("QUNGUAN_SECURE_COOKIES", "").lower() in {"1", "true", "yes"},
            default_locale=env.get("QUNGUAN_LOCALE", "zh"),
        )
