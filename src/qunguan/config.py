"""Settings, read once from the environment.

``QUNGUAN_DATABASE_URL`` names the database every command and the server use; without it,
``./var/qunguan.db`` (SQLite) relative to the working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATABASE_PATH = Path("var") / "qunguan.db"
MIN_AUDIT_RETENTION_DAYS = 180


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
    # Times are stored in UTC and shown in the agency's zone.
    display_timezone: str = "Asia/Shanghai"
    max_upload_bytes: int = 10 * 1024 * 1024
    # Sign-in throttling: failures within the window, per account and per client address,
    # before a temporary lockout.
    login_max_failures: int = 5
    login_max_failures_per_client: int = 20
    login_window_minutes: int = 15
    lockout_minutes: int = 15
    # Run scheduled work (membership audits, leavers, expiries) inside this server process.
    scheduler: bool = False
    # The audit chain's hash: sha256, or sm3 (GB/T 32905).
    audit_hash: str = "sha256"
    # How long audit records are kept; never less than 180 days.
    audit_retention_days: int = 180
    # The key sealing confidential reporters (hex); without it, a key file made once.
    report_key: str = ""
    report_key_file: str = str(Path("var") / "report.key")

    def __post_init__(self) -> None:
        if self.audit_retention_days < MIN_AUDIT_RETENTION_DAYS:
            raise ValueError(
                f"QUNGUAN_AUDIT_RETENTION_DAYS must be at least {MIN_AUDIT_RETENTION_DAYS}"
            )

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
            display_timezone=env.get("QUNGUAN_TIMEZONE", "Asia/Shanghai"),
            max_upload_bytes=int(env.get("QUNGUAN_MAX_UPLOAD_MB", "10")) * 1024 * 1024,
            login_max_failures=int(env.get("QUNGUAN_LOGIN_MAX_FAILURES", "5")),
            login_max_failures_per_client=int(
                env.get("QUNGUAN_LOGIN_MAX_FAILURES_PER_CLIENT", "20")
            ),
            login_window_minutes=int(env.get("QUNGUAN_LOGIN_WINDOW_MINUTES", "15")),
            lockout_minutes=int(env.get("QUNGUAN_LOCKOUT_MINUTES", "15")),
            audit_hash=env.get("QUNGUAN_AUDIT_HASH", "sha256").lower(),
            scheduler=env.get("QUNGUAN_SCHEDULER", "1").lower() in {"1", "true", "yes"},
            audit_retention_days=int(env.get("QUNGUAN_AUDIT_RETENTION_DAYS", "180")),
            report_key=env.get("QUNGUAN_REPORT_KEY", ""),
            report_key_file=env.get("QUNGUAN_REPORT_KEY_FILE") or str(Path("var") / "report.key"),
        )
