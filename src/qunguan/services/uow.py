"""The unit of work: one database transaction and the events it raises.

The edge (a request handler, a CLI command, a job) opens it and commits; services only use
it. Events are written to the outbox inside the transaction and handed to in-process
subscribers after the commit succeeds, so nobody hears of a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qunguan.domain.events import DomainEvent
from qunguan.store.db import make_session_factory
from qunguan.store.repositories.outbox import OutboxRepository

Subscriber = Callable[[DomainEvent], None]


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.events: list[DomainEvent] = []

    def raise_event(self, event: DomainEvent) -> None:
        OutboxRepository(self.session).add(event)
        self.events.append(event)


class Database:
    """The composition of engine, session factory and after-commit subscribers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Commit when the block ends normally; roll back on any exception."""
        with self._sessions() as session:
            uow = UnitOfWork(session)
            try:
                yield uow
                session.commit()
            except BaseException:
                session.rollback()
                raise
        for event in uow.events:
            for subscriber in self._subscribers:
                subscriber(event)

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads: nothing is committed.

        Closing (not rolling back) ends the transaction without expiring what was loaded,
        so a page can still render the objects it read.
        """
        with self._sessions() as session:
            yield UnitOfWork(session)
