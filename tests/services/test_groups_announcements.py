"""Group announcements (群公告): required sections, versions, a reminder when stale."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.jobs import scheduler
from qunguan.services.groups import announcements
from qunguan.services.uow import Database
from qunguan.store.models import GroupAnnouncement, Notification
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group

FULL = {"工作进展": "预算初稿已完成", "任务分配": "张伟负责汇总", "重要事项": "周五前报局领导"}


def save(db: Database, who: str, group_id: int, sections: dict[str, str]) -> None:
    with db.unit_of_work() as uow:
        announcements.save(uow, principal(db, who), group_id, sections)


def stale_reminders(db: Database) -> list[int]:
    with db.reading() as uow:
        stmt = select(Notification.person_id).where(Notification.kind == "announcement.stale")
        return list(uow.session.scalars(stmt))


@pytest.mark.clause("s7-2.1")
def test_an_announcement_with_an_empty_required_section_is_refused_naming_it(
    db: Database,
) -> None:
    group_id = chat_group(db, "s7")
    with pytest.raises(DomainError) as caught:
        save(db, OWNER, group_id, {**FULL, "任务分配": "  "})
    assert caught.value.code == "announcements.section_empty"
    assert [d.field for d in caught.value.details] == ["任务分配"]
    assert caught.value.clause_ids == ("s7-2.1",)
    save(db, OWNER, group_id, FULL)
    with db.reading() as uow:
        shown = announcements.current(uow, principal(db, MEMBER), group_id)
    assert shown.sections == FULL
    assert not shown.stale
    assert not shown.may_edit
    with pytest.raises(DomainError) as caught:
        save(db, MEMBER, group_id, FULL)
    assert caught.value.code == "groups.not_manager"


@pytest.mark.clause("s7-2.1")
def test_an_announcement_last_updated_8_days_ago_gets_its_admins_reminded(db: Database) -> None:
    group_id = chat_group(db, "s7")
    save(db, OWNER, group_id, FULL)
    assert scheduler.run_due(db)["announcement_staleness"] == 0  # fresh
    with db.unit_of_work() as uow:
        uow.session.execute(
            update(GroupAnnouncement).values(updated_at=utcnow() - timedelta(days=8))
        )
    tomorrow = utcnow() + timedelta(days=1)
    assert scheduler.run_due(db, tomorrow)["announcement_staleness"] == 1
    assert stale_reminders(db) == [principal(db, OWNER).person_id]
    with db.reading() as uow:
        assert announcements.current(uow, principal(db, OWNER), group_id).stale


def test_presets_without_a_staleness_interval_never_remind(db: Database) -> None:
    group_id = chat_group(db, "s2")
    save(db, OWNER, group_id, {"公告": "本群用于预算编制。"})
    assert "announcement_staleness" not in scheduler.run_due(db, utcnow() + timedelta(days=30))
    assert stale_reminders(db) == []
