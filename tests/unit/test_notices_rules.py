"""Notice rules and working time: pure, no database."""

from __future__ import annotations

import inspect
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


def naive(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """A time as stored: UTC, without a zone."""
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC).replace(tzinfo=None)


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
        with pytest.raises(DomainError) as caught:
            rules.authority(office_only, granted(None), {1})
        assert caught.value.code == "notices.not_publisher"
        assert caught.value.params["publishers"] == "办公室"

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
        deadline=naive(2026, 12, 20, 9),
        priority="normal",
        group_ids=[2, 1],
        publisher="王丽娟",
        issuer="办公室",
        published_at=naive(2026, 12, 7, 9),
    )
    # Every field the hash covers, and for each the changes that must change the hash.
    CHANGES: ClassVar[dict[str, list[Any]]] = {
        "series": [2],
        "version": [2],
        "title": ["通知（更正）"],
        "body": ["正文。", "正文 "],
        "attachments": [
            [],
            [{"name": "b.pdf", "size": 3, "sha256": "ab"}],
            [{"name": "a.pdf", "size": 4, "sha256": "ab"}],
            [{"name": "a.pdf", "size": 3, "sha256": "ac"}],
            [
                {"name": "a.pdf", "size": 3, "sha256": "ab"},
                {"name": "c.pdf", "size": 1, "sha256": "cd"},
            ],
        ],
        "reply_required": [False],
        "deadline": [
            None,
            naive(2026, 12, 20, 9, 0, 1),
            naive(2026, 12, 21, 9),
        ],
        "priority": ["urgent"],
        "group_ids": [[1], [1, 2, 3], [2, 3]],
        "publisher": ["李明"],
        "issuer": ["预算股"],
        "published_at": [
            naive(2026, 12, 7, 9, 0, 1),
            naive(2026, 12, 8, 9),
        ],
    }

    def digest(self, **changed: Any) -> str:
        return rules.content_hash(rules.hashed_fields(**{**self.FIELDS, **changed}))

    def test_the_test_changes_every_field_the_hash_covers(self) -> None:
        """A field added to the hash must be added here, or this fails."""
        parameters = set(inspect.signature(rules.hashed_fields).parameters)
        assert set(self.FIELDS) == parameters
        assert set(self.CHANGES) == parameters
        covered = set(rules.hashed_fields(**self.FIELDS))
        assert covered == (parameters - {"group_ids"}) | {"groups"}

    @pytest.mark.clause("s2-3.1")
    @pytest.mark.parametrize(
        ("field", "value"),
        [(field, value) for field, values in CHANGES.items() for value in values],
    )
    def test_any_change_of_what_was_published_changes_the_hash(
        self, field: str, value: Any
    ) -> None:
        base = self.digest()
        assert len(base) == 64
        assert self.digest(**{field: value}) != base

    def test_each_change_gives_a_hash_of_its_own(self) -> None:
        hashes = [
            self.digest(**{field: value})
            for field, values in self.CHANGES.items()
            for value in values
        ]
        assert len(set(hashes)) == len(hashes)
        assert self.digest() not in hashes

    @pytest.mark.parametrize(
        "changed",
        [
            {"group_ids": [1, 2]},  # the order of the groups
            {
                "deadline": datetime(2026, 12, 20, 9, 0, 0, 999_999, tzinfo=UTC).replace(
                    tzinfo=None
                )
            },  # below a second
            {"published_at": naive(2026, 12, 7, 9, 0, 0, 1)},
            # What an attachment holds besides its name, size and hash (its bytes are
            # covered by the hash of them).
            {"attachments": [{"name": "a.pdf", "size": 3, "sha256": "ab", "content": b"abc"}]},
            {"attachments": [{"name": "a.pdf", "size": 3, "sha256": "ab", "id": 7}]},
        ],
    )
    def test_what_the_hash_does_not_cover_leaves_it_alone(self, changed: dict[str, Any]) -> None:
        assert self.digest(**changed) == self.digest()


# A Monday; the calendar's default hours are 08:30-12:00 and 14:00-17:30 in Asia/Shanghai,
# which is 00:30-04:00 and 06:00-09:30 UTC.
MONDAY = date(2026, 12, 7)
CAL = Calendar()


def utc(day: date, hh: int, mm: int = 0) -> datetime:
    return naive(day.year, day.month, day.day, hh, mm)


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
