"""The SQL each hot path issues, counted statement by statement on both backends.

Everything a path needs is set up first (and one call made before, so that what a process
caches once, such as the policy version in force, is warm); then only the one call is
counted, inside its own unit of work, with a ``before_cursor_execute`` listener on the
engine. That sees every statement the application sends through SQLAlchemy, transaction
control included: SQLite's ``BEGIN IMMEDIATE`` (issued before the first savepoint, see
``store/db.py``) and the ``SAVEPOINT``/``RELEASE`` pair around taking the sequence number
and storing the message. Those are counted and named too, but apart from the statements
that read or write data. The driver's own ``BEGIN`` and ``COMMIT`` (psycopg, sqlite3) and
PostgreSQL's pool ping go straight to the driver and are not seen, on purpose: they are
the same for every unit of work.

The send path's content engine looks at the revision of the agency's lists at most once a
second; the send tests give it a slot of its own whose next look is either not due (the
steady state) or due (one statement more), so the count never depends on the clock.

Measured, the same on SQLite and PostgreSQL (but SQLite's ``BEGIN IMMEDIATE``): a plain
send is 1 SELECT, 1 UPDATE, 1 INSERT inside SAVEPOINT/RELEASE; a first acknowledgement 2
SELECTs and 1 INSERT, a repeated one a SELECT more; a page of history 9 SELECTs, whatever
its length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, event

from qunguan.domain.actor import Principal
from qunguan.moderation import EngineSlot, default_engine
from qunguan.services import term_lists
from qunguan.services.messages import conversation as messages
from qunguan.services.notices import acknowledgements
from qunguan.services.uow import Database, UnitOfWork
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group, send
from tests.services.test_notices import notice_group, publish

T = TypeVar("T")
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")


class Statements(list[str]):
    """The statements seen, each as its first words (``SELECT``, ``INSERT INTO notices``)."""

    @property
    def data(self) -> list[str]:
        return [s for s in self if not s.startswith(CONTROL)]

    @property
    def control(self) -> list[str]:
        return [s for s in self if s.startswith(CONTROL)]

    @property
    def kinds(self) -> list[str]:
        return [s.split()[0] for s in self.data]


def _head(statement: str) -> str:
    words = statement.split()
    if words[0] in ("INSERT", "DELETE"):
        return " ".join(words[:3])  # INSERT INTO table, DELETE FROM table
    if words[0] == "UPDATE":
        return " ".join(words[:2])  # UPDATE table
    if words[0] == "SAVEPOINT" or words[:2] == ["RELEASE", "SAVEPOINT"]:
        return " ".join(w for w in words if not w.startswith("sa_savepoint"))
    return " ".join(words[:2]) if words[0] == "BEGIN" else words[0]


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    seen = Statements()

    def listener(*args: Any) -> None:
        seen.append(_head(args[2]))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def lists_check(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """Give the paths a content slot of their own; ``lists_check(due)`` decides whether its
    next look at the lists' revision is due."""
    slot = EngineSlot(default_engine(), interval=3600)
    monkeypatch.setattr(term_lists, "default_slot", lambda: slot)

    def set_due(due: bool) -> None:
        slot.expire()
        if not due:
            assert slot.due()  # the look is taken now: the next is an hour away

    return set_due


def counted(db: Database, work: Callable[[UnitOfWork], T]) -> tuple[T, Statements]:
    with counting(db.engine) as seen, db.unit_of_work() as uow:
        result = work(uow)
    return result, seen


def backend(db: Database) -> str:
    return db.engine.dialect.name


def warm_group(db: Database) -> tuple[int, Principal]:
    group_id = chat_group(db)
    send(db, OWNER, group_id, "请大家注意查收")  # the policy version in force, now cached
    return group_id, principal(db, MEMBER)


