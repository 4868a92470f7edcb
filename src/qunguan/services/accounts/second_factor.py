"""TOTP second factor (RFC 6238, as authenticator apps use) with single-use recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno

from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.services import audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import User
from qunguan.store.repositories.accounts import AccountRepository

ISSUER = "群管 Qunguan"
RECOVERY_CODES = 10


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str
    qr_svg: str


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _user(uow: UnitOfWork, principal: Principal) -> User:
    user = AccountRepository(uow.session).by_id(principal.user_id)
    if user is None:
        raise not_found("account")
    return user


def begin_enrolment(uow: UnitOfWork, principal: Principal) -> Enrolment:
    """Issue a secret for the authenticator app; it takes effect once a code confirms it."""
    user = _user(uow, principal)
    if user.totp_enabled_at is not None:
        raise DomainError("totp.already_enrolled", ErrorKind.CONFLICT)
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_inline(scale=4)
    return Enrolment(user.totp_secret, uri, qr)


def confirm_enrolment(uow: UnitOfWork, principal: Principal, code: str) -> list[str]:
    """Turn TOTP on after the first good code; return recovery codes, shown only now."""
    user = _user(uow, principal)
    if user.totp_enabled_at is not None:
        raise DomainError("totp.already_enrolled", ErrorKind.CONFLICT)
    if not _accept_totp(user, code.strip()):
        raise DomainError("totp.code_wrong", details=[])
    now = uow.now()
    user.totp_enabled_at = now
    if principal.session_id is not None:
        web_session = AccountRepository(uow.session).web_session(principal.session_id)
        if web_session is not None:
            web_session.second_factor_at = now
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    AccountRepository(uow.session).replace_recovery_codes(user.id, [_code_hash(c) for c in codes])
    audit.record(
        uow, principal.actor(), "totp.enrolled", target_type="account", target_id=user.username
    )
    return codes


def _accept_totp(user: User, code: str) -> bool:
    """A code from the current time step or its neighbours, each step usable once."""
    if not user.totp_secret or not code.isdigit():
        return False
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    for offset in (-1, 0, 1):
        moment = now + offset * totp.interval
        if hmac.compare_digest(totp.at(moment), code):
            step = int(moment // totp.interval)
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # already used: a code seen over a shoulder is spent
            user.totp_last_step = step
            return True
    return False


def check(uow: UnitOfWork, user: User, code: str, actor: Actor) -> bool:
    """A current TOTP code, or an unused recovery code (which is then spent)."""
    code = code.strip()
    if _accept_totp(user, code):
        return True
    recovery = AccountRepository(uow.session).unused_recovery_code(user.id, _code_hash(code))
    if recovery is None:
        return False
    recovery.used_at = uow.now()
    audit.record(
        uow, actor, "auth.recovery_code_used", target_type="account", target_id=user.username
    )
    return True


def reset(uow: UnitOfWork, actor: Actor, username: str) -> None:
    """An administrator clears a lost authenticator; the holder enrols again at next sign-in."""
    user = AccountRepository(uow.session).by_username(username)
    if user is None:
        raise not_found("account")
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.totp_last_step = None
    AccountRepository(uow.session).replace_recovery_codes(user.id, [])
    AccountRepository(uow.session).revoke_everything_of(user.id, uow.now())
    audit.record(uow, actor, "totp.reset", target_type="account", target_id=username)


def recovery_codes_left(uow: UnitOfWork, principal: Principal) -> int:
    return AccountRepository(uow.session).recovery_codes_left(principal.user_id)
