"""What sessions and tokens share: how a principal is built from an account, and hashing."""

from __future__ import annotations

import hashlib

from qunguan.domain.access import Permission, Role, needs_second_factor
from qunguan.domain.actor import Principal
from qunguan.store.models import User, WebSession


def sha256_hex(secret: str) -> str:
    """Session and token secrets are random and long: a plain SHA-256 suffices to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


def principal_of(
    user: User,
    web_session: WebSession | None = None,
    *,
    client_addr: str = "",
    token_scopes: frozenset[Permission] | None = None,
) -> Principal:
    """The one place a principal is made, so sessions and tokens face the same gates."""
    roles = frozenset(Role(r.role) for r in user.roles)
    enrolled = user.totp_enabled_at is not None
    return Principal(
        user_id=user.id,
        username=user.username,
        roles=roles,
        person_id=user.person_id,
        must_change_password=user.must_change_password,
        session_id=web_session.id if web_session else None,
        csrf_token=web_session.csrf_token if web_session else "",
        second_factor_pending=enrolled
        and web_session is not None
        and web_session.second_factor_at is None,
        second_factor_setup_required=needs_second_factor(roles) and not enrolled,
        token_scopes=token_scopes,
        client_addr=client_addr,
        second_factor_enrolled=enrolled,
    )
