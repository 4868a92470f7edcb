"""Signing in and out, server-side sessions, throttling and lockout.

The cookie carries a random token whose SHA-256 is stored, so a database leak hands out no
live session. A failed sign-in is recorded (and audited) even though the sign-in fails, so
``sign_in`` returns an outcome for the edge to commit rather than raising inside the
transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.config import Settings
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.services import audit
from qunguan.services.accounts import second_factor
from qunguan.services.accounts.credentials import principal_of, sha256_hex
from qunguan.services.accounts.management import (
    hash_password,
    needs_rehash,
    set_password,
    verify_password,
)
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import WebSession
from qunguan.store.repositories.accounts import AccountRepository

# A session's last-seen time is written at most this often, to keep reads cheap.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class NewSession:
    token: str
    principal: Principal


@dataclass(frozen=True)
class SignInOutcome:
    """Either a new session or the refusal; the edge commits before acting on either."""

    session: NewSession | None = None
    error: DomainError | None = None


@dataclass(frozen=True)
class SessionView:
    id: int
    created_at: datetime
    last_seen_at: datetime
    client_addr: str
    user_agent: str
    current: bool


def _locked_until(
    uow: UnitOfWork, settings: Settings, username: str, client_addr: str, now: datetime
) -> datetime | None:
    accounts = AccountRepository(uow.session)
    since = now - timedelta(minutes=settings.login_window_minutes)
    lock = timedelta(minutes=settings.lockout_minutes)
    for failures, limit in (
        (accounts.failures_since(since, username=username), settings.login_max_failures),
        (
            accounts.failures_since(since, client_addr=client_addr) if client_addr else [],
            settings.login_max_failures_per_client,
        ),
    ):
        if len(failures) >= limit and failures[-1] + lock > now:
            return failures[-1] + lock
    return None


def _lockout(
    uow: UnitOfWork, settings: Settings, username: str, client_addr: str, now: datetime
) -> DomainError | None:
    """The refusal while an account or address is locked, saying how long is left."""
    until = _locked_until(uow, settings, username, client_addr, now)
    if until is None:
        return None
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    return DomainError("auth.locked", ErrorKind.UNAUTHENTICATED, params={"minutes": minutes})


def _fail(
    uow: UnitOfWork, settings: Settings, username: str, actor: Actor, reason: str, now: datetime
) -> DomainError:
    accounts = AccountRepository(uow.session)
    accounts.add_failure(username, actor.client_addr, now)
    audit.record(
        uow,
        actor,
        "auth.sign_in_failed",
        target_type="account",
        target_id=username,
        summary={"reason": reason},
    )
    until = _locked_until(uow, settings, username, actor.client_addr, now)
    if until is not None:
        audit.record(
            uow,
            actor,
            "auth.locked_out",
            target_type="account",
            target_id=username,
            summary={
                "until": until.isoformat(timespec="seconds"),
                "client_addr": actor.client_addr,
            },
        )
    # A wrong code may be named as such: the password was already proven.
    code = "totp.code_wrong" if reason == "second_factor" else "auth.credentials_invalid"
    return DomainError(code, ErrorKind.UNAUTHENTICATED)


def sign_in(
    uow: UnitOfWork,
    settings: Settings,
    username: str,
    password: str,
    *,
    code: str = "",
    client_addr: str = "",
    user_agent: str = "",
) -> SignInOutcome:
    """Check the password (and the second factor if given); open a session.

    An account enrolled in TOTP gets a session that stays *pending* until ``verify_second
    _factor`` succeeds, unless a valid code came with the password.
    """
    now = uow.now()
    username = username.strip()
    accounts = AccountRepository(uow.session)
    user = accounts.by_username(username)
    actor = Actor(user.id if user else None, username, frozenset(), client_addr)
    locked = _lockout(uow, settings, username, client_addr, now)
    if locked is not None:
        return SignInOutcome(error=locked)
    # Verified even for an unknown name (against a dummy hash), so both take the same time.
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok:
        return SignInOutcome(error=_fail(uow, settings, username, actor, "password", now))
    if not user.is_active:
        return SignInOutcome(error=_fail(uow, settings, username, actor, "inactive", now))
    proven: datetime | None = None
    if code and user.totp_enabled_at is not None:
        if not second_factor.check(uow, user, code, actor):
            return SignInOutcome(error=_fail(uow, settings, username, actor, "second_factor", now))
        proven = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    web_session = accounts.add_session(
        WebSession(
            token_hash=sha256_hex(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(minutes=settings.session_lifetime_minutes),
            client_addr=client_addr[:64],
            user_agent=user_agent[:255],
            second_factor_at=proven,
        )
    )
    principal = principal_of(user, web_session, client_addr=client_addr)
    audit.record(
        uow,
        principal.actor(),
        "auth.signed_in",
        target_type="session",
        target_id=web_session.id,
        summary={"second_factor": "pending" if principal.second_factor_pending else "done"},
    )
    return SignInOutcome(session=NewSession(token, principal))


def verify_second_factor(
    uow: UnitOfWork, settings: Settings, principal: Principal, code: str
) -> SignInOutcome:
    """Complete a pending sign-in with a TOTP or recovery code."""
    accounts = AccountRepository(uow.session)
    user = accounts.by_id(principal.user_id)
    web_session = AccountRepository(uow.session).web_session(principal.session_id)
    if user is None or web_session is None:
        raise DomainError("auth.required", ErrorKind.UNAUTHENTICATED)
    now = uow.now()
    actor = principal.actor()
    locked = _lockout(uow, settings, user.username, actor.client_addr, now)
    if locked is not None:
        return SignInOutcome(error=locked)
    if not second_factor.check(uow, user, code, actor):
        return SignInOutcome(error=_fail(uow, settings, user.username, actor, "second_factor", now))
    web_session.second_factor_at = now
    audit.record(
        uow, actor, "auth.second_factor_verified", target_type="session", target_id=web_session.id
    )
    return SignInOutcome(
        session=NewSession("", principal_of(user, web_session, client_addr=actor.client_addr))
    )


def resolve(
    uow: UnitOfWork, settings: Settings, token: str, client_addr: str = ""
) -> Principal | None:
    """The principal behind a session cookie, or None if unknown, revoked or expired."""
    found = AccountRepository(uow.session).session_and_user(sha256_hex(token))
    if found is None:
        return None
    web_session, user = found
    if web_session.revoked_at is not None:
        return None
    now = uow.now()
    idle_limit = web_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if now >= web_session.expires_at or now >= idle_limit:
        return None
    if not user.is_active:
        return None
    if now - web_session.last_seen_at >= _TOUCH_EVERY:
        web_session.last_seen_at = now
    return principal_of(user, web_session, client_addr=client_addr)


def sign_out(uow: UnitOfWork, principal: Principal) -> None:
    if principal.session_id is None:
        return
    web_session = AccountRepository(uow.session).web_session(principal.session_id)
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = uow.now()
        audit.record(
            uow,
            principal.actor(),
            "auth.signed_out",
            target_type="session",
            target_id=web_session.id,
        )


def list_sessions(uow: UnitOfWork, principal: Principal) -> list[SessionView]:
    return [
        SessionView(
            s.id,
            s.created_at,
            s.last_seen_at,
            s.client_addr,
            s.user_agent,
            s.id == principal.session_id,
        )
        for s in AccountRepository(uow.session).sessions_of(principal.user_id, uow.now())
    ]


def revoke_session(uow: UnitOfWork, principal: Principal, session_id: int) -> None:
    """End one of one's own sessions; another account's session looks like none at all."""
    web_session = AccountRepository(uow.session).web_session(session_id)
    if web_session is None or web_session.user_id != principal.user_id:
        raise not_found("session")
    if web_session.revoked_at is None:
        web_session.revoked_at = uow.now()
        audit.record(
            uow, principal.actor(), "session.revoked", target_type="session", target_id=session_id
        )


def change_own_password(
    uow: UnitOfWork, settings: Settings, principal: Principal, current: str, new: str
) -> DomainError | None:
    """Change one's own password. A wrong current password counts as a failed sign-in
    (so it cannot be guessed without limit); like ``sign_in``, the refusal is returned
    for the edge to raise after committing the recorded failure."""
    now = uow.now()
    locked = _lockout(uow, settings, principal.username, principal.client_addr, now)
    if locked is not None:
        return locked
    user = AccountRepository(uow.session).by_id(principal.user_id)
    if user is None or not verify_password(user.password_hash, current):
        _fail(uow, settings, principal.username, principal.actor(), "current_password", now)
        return DomainError("account.password_wrong")
    if current == new:
        return DomainError("password.unchanged")
    set_password(
        uow,
        principal.actor(),
        user.username,
        new,
        must_change_password=False,
        keep_session_id=principal.session_id,
    )
    return None
