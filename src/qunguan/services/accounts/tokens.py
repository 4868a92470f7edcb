"""API tokens for scripts: named, scoped, expiring, shown once, stored hashed, revocable."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorDetail, not_found
from qunguan.services import audit
from qunguan.services.accounts.credentials import principal_of, sha256_hex
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import ApiToken
from qunguan.store.repositories.accounts import AccountRepository

PREFIX = "qg_"
MAX_DAYS = 365
# Scopes a token may carry: anything but signing in as a person does.
# Scopes a token may carry: never signing in or the account's own security.
GRANTABLE = frozenset(Permission) - {
    Permission.PUBLIC,
    Permission.SIGN_IN_STEP,
    Permission.SIGNED_IN,
    Permission.SELF_SERVICE,
}


@dataclass(frozen=True)
class IssuedToken:
    id: int
    secret: str  # shown once, never stored


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked: bool


def issue(
    uow: UnitOfWork, principal: Principal, name: str, scopes: list[str], days: int
) -> IssuedToken:
    problems: list[ErrorDetail] = []
    name = name.strip()
    if not name or len(name) > 80:
        problems.append(ErrorDetail("token.name_invalid", field="name"))
    if not 1 <= days <= MAX_DAYS:
        problems.append(ErrorDetail("token.days_invalid", field="days", params={"max": MAX_DAYS}))
    wanted: set[Permission] = set()
    for scope in scopes:
        try:
            perm = Permission(scope)
        except ValueError:
            perm = None
        if perm is None or perm not in GRANTABLE or perm not in principal.permissions:
            problems.append(ErrorDetail("token.scope_invalid", field="scopes", value=scope))
        else:
            wanted.add(perm)
    if not scopes:
        problems.append(ErrorDetail("token.scope_missing", field="scopes"))
    if problems:
        raise DomainError("token.invalid", details=problems)
    secret = PREFIX + secrets.token_urlsafe(32)
    now = uow.now()
    token = AccountRepository(uow.session).add_token(
        ApiToken(
            user_id=principal.user_id,
            name=name,
            prefix=secret[:10],
            token_hash=sha256_hex(secret),
            scopes=sorted(p.value for p in wanted),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    audit.record(
        uow,
        principal.actor(),
        "token.issued",
        target_type="token",
        target_id=token.id,
        summary={"name": name, "scopes": token.scopes, "days": days},
    )
    return IssuedToken(token.id, secret)


def resolve(uow: UnitOfWork, secret: str, client_addr: str = "") -> Principal | None:
    """The principal a bearer token acts as, its permissions narrowed to the token's scopes."""
    if not secret.startswith(PREFIX):
        return None
    accounts = AccountRepository(uow.session)
    token = accounts.token_by_hash(sha256_hex(secret))
    now = uow.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = accounts.by_id(token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    scopes = frozenset(Permission(s) for s in token.scopes)
    return principal_of(user, client_addr=client_addr, token_scopes=scopes)


def list_tokens(uow: UnitOfWork, principal: Principal) -> list[TokenView]:
    return [
        TokenView(
            t.id,
            t.name,
            t.prefix,
            tuple(t.scopes),
            t.created_at,
            t.expires_at,
            t.last_used_at,
            t.revoked_at is not None,
        )
        for t in AccountRepository(uow.session).tokens_of(principal.user_id)
    ]


def revoke(uow: UnitOfWork, principal: Principal, token_id: int) -> None:
    token = AccountRepository(uow.session).token(token_id)
    if token is None or token.user_id != principal.user_id:
        raise not_found("token")
    if token.revoked_at is None:
        token.revoked_at = uow.now()
        audit.record(
            uow, principal.actor(), "token.revoked", target_type="token", target_id=token_id
        )
