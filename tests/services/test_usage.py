"""A group's month in figures for its admins (篇三 三.1.4)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.policy.workcalendar import local_day
from qunguan.services import usage
from qunguan.services.conduct import sanctions
from qunguan.services.notices import acknowledgements
from qunguan.services.notices import publishing as notices
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import Notification
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group, send


@pytest.mark.clause("s3-3.1.4")
def test_the_month_closes_with_a_report_of_members_messages_acknowledgement_answers_and_breaches(
    db: Database,
) -> None:
    group_id = chat_group(db, "s3")
    member = principal(db, MEMBER)
    assert member.person_id is not None
    asked = send(
        db, OWNER, group_id, "@孙浩然 请报一下人数", mentions=(member.person_id,), expects="inquiry"
    )
    assert asked.message is not None
    send(db, MEMBER, group_id, "收到，共 12 人。", reply_to_seq=asked.message.seq)
    send(db, MEMBER, group_id, "好的")  # a bare acknowledgement: not taking part
    with db.unit_of_work() as uow:
        notice = notices.publish(
            uow,
            principal(db, OWNER),
            notices.NoticeDraft("周五例会", "周五上午九点开会。", (group_id,)),
        )
    with db.unit_of_work() as uow:
        acknowledgements.acknowledge(uow, member, notice.id)
        sanctions.record_violation(
            uow, principal(db, OWNER), group_id, staff_no="M01", reason="刷屏"
        )
    with db.reading() as uow:
        calendar = policy_versions.require_current(uow).policy.settings.calendar
        month = local_day(calendar, utcnow()).replace(day=1)
        figures = usage.report(uow, principal(db, OWNER), group_id, month)
    assert (figures.members, figures.active_members, figures.messages) == (2, 2, 3)
    assert (figures.notices, figures.acknowledgement_rate, figures.violations) == (1, 1.0, 1)
    assert figures.median_response_minutes is not None
    # The first tick of next month sends it to the group's managers, once.
    next_month = datetime.combine((month + timedelta(days=32)).replace(day=1), time(4))
    with db.unit_of_work() as uow:
        assert usage.send_monthly(uow, 0, next_month) == 1
    with db.unit_of_work() as uow:
        assert usage.send_monthly(uow, 0, next_month) == 0
    with db.reading() as uow:
        sent = uow.session.scalars(
            select(Notification).where(Notification.kind == "group.usage_report")
        ).one()
    assert sent.person_id == principal(db, OWNER).person_id
    assert (sent.params["month"], sent.params["messages"]) == (month.strftime("%Y-%m"), 3)
    with pytest.raises(DomainError) as caught, db.reading() as uow:
        usage.report(uow, member, group_id, month)
    assert caught.value.code == "groups.not_manager"
