"""Who acts: an account acting through a session or token, or the system itself."""

from __future__ import annotations

from dataclasses import dataclass

from qunguan.domain.access import Permission, Role, permissions_of


@dataclass(frozen=True)
class Actor:
    """The subject of an audit record. ``user_id`` is None for the system (CLI, jobs)."""

    user_id: int | None
    username: str
    roles: frozenset[Role] = frozenset()
    client_addr: str = ""

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(None, name)


@dataclass(frozen=True)
class Principal:
    """A signed-in account as one request sees it: through a session or an API token."""

    user_id: int
    username: str
    roles: frozenset[Role]
    person_id: int | None
    must_change_password: bool = False
    session_id: int | None = None
    csrf_token: str = ""
    # Enrolled in TOTP but this session has not proven it yet.
    second_factor_pending: bool = False
    # A governing role without TOTP enrolled: must enrol before anything else.
    second_factor_setup_required: bool = False
    # Set for API tokens: the token's scopes narrow the account's permissions.
    token_scopes: frozenset[Permission] | None = None
    client_addr: str = ""
    second_factor_enrolled: bool = False

    @property
    def permissions(self) -> frozenset[Permission]:
        """What this principal may do. A token gets only its scopes: never the sign-in
        steps or the account's own security (password, second factor, sessions, tokens)."""
        granted = permissions_of(self.roles)
        if self.token_scopes is not None:
            granted = granted & (self.token_scopes | {Permission.PUBLIC})
        return granted

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.roles, self.client_addr)