class TestSend:
    def test_a_plain_message_is_one_read_one_update_one_insert(
        self, db: Database, lists_check: Callable[[bool], None]
    ) -> None:
        group_id, member = warm_group(db)
        lists_check(False)
        outcome, seen = counted(
            db,
            lambda uow: messages.send(uow, member, group_id, messages.Draft("q-1", "下午三点开会")),
        )
        assert outcome.status == "stored"
        assert outcome.message
        assert outcome.message.seq == 2
        assert seen.data == ["SELECT", "UPDATE groups", "INSERT INTO messages"]
        begin = ["BEGIN IMMEDIATE"] if backend(db) == "sqlite" else []
        assert seen.control == [*begin, "SAVEPOINT", "RELEASE SAVEPOINT"]

    def test_when_the_lists_are_due_for_a_look_it_costs_one_read_more(
        self, db: Database, lists_check: Callable[[bool], None]
    ) -> None:
        group_id, member = warm_group(db)
        lists_check(True)
        outcome, seen = counted(
            db,
            lambda uow: messages.send(uow, member, group_id, messages.Draft("q-1", "下午三点开会")),
        )
        assert outcome.status == "stored"
        assert seen.kinds == ["SELECT", "SELECT", "UPDATE", "INSERT"]
        assert seen.data[2:] == ["UPDATE groups", "INSERT INTO messages"]

    def test_a_retried_send_reads_its_first_answer_back_and_writes_nothing(
        self, db: Database, lists_check: Callable[[bool], None]
    ) -> None:
        group_id, member = warm_group(db)
        send(db, MEMBER, group_id, "好的", client_id="same")
        lists_check(False)
        outcome, seen = counted(
            db, lambda uow: messages.send(uow, member, group_id, messages.Draft("same", "好的"))
        )
        assert outcome.status == "stored"
        assert outcome.message
        assert outcome.message.seq == 2
        # Nothing is written: the one read finds the client id taken, then the message
        # stored the first time and its sender's name are read back.
        assert seen.kinds == ["SELECT", "SELECT", "SELECT"]
        assert seen.control == []


class TestAcknowledge:
    def test_a_first_acknowledgement_is_two_reads_and_one_insert(self, db: Database) -> None:
        group_id, _second = notice_group(db)
        notice_id = publish(db, OWNER, (group_id,))
        member = principal(db, MEMBER)
        done, seen = counted(db, lambda uow: acknowledgements.acknowledge(uow, member, notice_id))
        assert done.first
        assert seen.data == ["SELECT", "SELECT", "INSERT INTO notice_acknowledgements"]
        assert seen.control == []

    def test_a_second_acknowledgement_reads_the_first_back(self, db: Database) -> None:
        group_id, _second = notice_group(db)
        notice_id = publish(db, OWNER, (group_id,))
        member = principal(db, MEMBER)
        with db.unit_of_work() as uow:
            first = acknowledgements.acknowledge(uow, member, notice_id)
        again, seen = counted(db, lambda uow: acknowledgements.acknowledge(uow, member, notice_id))
        assert (again.first, again.at) == (False, first.at)
        # The insert finds the acknowledgement there and does nothing; one read brings it.
        assert seen.data == [
            "SELECT",
            "SELECT",
            "INSERT INTO notice_acknowledgements",
            "SELECT",
        ]


class TestHistory:
    @pytest.mark.parametrize("messages_in_group", [1, 12])
    def test_a_page_of_history_costs_the_same_whatever_its_length(
        self, db: Database, messages_in_group: int
    ) -> None:
        group_id, member = warm_group(db)
        for i in range(messages_in_group - 1):
            send(db, OWNER if i % 2 else MEMBER, group_id, f"第{i}条")
        page, seen = counted(db, lambda uow: messages.history(uow, member, group_id, limit=10))
        assert len(page.messages) == min(messages_in_group, 10)
        assert seen.control == []
        assert seen.kinds == ["SELECT"] * len(seen.kinds)
        assert len(seen.kinds) == HISTORY_READS

    def test_a_page_before_a_sequence_number_costs_the_same(self, db: Database) -> None:
        group_id, member = warm_group(db)
        for i in range(5):
            send(db, OWNER, group_id, f"第{i}条")
        page, seen = counted(
            db, lambda uow: messages.history(uow, member, group_id, before=4, limit=2)
        )
        assert [m.seq for m in page.messages] == [2, 3]
        assert seen.kinds == ["SELECT"] * HISTORY_READS


# The group; the reader's membership; the reader's suspension; the page; the pinned; the
# reader's own held messages; the policy in force; the senders' names; the read position.
HISTORY_READS = 9
