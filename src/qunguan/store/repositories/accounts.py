"""Queries over accounts, their roles and their login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from qunguan.store.models import User, WebSession


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

    def add(self, user: User) -> User:
        self.session.add(user)
        self.session.flush()
        return user

    def all(self) -> list[User]:
        return list(
            self.session.scalars(select(User).options(selectinload(User.roles)).order_by(User.id))
        )

    def add_session(self, web_session: WebSession) -> WebSession:
        self.session.add(web_session)
        self.session.flush()
        return web_session

    def session_by_token_hash(self, token_hash: str) -> WebSession | None:
        return self.session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))

    def revoke_sessions_of(
        self, user_id: int, when: datetime, except_id: int | None = None
    ) -> None:
        stmt = update(WebSession).where(
            WebSession.user_id == user_id, WebSession.revoked_at.is_(None)
        )
        if except_id is not None:
            stmt = stmt.where(WebSession.id != except_id)
        self.session.execute(stmt.values(revoked_at=when))
