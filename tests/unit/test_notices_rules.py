"""Notice rules and working time: pure, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

import pytest

from qunguan.domain.errors import DomainError
from qunguan.policy.document import Calendar, Settings
from qunguan.policy.presets import load_preset
from qunguan.policy.rules import notices as rules
from qunguan.policy.workcalendar import (
    add_working_minutes,
    is_workday,
    online_minutes,
    working_minutes_between,
)

S2 = load_preset("s2").settings
OFFICE = rules.Publisher(True, False, frozenset(), False)
LEADER = rules.Publisher(False, True, frozenset(), False)
NOBODY = rules.Publisher(False, False, frozenset(), False)


def granted(groups: frozenset[int] | None) -> rules.Publisher:
    return rules.Publisher(False, False, groups, True)


class TestWhoPublishes:
    @pytest.mark.clause("s2-2.2.3")
    @pytest.mark.parametrize(
        ("publisher", "targets", "authority"),
        [
            (OFFICE, {1, 2}, "office"),
            (LEADER, {1}, "leader"),
            (granted(None), {1, 2}, "authorised_department"),
            (granted(frozenset({1, 2, 3})), {1, 2}, "authorised_department"),
        ],
    )
    def test_the_office_leaders_and_authorised_departments_publish(
        self, publisher: rules.Publisher, targets: set[int], authority: str
    ) -> None:
        assert rules.authority(S2, publisher, targets) == authority

    @pytest.mark.clause("s2-2.2.3")
    @pytest.mark.parametrize(
        "publisher", [NOBODY, granted(frozenset({1})), rules.Publisher(False, False, None, False)]
    )
    def test_anyone_else_is_refused_naming_who_may(self, publisher: rules.Publisher) -> None:
        with pytest.raises(DomainError) as caught:
            rules.authority(S2, publisher, {1, 2})
        assert caught.value.code == "notices.not_publisher"
        assert caught.value.clause_ids == ("s2-2.2.3",)
        assert "办公室" in caught.value.params["publishers"]

    def test_a_policy_without_departments_refuses_a_grant(self) -> None:
        office_only = Settings.model_validate({"notices": {"publishers": ["office"]}})
        with pytest.raises(DomainError):
            rules.authority(office_only, granted(None), {1})

    @pytest.mark.clause("s4-5.2")
    def test_a_sensitive_notice_waits_for_a_leader_where_the_policy_asks(self) -> None:
        s4 = load_preset("s4").settings
        assert rules.needs_leader_approval(s4, True, "office")
        assert not rules.needs_leader_approval(s4, True, "leader")
        assert not rules.needs_leader_approval(s4, False, "office")
        assert not rules.needs_leader_approval(S2, True, "office")


def live(
    notice_id: int, reply: bool, acked: bool = False, seq: int | None = None
) -> rules.LiveNotice:
    return rules.LiveNotice(notice_id, reply, acked, seq or notice_id * 10)


class TestBareReply:
    @pytest.mark.clause("s2-2.2.4a")
    def test_it_acknowledges_the_outstanding_reply_required_notice(self) -> None:
        found = rules.bare_reply(S2, [live(2, True), live(1, True, acked=True)], None)
        assert found == rules.BareReply(2, False)

    @pytest.mark.clause("s2-2.2.4b")
    def test_it_is_absorbed_where_the_notice_needs_no_reply(self) -> None:
        assert rules.bare_reply(S2, [live(1, False)], None) == rules.BareReply(None, True)

    def test_a_reply_to_one_notice_concerns_that_notice_alone(self) -> None:
        notices = [live(1, False), live(2, True)]
        assert rules.bare_reply(S2, notices, 20) == rules.BareReply(2, False)
        assert rules.bare_reply(S2, notices, 10) == rules.BareReply(None, True)
        assert rules.bare_reply(S2, notices, 99) is None

    def test_without_notices_it_is_an_ordinary_message(self) -> None:
        assert rules.bare_reply(S2, [], None) is None
        assert rules.bare_reply(S2, [live(1, True, acked=True)], None) is None

    def test_a_policy_that_does_not_absorb_posts_it(self) -> None:
        keep = Settings.model_validate({"notices": {"absorb_bare_acknowledgements": False}})
        assert rules.bare_reply(keep, [live(1, False)], None) is None


class TestContentHash:
    FIELDS: ClassVar[dict[str, Any]] = dict(
        series=1,
        version=1,
        title="通知",
        body="正文",
        attachments=[{"name": "a.pdf", "size": 3, "sha256": "ab"}],
        reply_required=True,
        deadline=datetime(2026, 12, 20, 9, tzinfo=UTC).replace(tzinfo=None),
        priority="normal",
        group_ids=[2, 1],
        publisher="王丽娟",
        issuer="办公室",
        published_at=datetime(2026, 12, 7, 9, tzinfo=UTC).replace(tzinfo=None),
    )

    @pytest.mark.clause("s2-3.1")
    def test_any_change_of_what_was_published_changes_the_hash(self) -> None:
        base = rules.content_hash(rules.hashed_fields(**self.FIELDS))
        assert len(base) == 64
        for key, value in (("body", "正文。"), ("deadline", None), ("group_ids", [1])):
            changed = rules.content_hash(rules.hashed_fields(**{**self.FIELDS, key: value}))
            assert changed != base

    def test_group_order_does_not_matter(self) -> None:
        one = rules.content_hash(rules.hashed_fields(**self.FIELDS))
        other = rules.content_hash(rules.hashed_fields(**{**self.FIELDS, "group_ids": [1, 2]}))
        assert one == other


# A Monday; the calendar's default hours are 08:30-12:00 and 14:00-17:30 in Asia/Shanghai,
# which is 00:30-04:00 and 06:00-09:30 UTC.
MONDAY = date(2026, 12, 7)
CAL = Calendar()


def utc(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC).replace(tzinfo=None)


class TestWorkingTime:
    def test_weekends_and_holidays_are_days_off_and_exchanged_days_are_worked(self) -> None:
        cal = Calendar(holidays=(MONDAY,), extra_workdays=(date(2026, 12, 12),))
        assert not is_workday(cal, MONDAY)
        assert is_workday(cal, date(2026, 12, 12))  # a Saturday worked in exchange
        assert not is_workday(cal, date(2026, 12, 13))
        assert is_workday(cal, date(2026, 12, 8))

    def test_a_deadline_skips_the_lunch_break_and_the_night(self) -> None:
        # 11:45 local + 30 working minutes = 14:15 local (06:15 UTC).
        assert add_working_minutes(CAL, utc(MONDAY, 3, 45), 30) == utc(MONDAY, 6, 15)
        # 17:20 local Friday + 30 minutes = Monday 08:50 local.
        friday = date(2026, 12, 11)
        assert add_working_minutes(CAL, utc(friday, 9, 20), 30) == utc(date(2026, 12, 14), 0, 50)

    def test_asked_outside_working_hours_the_clock_starts_with_the_next_workday(self) -> None:
        assert add_working_minutes(CAL, utc(MONDAY, 12, 0), 10) == utc(date(2026, 12, 8), 0, 40)

    def test_working_minutes_between_two_moments(self) -> None:
        assert working_minutes_between(CAL, utc(MONDAY, 3, 45), utc(MONDAY, 6, 15)) == 30
        assert working_minutes_between(CAL, utc(MONDAY, 6, 15), utc(MONDAY, 3, 45)) == 0

    @pytest.mark.clause("s2-3.2")
    def test_online_time_counts_working_hours_once_across_overlapping_connections(self) -> None:
        day_start, day_end = utc(MONDAY, 0, 30), utc(MONDAY, 9, 30)
        phone = (utc(MONDAY, 0, 0), utc(MONDAY, 2, 0))  # 08:00-10:00 local: 90 counted
        desktop = (utc(MONDAY, 1, 0), utc(MONDAY, 7, 0))  # overlaps; adds 120 + 60
        assert online_minutes(CAL, [phone, desktop], day_start, day_end) == 90 + 120 + 60
        whole = (utc(MONDAY, 0, 0), utc(MONDAY, 10, 0))
        assert online_minutes(CAL, [whole], day_start, day_end) == 420

    def test_a_calendar_rejects_spans_that_are_not_spans(self) -> None:
        with pytest.raises(ValueError, match="is not a span like 08:30-12:00"):
            Calendar(hours=("17:00-09:00",))
        with pytest.raises(ValueError, match="unknown time zone"):
            Calendar(timezone="Mars/Olympus")
        assert add_working_minutes(CAL, utc(MONDAY, 0, 30), 0) == utc(MONDAY, 0, 30)
