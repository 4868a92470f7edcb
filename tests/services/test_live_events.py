"""The live events each use case hands to connected clients: how many, which, to whom,
and only once its unit of work has committed (never when it rolled back)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from qunguan.domain.errors import DomainError
from qunguan.domain.events import LiveEvent
from qunguan.services.conduct import sanctions
from qunguan.services.membership import members
from qunguan.services.messages import conversation as messages
from qunguan.services.notices import publishing as notices
from qunguan.services.uow import Database, UnitOfWork
from tests.factories import principal
from tests.services.test_groups import apply, decide
from tests.services.test_membership import accept, approved_invitation, make_group
from tests.services.test_messages import MEMBER, OWNER, chat_group, send
from tests.services.test_notices import draft, notice_group

T = TypeVar("T")


@dataclass
class Heard:
    """What the live subscribers of a database heard during one unit of work."""

    events: list[LiveEvent] = field(default_factory=list)

    def run(self, db: Database, work: Callable[[UnitOfWork], T]) -> T:
        """``work`` in a unit of work of its own; nothing may be heard before it commits."""
        self.events.clear()
        with db.unit_of_work() as uow:
            result = work(uow)
            early = list(self.events)
        assert early == [], "heard before the commit"
        return result

    @property
    def kinds(self) -> list[tuple[str, int]]:
        return [(e.type, e.group_id) for e in self.events]


@pytest.fixture
def heard(db: Database) -> Heard:
    found = Heard()
    db.subscribe_live(found.events.append)
    return found


class TestMessages:
    def test_a_stored_message_is_one_message_event_to_its_group(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = chat_group(db)
        member = principal(db, MEMBER)
        outcome = heard.run(
            db, lambda uow: messages.send(uow, member, group_id, messages.Draft("e-1", "好的"))
        )
        assert outcome.status == "stored"
        assert outcome.message
        assert heard.kinds == [("message", group_id)]
        (event,) = heard.events
        assert event.data == outcome.message.wire
        assert (event.person_ids, event.grant, event.revoke) == ((), (), ())

    def test_a_held_message_is_heard_by_nobody(self, db: Database, heard: Heard) -> None:
        group_id = chat_group(db, "s1")
        member = principal(db, MEMBER)
        outcome = heard.run(
            db,
            lambda uow: messages.send(
                uow, member, group_id, messages.Draft("e-1", "这种表格谁设计的，真是脑残")
            ),
        )
        assert outcome.status == "held"
        assert heard.events == []

    def test_a_refusal_is_heard_by_nobody(self, db: Database, heard: Heard) -> None:
        group_id = chat_group(db)
        member = principal(db, MEMBER)
        with pytest.raises(DomainError) as caught:
            heard.run(
                db, lambda uow: messages.send(uow, member, group_id, messages.Draft("e-1", " "))
            )
        assert caught.value.code == "messages.body_empty"
        # The content engine's refusal commits (it is audited) but tells no one.
        refused = heard.run(
            db,
            lambda uow: messages.send(uow, member, group_id, messages.Draft("e-2", "色情视频")),
        )
        assert refused.status == "refused"
        assert heard.events == []

    def test_a_rolled_back_unit_of_work_is_heard_by_nobody(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = chat_group(db)
        member = principal(db, MEMBER)

        def send_then_fail(uow: UnitOfWork) -> None:
            outcome = messages.send(uow, member, group_id, messages.Draft("e-1", "好的"))
            assert outcome.status == "stored"
            assert len(uow.live) == 1  # raised, waiting for the commit
            raise RuntimeError("the edge failed after the send")

        with pytest.raises(RuntimeError):
            heard.run(db, send_then_fail)
        assert heard.events == []
        # Nothing of it was kept: the next message takes the first number, and is heard.
        again = heard.run(
            db, lambda uow: messages.send(uow, member, group_id, messages.Draft("e-1", "好的"))
        )
        assert again.message
        assert again.message.seq == 1
        assert heard.kinds == [("message", group_id)]

    def test_an_edit_a_pin_and_a_recall_are_one_event_each(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = chat_group(db)
        send(db, MEMBER, group_id, "下午三点开会")
        member, owner = principal(db, MEMBER), principal(db, OWNER)
        heard.run(db, lambda uow: messages.edit(uow, member, group_id, 1, "下午四点开会"))
        assert heard.kinds == [("edit", group_id)]
        assert heard.events[0].data["body"] == "下午四点开会"
        heard.run(db, lambda uow: messages.set_pin(uow, owner, group_id, 1, True))
        assert heard.kinds == [("pin", group_id)]
        assert heard.events[0].data == {"seq": 1, "pinned": True}
        heard.run(db, lambda uow: messages.recall(uow, member, group_id, 1))
        assert heard.kinds == [("recall", group_id)]
        assert heard.events[0].data == {"seq": 1}


class TestNotices:
    @pytest.mark.parametrize("groups", [1, 2])
    def test_a_notice_is_one_message_event_per_target_group(
        self, db: Database, heard: Heard, groups: int
    ) -> None:
        group_id, _second = notice_group(db)
        targets = [group_id]
        if groups == 2:
            other = decide(
                db, "office", apply(db, name="预算股-预算执行分析", owner_staff_no="O01")
            )
            assert other is not None
            targets.append(other)
        owner = principal(db, OWNER)
        notice = heard.run(db, lambda uow: notices.publish(uow, owner, draft(tuple(targets))))
        assert sorted(heard.kinds) == sorted(("message", g) for g in targets)
        for event in heard.events:
            assert event.data["kind"] == "notice"
            assert event.data["notice"]["id"] == notice.id

    def test_a_notice_waiting_for_approval_is_heard_by_nobody(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = make_group(db, "s4", owner="O01", approver="leader")
        accept(db, MEMBER, approved_invitation(db, group_id, "M01"))
        owner = principal(db, OWNER)
        notice = heard.run(
            db, lambda uow: notices.publish(uow, owner, draft((group_id,), sensitive=True))
        )
        assert notice.status == "pending_approval"
        assert heard.events == []


class TestMembership:
    def test_a_mute_is_one_event_to_the_muted_member_alone(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = chat_group(db)
        owner, member = principal(db, OWNER), principal(db, MEMBER)
        heard.run(db, lambda uow: sanctions.mute(uow, owner, group_id, "M01", 1, "刷屏"))
        assert heard.kinds == [("muted", group_id)]
        assert heard.events[0].person_ids == (member.person_id,)
        assert heard.events[0].data["reason"] == "刷屏"

    def test_joining_grants_the_group_and_removal_revokes_it(
        self, db: Database, heard: Heard
    ) -> None:
        group_id = chat_group(db)
        owner, member = principal(db, OWNER), principal(db, MEMBER)
        heard.run(db, lambda uow: members.remove(uow, owner, group_id, "M01", "调离本项目"))
        assert heard.kinds == [("member_left", group_id)]
        assert heard.events[0].revoke == (member.person_id,)
        assert heard.events[0].data == {"person_id": member.person_id, "how": "removed"}
        outcome = heard.run(db, lambda uow: members.invite(uow, owner, group_id, "M01"))
        assert outcome.result == "invitation"
        assert heard.events == []  # nobody joins until the member accepts
        heard.run(db, lambda uow: members.respond(uow, member, outcome.id, accept=True))
        assert heard.kinds == [("member_joined", group_id)]
        assert heard.events[0].grant == (member.person_id,)
