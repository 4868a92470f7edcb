"""Inactive members: listed with their last substantive activity, removed only after their
department confirms (篇七 九.2, 篇四 七.2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.jobs import scheduler
from qunguan.policy.rules.membership import is_department_head
from qunguan.policy.rules.posting import is_substantive
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import inactivity, members
from qunguan.services.uow import Database, UnitOfWork
from qunguan.store.models import AuditRecord, Membership
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group, send


def joined_long_ago(db: Database, group_id: int, days: int = 61) -> None:
    with db.unit_of_work() as uow:
        uow.session.execute(
            update(Membership)
            .where(Membership.group_id == group_id)
            .values(joined_at=utcnow() - timedelta(days=days))
        )


def found(db: Database, group_id: int) -> list[inactivity.InactiveView]:
    with db.unit_of_work() as uow:
        inactivity.find_inactive(uow, now=utcnow() + timedelta(minutes=1))
    with db.reading() as uow:
        return inactivity.report(uow, principal(db, OWNER), group_id)


@pytest.mark.parametrize(
    ("body", "substantive"),
    [("收到", False), ("收到！", False), ("好的。", False), ("OK", False), ("收到，下午到", True)],
)
def test_bare_acknowledgements_do_not_count_as_taking_part(body: str, substantive: bool) -> None:
    assert is_substantive(body) is substantive


def test_department_heads_are_known_by_their_post() -> None:
    assert [is_department_head(p) for p in ("股长", "办公室主任", "科员", "")] == [
        True,
        True,
        False,
        False,
    ]


class TestInactivity:
    @pytest.mark.clause("s7-9.2a")
    def test_a_member_whose_only_messages_are_bare_acknowledgements_is_listed(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s7")
        joined_long_ago(db, group_id)
        send(db, MEMBER, group_id, "收到")
        listed = found(db, group_id)
        assert [(v.person_name, v.employment_status, v.last_activity_at) for v in listed] == [
            ("孙浩然", "active", None)
        ]

    def test_a_member_who_takes_part_is_not_listed(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        joined_long_ago(db, group_id)
        send(db, MEMBER, group_id, "预算表已上传，请审阅")
        assert found(db, group_id) == []

    def test_presets_without_an_inactivity_period_list_nobody(self, db: Database) -> None:
        group_id = chat_group(db, "s2")
        joined_long_ago(db, group_id, days=4000)
        assert found(db, group_id) == []

    @pytest.mark.clause("s7-9.2b", "s4-7.2")
    def test_removal_waits_for_the_departments_confirmation(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        joined_long_ago(db, group_id)
        (listed,) = found(db, group_id)
        owner = principal(db, OWNER)
        acts: tuple[Callable[[UnitOfWork], object], ...] = (
            lambda uow: inactivity.remove(uow, owner, listed.finding_id),
            lambda uow: membership_audit.resolve_finding(
                uow, owner, listed.finding_id, remove=True
            ),
        )
        for act in acts:
            with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
                act(uow)
            assert caught.value.code == "inactivity.not_confirmed"
        with db.unit_of_work() as uow:
            inactivity.request_confirmation(uow, owner, listed.finding_id)
        # 预算股 has no head in the directory: the office answers for it.
        with db.reading() as uow:
            waiting = inactivity.tasks(uow, principal(db, OWNER))
            nothing = inactivity.tasks(uow, principal(db, MEMBER))
        assert [t.finding_id for t in waiting] == [listed.finding_id]
        assert nothing == []
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            inactivity.confirm(
                uow, principal(db, MEMBER), listed.finding_id, no_longer_needed=True, note=""
            )
        # Not theirs to answer: it looks like no such finding.
        assert caught.value.code == "members.finding.not_found"
        with db.unit_of_work() as uow:
            inactivity.confirm(
                uow, owner, listed.finding_id, no_longer_needed=True, note="已调整分工"
            )
            inactivity.remove(uow, owner, listed.finding_id)
        with db.reading() as uow:
            assert not members.is_active_member(uow, group_id, principal(db, MEMBER).person_id or 0)
            removal = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "member.inactivity_removed")
            ).one()
        assert removal.summary["confirmed_by"] == owner.user_id

    def test_a_department_that_keeps_the_member_closes_the_finding(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        joined_long_ago(db, group_id)
        (listed,) = found(db, group_id)
        owner = principal(db, OWNER)
        with db.unit_of_work() as uow:
            inactivity.request_confirmation(uow, owner, listed.finding_id)
            inactivity.confirm(
                uow, owner, listed.finding_id, no_longer_needed=False, note="仍在项目中"
            )
        assert found(db, group_id) == []  # kept: not listed again until it is silent anew

    def test_the_scheduler_runs_the_check_daily_under_s7(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        joined_long_ago(db, group_id)
        done = scheduler.run_due(db)
        assert done.get("inactivity_check") == 1
        assert scheduler.run_due(db).get("inactivity_check") is None  # once a day
