"""Queries over accounts, roles, sessions, sign-in failures, recovery codes and tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from qunguan.store.models import ApiToken, LoginFailure, RecoveryCode, User, WebSession


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_username(self, username: str) -> User | None:
        return self.session.scalar(
            select(User).where(User.username == username).options(selectinload(User.roles))
        )

    def by_id(self, user_id: int) -> User | None:
        return self.session.scalar(
            select(User).where(User.id == user_id).options(selectinload(User.roles))
        )

    def by_person(self, person_id: int) -> User | None:
        return self.session.scalar(select(User).where(User.person_id == person_id))

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def all(self) -> list[User]:
        stmt = select(User).options(selectinload(User.roles)).order_by(User.id)
        return list(self.session.scalars(stmt))

    # Sessions ---------------------------------------------------------------------------

    def add_session(self, web_session: WebSession) -> WebSession:
        self.session.add(web_session)
        self.session.flush()
        return web_session

    def web_session(self, session_id: int | None) -> WebSession | None:
        return self.session.get(WebSession, session_id) if session_id is not None else None

    def session_and_user(self, token_hash: str) -> tuple[WebSession, User] | None:
        """A session with its account and roles in one query: every request asks this."""
        row = (
            self.session.execute(
                select(WebSession, User)
                .join(User, User.id == WebSession.user_id)
                .where(WebSession.token_hash == token_hash)
                .options(joinedload(User.roles))
            )
            .unique()
            .first()
        )
        return (row[0], row[1]) if row else None

    def sessions_of(self, user_id: int, now: datetime) -> list[WebSession]:
        stmt = (
            select(WebSession)
            .where(
                WebSession.user_id == user_id,
                WebSession.revoked_at.is_(None),
                WebSession.expires_at > now,
            )
            .order_by(WebSession.last_seen_at.desc())
        )
        return list(self.session.scalars(stmt))

    def revoke_sessions_of(
        self, user_id: int, when: datetime, except_id: int | None = None
    ) -> None:
        stmt = update(WebSession).where(
            WebSession.user_id == user_id, WebSession.revoked_at.is_(None)
        )
        if except_id is not None:
            stmt = stmt.where(WebSession.id != except_id)
        self.session.execute(stmt.values(revoked_at=when))

    def revoke_tokens_of(self, user_id: int, when: datetime) -> None:
        self.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=when)
        )

    def revoke_everything_of(self, user_id: int, when: datetime) -> None:
        """After a reset or deactivation: no session and no token of the account works."""
        self.revoke_sessions_of(user_id, when)
        self.revoke_tokens_of(user_id, when)

    # Sign-in failures -------------------------------------------------------------------

    def add_failure(self, username: str, client_addr: str, at: datetime) -> None:
        self.session.add(LoginFailure(username=username, client_addr=client_addr, at=at))
        self.session.flush()

    def failures_since(
        self, since: datetime, *, username: str = "", client_addr: str = ""
    ) -> list[datetime]:
        stmt = select(LoginFailure.at).where(LoginFailure.at >= since)
        if username:
            stmt = stmt.where(LoginFailure.username == username)
        if client_addr:
            stmt = stmt.where(LoginFailure.client_addr == client_addr)
        return list(self.session.scalars(stmt.order_by(LoginFailure.at)))

    # Recovery codes ---------------------------------------------------------------------

    def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None:
        for old in self.session.scalars(
            select(RecoveryCode).where(RecoveryCode.user_id == user_id)
        ):
            self.session.delete(old)
        self.session.add_all(RecoveryCode(user_id=user_id, code_hash=h) for h in hashes)
        self.session.flush()

    def unused_recovery_code(self, user_id: int, code_hash: str) -> RecoveryCode | None:
        return self.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user_id,
                RecoveryCode.code_hash == code_hash,
                RecoveryCode.used_at.is_(None),
            )
        )

    def recovery_codes_left(self, user_id: int) -> int:
        stmt = select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
        )
        return self.session.scalar(stmt) or 0

    # API tokens -------------------------------------------------------------------------

    def add_token(self, token: ApiToken) -> ApiToken:
        self.session.add(token)
        self.session.flush()
        return token

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))

    def tokens_of(self, user_id: int) -> list[ApiToken]:
        stmt = select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        return list(self.session.scalars(stmt))

    def token(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)
