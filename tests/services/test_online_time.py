"""Online time per workday from live connections (篇二 三.2): a report, never a refusal."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.policy.workcalendar import add_working_minutes, workday_bounds
from qunguan.services import online_time
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import PresenceInterval
from tests.factories import principal
from tests.services.test_messages import MEMBER, OWNER, chat_group

MONDAY = date(2026, 12, 7)


def connected_for(db: Database, who: str, start: datetime, end: datetime) -> None:
    person_id = principal(db, who).person_id
    assert person_id is not None
    with db.unit_of_work() as uow:
        uow.session.add(
            PresenceInterval(person_id=person_id, started_at=start, last_seen_at=end, ended_at=end)
        )


def day_report(db: Database, day: date = MONDAY) -> online_time.OnlineTimeReport:
    with db.reading() as uow:
        return online_time.report(uow, day)


@pytest.mark.clause("s2-3.2")
def test_a_member_online_3h10m_is_listed_short_and_one_online_all_day_is_marked_full(
    db: Database,
) -> None:
    chat_group(db, "s2")
    with db.reading() as uow:
        calendar = policy_versions.require_current(uow).policy.settings.calendar
    bounds = workday_bounds(calendar, MONDAY)
    assert bounds is not None
    start, end = bounds
    connected_for(db, MEMBER, start, add_working_minutes(calendar, start, 190))
    connected_for(db, OWNER, start, end)
    found = day_report(db)
    rows = {r.name: r for r in found.rows}
    assert found.workday
    assert found.threshold_minutes == 240
    assert (rows["孙浩然"].minutes, rows["孙浩然"].short, rows["孙浩然"].full_day) == (
        190,
        True,
        False,
    )
    assert (rows["王丽娟"].short, rows["王丽娟"].full_day) == (False, True)
    # Who fell short comes first.
    assert found.rows[0].short


def test_a_day_off_has_no_working_time_to_count(db: Database) -> None:
    chat_group(db, "s2")
    found = day_report(db, date(2026, 12, 6))  # a Sunday
    assert not found.workday
    assert found.rows == []


def test_presets_that_do_not_ask_record_nothing_and_have_no_report(db: Database) -> None:
    chat_group(db, "s1")
    person_id = principal(db, MEMBER).person_id
    assert person_id is not None
    with db.unit_of_work() as uow:
        assert online_time.connected(uow, person_id) is None
        assert list(uow.session.scalars(select(PresenceInterval))) == []
    with pytest.raises(DomainError) as caught:
        day_report(db)
    assert caught.value.code == "presence.not_tracked"


def test_an_interval_closes_on_disconnect_and_heartbeats_keep_an_open_one(db: Database) -> None:
    chat_group(db, "s2")
    person_id = principal(db, MEMBER).person_id
    assert person_id is not None
    with db.unit_of_work() as uow:
        interval = online_time.connected(uow, person_id)
    assert interval is not None
    an_hour_ago = utcnow() - timedelta(hours=1)
    with db.unit_of_work() as uow:
        uow.session.execute(update(PresenceInterval).values(last_seen_at=an_hour_ago))
    with db.unit_of_work() as uow:
        online_time.heartbeat(uow, [interval])
    with db.reading() as uow:
        row = uow.session.get(PresenceInterval, interval)
        assert row is not None
        assert row.ended_at is None
        assert row.last_seen_at > an_hour_ago + timedelta(minutes=59)
    with db.unit_of_work() as uow:
        online_time.disconnected(uow, interval)
    with db.reading() as uow:
        row = uow.session.get(PresenceInterval, interval)
        assert row is not None
        assert row.ended_at is not None
