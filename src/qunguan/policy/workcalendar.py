"""Working time by the policy's calendar: which days are workdays, which hours count.

Deadlines for answers (篇五 四) run in working minutes, and online time (篇二 三.2) is
counted within working hours. Times in and out are naive UTC, as stored; the calendar's
days and hours are the agency's local ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from qunguan.policy.document import Calendar

# A deadline further than this many days of calendar away is a misconfigured calendar.
_MAX_DAYS_AHEAD = 400


def is_workday(calendar: Calendar, day: date) -> bool:
    if day in calendar.holidays:
        return False
    return day in calendar.extra_workdays or day.isoweekday() in calendar.workdays


def local_day(calendar: Calendar, at: datetime) -> date:
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(calendar.timezone)).date()


def working_spans(calendar: Calendar, day: date) -> list[tuple[datetime, datetime]]:
    """The day's working hours as naive UTC spans, in order; none on a day off."""
    if not is_workday(calendar, day):
        return []
    zone = ZoneInfo(calendar.timezone)
    spans = []
    for span in sorted(calendar.hours):
        start, end = (time.fromisoformat(part) for part in span.split("-"))
        spans.append(
            (
                _utc(datetime.combine(day, start, zone)),
                _utc(datetime.combine(day, end, zone)),
            )
        )
    return spans


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def add_working_minutes(calendar: Calendar, start: datetime, minutes: int) -> datetime:
    """The moment ``minutes`` of working time after ``start`` have passed."""
    left = timedelta(minutes=minutes)
    day = local_day(calendar, start)
    for _ in range(_MAX_DAYS_AHEAD):
        for begin, end in working_spans(calendar, day):
            begin = max(begin, start)
            if begin >= end:
                continue
            if end - begin >= left:
                return begin + left
            left -= end - begin
        day += timedelta(days=1)
    raise ValueError("the calendar has no working time ahead")


def working_minutes_between(calendar: Calendar, start: datetime, end: datetime) -> int:
    """How many working minutes lie between two moments (0 if end is not after start)."""
    return online_minutes(calendar, [(start, end)], start, end)


def online_minutes(
    calendar: Calendar,
    intervals: Iterable[tuple[datetime, datetime]],
    since: datetime,
    until: datetime,
) -> int:
    """Working minutes between since and until covered by at least one interval.

    Overlapping connections (a phone and a desktop) count once.
    """
    merged: list[list[datetime]] = []
    for begin, end in sorted((max(b, since), min(e, until)) for b, e in intervals):
        if begin >= end:
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    if not merged:
        return 0
    total = timedelta()
    day, last = local_day(calendar, merged[0][0]), local_day(calendar, merged[-1][1])
    while day <= last:
        for w_begin, w_end in working_spans(calendar, day):
            for begin, end in merged:
                overlap = min(end, w_end) - max(begin, w_begin)
                if overlap > timedelta():
                    total += overlap
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


def workday_bounds(calendar: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """The first and last working moment of a workday, as naive UTC; None on a day off."""
    spans = working_spans(calendar, day)
    return (spans[0][0], spans[-1][1]) if spans else None


def working_minutes_of_day(calendar: Calendar, day: date) -> int:
    return sum(
        int((end - begin).total_seconds() // 60) for begin, end in working_spans(calendar, day)
    )
