"""Accounts and login sessions.

Passwords are hashed with argon2id. A session is server-side: the cookie carries a random
token whose SHA-256 is stored, so a database leak does not hand out live sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qunguan.config import Settings
from qunguan.domain.access import Role, parse_roles
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.domain.passwords import check_password
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import User, UserRole, WebSession
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.directory import DirectoryRepository

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the username is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("qunguan-timing-equaliser")


def configure_password_hashing(*, time_cost: int, memory_cost_kib: int) -> None:
    """Choose argon2id's cost. Deployments keep the default; the test suite lowers it
    (still argon2id, still verified) so that hundreds of sign-ins stay quick."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
    _DUMMY_HASH = _hasher.hash("qunguan-timing-equaliser")


# A session's last-seen time is written at most this often, to keep reads cheap.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is acting: the account, its roles, and the session it acts through."""

    user_id: int
    username: str
    roles: frozenset[Role]
    person_id: int | None
    must_change_password: bool
    session_id: int | None = None
    csrf_token: str = ""


@dataclass(frozen=True)
class NewSession:
    token: str
    principal: Principal


def _principal(user: User, web_session: WebSession | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        roles=frozenset(Role(r.role) for r in user.roles),
        person_id=user.person_id,
        must_change_password=user.must_change_password,
        session_id=web_session.id if web_session else None,
        csrf_token=web_session.csrf_token if web_session else "",
    )


def _identity_words(uow: UnitOfWork, user_id_person: int | None) -> tuple[str, str]:
    if user_id_person is None:
        return "", ""
    person = DirectoryRepository(uow.session).person(user_id_person)
    return (person.name, person.mobile) if person else ("", "")


def create_user(
    uow: UnitOfWork,
    username: str,
    password: str,
    roles: list[str],
    *,
    staff_no: str | None = None,
    must_change_password: bool = True,
) -> User:
    accounts = AccountRepository(uow.session)
    username = username.strip()
    if not username:
        raise DomainError("account.username_missing")
    if accounts.by_username(username) is not None:
        raise DomainError(
            "account.username_taken", ErrorKind.CONFLICT, params={"username": username}
        )
    role_list = parse_roles(roles or [Role.MEMBER.value])
    person_id: int | None = None
    if staff_no:
        person = DirectoryRepository(uow.session).person_by_staff_no(staff_no)
        if person is None:
            raise DomainError(
                "directory.person.not_found", ErrorKind.NOT_FOUND, params={"staff_no": staff_no}
            )
        person_id = person.id
    name, mobile = _identity_words(uow, person_id)
    check_password(password, username=username, name=name, mobile=mobile)
    user = User(
        username=username,
        person_id=person_id,
        password_hash=_hasher.hash(password),
        must_change_password=must_change_password,
        roles=[UserRole(role=r.value) for r in role_list],
    )
    return accounts.add(user)


def set_password(
    uow: UnitOfWork,
    username: str,
    new_password: str,
    *,
    must_change_password: bool,
    keep_session_id: int | None = None,
) -> User:
    """Set a password (a reset by an admin, or the user's own change); ends other sessions."""
    accounts = AccountRepository(uow.session)
    user = accounts.by_username(username)
    if user is None:
        raise not_found("account")
    name, mobile = _identity_words(uow, user.person_id)
    check_password(new_password, username=username, name=name, mobile=mobile)
    user.password_hash = _hasher.hash(new_password)
    user.must_change_password = must_change_password
    user.password_changed_at = utcnow()
    accounts.revoke_sessions_of(user.id, utcnow(), except_id=keep_session_id)
    return user


def change_own_password(uow: UnitOfWork, principal: Principal, current: str, new: str) -> None:
    user = AccountRepository(uow.session).by_id(principal.user_id)
    if user is None or not _verify(user.password_hash, current):
        raise DomainError("account.password_wrong", details=[])
    if current == new:
        raise DomainError("password.unchanged")
    set_password(
        uow, user.username, new, must_change_password=False, keep_session_id=principal.session_id
    )


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(
    uow: UnitOfWork,
    settings: Settings,
    username: str,
    password: str,
    *,
    client_addr: str = "",
    user_agent: str = "",
) -> NewSession:
    accounts = AccountRepository(uow.session)
    user = accounts.by_username(username.strip())
    if user is None:
        _verify(_DUMMY_HASH, password)
        raise DomainError("auth.credentials_invalid", ErrorKind.UNAUTHENTICATED)
    if not _verify(user.password_hash, password) or not user.is_active:
        raise DomainError("auth.credentials_invalid", ErrorKind.UNAUTHENTICATED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    web_session = accounts.add_session(
        WebSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(minutes=settings.session_lifetime_minutes),
            client_addr=client_addr[:64],
            user_agent=user_agent[:255],
        )
    )
    return NewSession(token, _principal(user, web_session))


def resolve_session(uow: UnitOfWork, settings: Settings, token: str) -> Principal | None:
    """The principal behind a session cookie, or None if it is unknown, revoked or expired."""
    accounts = AccountRepository(uow.session)
    web_session = accounts.session_by_token_hash(_token_hash(token))
    if web_session is None or web_session.revoked_at is not None:
        return None
    now = utcnow()
    idle_limit = web_session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if now >= web_session.expires_at or now >= idle_limit:
        return None
    user = accounts.by_id(web_session.user_id)
    if user is None or not user.is_active:
        return None
    if now - web_session.last_seen_at >= _TOUCH_EVERY:
        web_session.last_seen_at = now
    return _principal(user, web_session)


def log_out(uow: UnitOfWork, token: str) -> None:
    web_session = AccountRepository(uow.session).session_by_token_hash(_token_hash(token))
    if web_session is not None and web_session.revoked_at is None:
        web_session.revoked_at = utcnow()
