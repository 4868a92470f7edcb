"""Responsiveness: assignments and inquiries wait on the members they name, questions on
the group's admins; first responses are timed in working minutes, the overdue reminded."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from qunguan.domain.errors import DomainError
from qunguan.jobs import scheduler
from qunguan.policy.workcalendar import add_working_minutes
from qunguan.services.messages import inquiries
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import Inquiry, Notification
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group, refusal, send
from tests.services.test_notices import second_member


def with_second_member(db: Database, group_id: int, owner: str) -> int:
    """吴晓敏 (M02) joins the group; her person id."""
    second = second_member(db, group_id, owner)
    assert second.person_id is not None
    return second.person_id


def after_the_deadline(db: Database) -> datetime:
    with db.reading() as uow:
        due = uow.session.scalars(select(Inquiry.due_at)).one()
    assert due is not None
    return due + timedelta(minutes=1)


def report(db: Database, who: str, group_id: int, **kw: Any) -> list[inquiries.TargetView]:
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        return inquiries.report(uow, principal(db, who), settings, group_id, **kw)


def reminded(db: Database) -> list[int]:
    with db.reading() as uow:
        stmt = select(Notification.person_id).where(Notification.kind == "inquiry.overdue")
        return list(uow.session.scalars(stmt))


class TestAssignments:
    @pytest.mark.clause("s5-4")
    def test_a_member_who_has_not_answered_in_time_is_reminded_and_reported_overdue(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s5")
        member_id, second_id = (
            principal(db, MEMBER).person_id,
            with_second_member(db, group_id, "leader"),
        )
        assert member_id is not None
        asked = send(
            db,
            "leader",
            group_id,
            "@孙浩然 @吴晓敏 请半小时内报一下本股室的人员经费数",
            mentions=(member_id, second_id),
            expects="assignment",
        )
        assert asked.message is not None
        with db.reading() as uow:
            row = uow.session.scalars(select(Inquiry)).one()
            settings = policy_versions.require_current(uow).policy.settings
        # 30 minutes of working time (篇五 四: 第一时间给予回应), per the s5 policy.
        assert row.due_at == add_working_minutes(settings.calendar, row.asked_at, 30)
        send(db, MEMBER, group_id, "收到，马上报。", reply_to_seq=asked.message.seq)
        later = after_the_deadline(db)
        assert scheduler.run_due(db)["inquiries_overdue"] == 0  # not due yet
        assert scheduler.run_due(db, later)["inquiries_overdue"] == 1
        assert scheduler.run_due(db, later)["inquiries_overdue"] == 0  # reminded once
        assert reminded(db) == [second_id]
        rows = {r.person_id: r for r in report(db, "leader", group_id, now=later)}
        assert rows[member_id].responded_at is not None
        assert not rows[member_id].overdue
        assert rows[second_id].responded_at is None
        assert rows[second_id].overdue
        overdue = report(db, "leader", group_id, only_overdue=True, now=later)
        assert [r.person_id for r in overdue] == [second_id]
        with db.reading() as uow:
            waiting = inquiries.waiting_on_me(uow, principal(db, MEMBER), settings)
        assert waiting == []

    def test_an_assignment_names_who_must_answer(self, db: Database) -> None:
        group_id = chat_group(db, "s5")
        error = refusal(db, "leader", group_id, "请大家报数", expects="assignment")
        assert error.code == "inquiries.targets_required"

    def test_only_the_groups_managers_see_its_report(self, db: Database) -> None:
        group_id = chat_group(db)
        with pytest.raises(DomainError) as caught:
            report(db, MEMBER, group_id)
        assert caught.value.code == "groups.not_manager"


class TestQuestions:
    @pytest.mark.clause("s7-6.1")
    def test_a_question_is_listed_open_and_an_insulting_one_is_blocked(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        asked = send(db, MEMBER, group_id, "年度总结的模板在哪里下载？", expects="question")
        assert asked.status == "stored"
        with db.reading() as uow:
            open_ = inquiries.open_questions(uow, principal(db, MEMBER), group_id)
        assert [q.body for q in open_] == ["年度总结的模板在哪里下载？"]
        blocked = send(db, MEMBER, group_id, "这模板谁做的，脑残吗？", expects="question")
        assert blocked.status == "refused"
        assert blocked.refusal is not None
        assert blocked.refusal.code == "messages.content_blocked"
        with db.reading() as uow:
            assert len(list(uow.session.scalars(select(Inquiry)))) == 1

    @pytest.mark.clause("s7-6.2")
    def test_an_admin_who_does_not_answer_within_24_working_hours_is_reminded(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s7")
        asked = send(db, MEMBER, group_id, "下周的培训需要带电脑吗？", expects="question")
        assert asked.message is not None
        with db.reading() as uow:
            row = uow.session.scalars(select(Inquiry)).one()
            settings = policy_versions.require_current(uow).policy.settings
        assert row.due_at == add_working_minutes(settings.calendar, row.asked_at, 24 * 60)
        later = after_the_deadline(db)
        scheduler.run_due(db, later)
        office = principal(db, OWNER).person_id
        assert reminded(db) == [office]
        [overdue] = report(db, OWNER, group_id, only_overdue=True, now=later)
        assert (overdue.kind, overdue.person_id) == ("question", office)
        # Once an admin answers, the question is no longer open.
        send(db, OWNER, group_id, "需要，请带笔记本电脑。", reply_to_seq=asked.message.seq)
        with db.reading() as uow:
            assert inquiries.open_questions(uow, principal(db, MEMBER), group_id) == []
