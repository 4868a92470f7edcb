"""The unit of work: one database transaction and the events it raises.

The edge (a request handler, a CLI command, a job) opens it and commits; services only use
it. Events a consumer reads back are written to the outbox inside the transaction; every
event is handed to in-process subscribers after the commit succeeds, so nobody hears of a
change that was rolled back.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from qunguan.domain.clock import SYSTEM_CLOCK, Clock
from qunguan.domain.events import DomainEvent, LiveEvent
from qunguan.store.db import make_session_factory
from qunguan.store.repositories.outbox import OutboxRepository

Subscriber = Callable[[DomainEvent], None]
LiveSubscriber = Callable[[LiveEvent], None]
T = TypeVar("T")

# How many units of work one group commit takes at the most.
MAX_BATCH = 64


class UnitOfWork:
    def __init__(self, session: Session, clock: Clock = SYSTEM_CLOCK) -> None:
        self.session = session
        self.clock = clock
        self.events: list[DomainEvent] = []
        self.live: list[LiveEvent] = []

    def now(self) -> datetime:
        """The time of the clock this unit of work runs on (naive UTC)."""
        return self.clock.now()

    def raise_event(self, event: DomainEvent) -> None:
        if event.stored:
            OutboxRepository(self.session).add(event)
        self.events.append(event)

    def publish(self, event: LiveEvent) -> None:
        """Tell connected clients once the transaction has committed; never if it rolls back."""
        self.live.append(event)


class Database:
    """The composition of engine, session factory and after-commit subscribers."""

    def __init__(self, engine: Engine, clock: Clock = SYSTEM_CLOCK) -> None:
        self.engine = engine
        self.clock = clock
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._subscribers: list[Subscriber] = []
        self._live_subscribers: list[LiveSubscriber] = []
        self._committer = GroupCommitter(self)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def subscribe_live(self, subscriber: LiveSubscriber) -> None:
        """Hear every live event after its transaction commits (the realtime hub does)."""
        self._live_subscribers.append(subscriber)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """Commit when the block ends normally; roll back on any exception."""
        with self._sessions() as session:
            uow = UnitOfWork(session, self.clock)
            try:
                yield uow
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self.announce(uow)

    def announce(self, uow: UnitOfWork) -> None:
        """Hand a committed unit of work's events to the subscribers."""
        for event in uow.events:
            for subscriber in self._subscribers:
                subscriber(event)
        for live in uow.live:
            for live_subscriber in self._live_subscribers:
                live_subscriber(live)

    def batched(self, work: Callable[[UnitOfWork], T]) -> T:
        """Run ``work`` in a transaction it shares with whatever else is waiting to commit
        (group commit): one disk flush for many messages. It returns, or raises, only once
        that transaction is over; a failing ``work`` is rolled back alone."""
        return self._committer.submit(work).result()

    async def batched_async(self, work: Callable[[UnitOfWork], T]) -> T:
        """``batched`` for an event loop: waits for the commit without holding a thread."""
        return await asyncio.wrap_future(self._committer.submit(work))

    def session_factory(self) -> sessionmaker[Session]:
        return self._sessions

    @contextmanager
    def reading(self) -> Iterator[UnitOfWork]:
        """A unit of work that only reads: nothing is committed.

        Closing (not rolling back) ends the transaction without expiring what was loaded,
        so a page can still render the objects it read.
        """
        with self._sessions() as session:
            yield UnitOfWork(session, self.clock)


@dataclass
class _Job(Generic[T]):
    work: Callable[[UnitOfWork], T]
    future: Future[T] = field(default_factory=Future)
    result: Any = None
    error: BaseException | None = None
    uow: UnitOfWork | None = None


class GroupCommitter:
    """One writer thread per process that commits waiting units of work together.

    Each unit of work runs inside its own savepoint, so a refusal (or a crash of one)
    rolls back only its own changes; the batch then commits once. Nobody is answered
    before the commit that holds their change has succeeded, and a failed commit fails
    every unit of work in it.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._queue: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, work: Callable[[UnitOfWork], T]) -> Future[T]:
        """Queue ``work``; the future resolves once its batch has committed (or failed)."""
        job: _Job[T] = _Job(work)
        self._start()
        self._queue.put(job)
        return job.future

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="qunguan-group-commit", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[_Job[Any]]) -> None:
        try:
            with self._database.session_factory()() as session:
                for job in batch:
                    uow = UnitOfWork(session, self._database.clock)
                    try:
                        with session.begin_nested():
                            job.result = job.work(uow)
                        job.uow = uow
                    except Exception as exc:  # the caller gets it; the batch goes on
                        job.error = exc
                try:
                    session.commit()
                except BaseException as exc:
                    session.rollback()
                    for job in batch:
                        if job.error is None:
                            job.error, job.uow = exc, None
        except BaseException as exc:  # not even a session: fail them all, keep serving
            for job in batch:
                if job.error is None:
                    job.error, job.uow = exc, None
        for job in batch:
            if job.uow is not None:
                self._database.announce(job.uow)
            if job.error is not None:
                job.future.set_exception(job.error)
            else:
                job.future.set_result(job.result)
