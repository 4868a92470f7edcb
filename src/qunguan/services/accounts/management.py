"""Accounts: creation, roles, passwords, deactivation. Every change is audited.

Passwords are hashed with argon2id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from qunguan.domain.access import Role, parse_roles
from qunguan.domain.actor import Actor
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.domain.passwords import check_password
from qunguan.services import audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import User, UserRole
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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-shape check: an unknown account costs the same as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@dataclass(frozen=True)
class AccountView:
    id: int
    username: str
    roles: tuple[str, ...]
    person_id: int | None
    person_name: str
    is_active: bool
    must_change_password: bool
    second_factor: bool
    created_at: datetime


def _identity_words(uow: UnitOfWork, person_id: int | None) -> tuple[str, str]:
    if person_id is None:
        return "", ""
    person = DirectoryRepository(uow.session).person(person_id)
    return (person.name, person.mobile) if person else ("", "")


def _user(uow: UnitOfWork, username: str) -> User:
    user = AccountRepository(uow.session).by_username(username)
    if user is None:
        raise not_found("account")
    return user


def create_user(
    uow: UnitOfWork,
    actor: Actor,
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
        if accounts.by_person(person.id) is not None:
            raise DomainError(
                "account.person_taken", ErrorKind.CONFLICT, params={"staff_no": staff_no}
            )
        person_id = person.id
    name, mobile = _identity_words(uow, person_id)
    check_password(password, username=username, name=name, mobile=mobile)
    user = accounts.add(
        User(
            username=username,
            person_id=person_id,
            password_hash=hash_password(password),
            must_change_password=must_change_password,
            roles=[UserRole(role=r.value) for r in role_list],
        )
    )
    audit.record(
        uow,
        actor,
        "account.created",
        target_type="account",
        target_id=username,
        summary={"after": {"roles": sorted(r.value for r in role_list), "staff_no": staff_no}},
    )
    return user


def set_roles(uow: UnitOfWork, actor: Actor, username: str, roles: list[str]) -> User:
    """Replace an account's roles; 三员分立 is checked on the result."""
    user = _user(uow, username)
    if actor.user_id == user.id:
        raise DomainError("account.cannot_change_own_roles", ErrorKind.CONFLICT)
    role_list = parse_roles(roles)
    before = sorted(r.role for r in user.roles)
    user.roles = [UserRole(role=r.value) for r in role_list]
    after = sorted(r.value for r in role_list)
    if before != after:
        audit.record(
            uow,
            actor,
            "account.roles_changed",
            target_type="account",
            target_id=username,
            summary={"before": before, "after": after},
        )
    return user


def set_active(uow: UnitOfWork, actor: Actor, username: str, active: bool) -> User:
    user = _user(uow, username)
    if actor.user_id == user.id and not active:
        raise DomainError("account.cannot_deactivate_self", ErrorKind.CONFLICT)
    if user.is_active != active:
        user.is_active = active
        if not active:
            AccountRepository(uow.session).revoke_everything_of(user.id, uow.now())
        audit.record(
            uow,
            actor,
            "account.reactivated" if active else "account.deactivated",
            target_type="account",
            target_id=username,
        )
    return user


def set_password(
    uow: UnitOfWork,
    actor: Actor,
    username: str,
    new_password: str,
    *,
    must_change_password: bool,
    keep_session_id: int | None = None,
) -> User:
    """Set a password (a reset by an admin, or the user's own change); ends other sessions."""
    accounts = AccountRepository(uow.session)
    user = _user(uow, username)
    name, mobile = _identity_words(uow, user.person_id)
    check_password(new_password, username=username, name=name, mobile=mobile)
    user.password_hash = hash_password(new_password)
    user.must_change_password = must_change_password
    user.password_changed_at = uow.now()
    own = actor.user_id == user.id
    accounts.revoke_sessions_of(user.id, uow.now(), except_id=keep_session_id)
    if not own:  # a reset answers a compromise: the account's tokens end too
        accounts.revoke_tokens_of(user.id, uow.now())
    audit.record(
        uow,
        actor,
        "account.password_changed" if own else "account.password_reset",
        target_type="account",
        target_id=username,
    )
    return user


def list_accounts(uow: UnitOfWork) -> list[AccountView]:
    users = AccountRepository(uow.session).all()
    directory = DirectoryRepository(uow.session)
    names = {p.id: p.name for p in directory.all_people()}
    return [
        AccountView(
            u.id,
            u.username,
            tuple(sorted(r.role for r in u.roles)),
            u.person_id,
            names.get(u.person_id, "") if u.person_id else "",
            u.is_active,
            u.must_change_password,
            u.totp_enabled_at is not None,
            u.created_at,
        )
        for u in users
    ]
