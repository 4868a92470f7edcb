"""Online time per workday, from live connections (篇二 三.2: 每个工作日不少于4小时).

Each open stream is an interval: opened on connect, closed on disconnect. A process that
dies cannot close its intervals, so a heartbeat moves ``last_seen_at`` on for every open
one in a single statement, and an interval never closed ends at its last heartbeat.
Counted within the policy's working hours; overlapping connections count once. Report
only: nothing is ever refused for being offline. Where the policy does not ask, nothing is
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import Settings
from qunguan.policy.workcalendar import (
    is_workday,
    online_minutes,
    working_minutes_of_day,
    working_spans,
)
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import PresenceInterval
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.online_time import OnlineTimeRepository

HEARTBEAT_SECONDS = 60
PRESENCE_CLAUSES = ("s2-3.2",)


def tracking(settings: Settings) -> bool:
    return settings.presence.min_online_hours_per_workday is not None


def connected(uow: UnitOfWork, person_id: int) -> int | None:
    """A stream opened: start an interval, where the policy counts online time."""
    in_force = policy_versions.current(uow)
    if in_force is None or not tracking(in_force.policy.settings):
        return None
    now = uow.now()
    row = PresenceInterval(person_id=person_id, started_at=now, last_seen_at=now)
    OnlineTimeRepository(uow.session).add(row)
    return row.id


def disconnected(uow: UnitOfWork, interval_id: int) -> None:
    OnlineTimeRepository(uow.session).close(interval_id, uow.now())


def heartbeat(uow: UnitOfWork, interval_ids: list[int]) -> None:
    if interval_ids:
        OnlineTimeRepository(uow.session).touch(interval_ids, uow.now())


@dataclass(frozen=True)
class OnlineTimeRow:
    person_id: int
    name: str
    staff_no: str
    department: str
    minutes: int
    full_day: bool
    short: bool


@dataclass(frozen=True)
class OnlineTimeReport:
    day: date
    workday: bool
    threshold_minutes: int
    workday_minutes: int
    rows: list[OnlineTimeRow]


def report(uow: UnitOfWork, day: date) -> OnlineTimeReport:
    """Each active person's online working minutes on a day, short of the threshold or
    online throughout. For the office and leaders (the page and API check the permission)."""
    settings = policy_versions.require_current(uow).policy.settings
    hours = settings.presence.min_online_hours_per_workday
    if hours is None:
        raise DomainError("presence.not_tracked", ErrorKind.NOT_FOUND, clause_ids=PRESENCE_CLAUSES)
    calendar = settings.calendar
    threshold, full = int(hours * 60), working_minutes_of_day(calendar, day)
    spans = working_spans(calendar, day)
    if not spans:
        return OnlineTimeReport(day, False, threshold, 0, [])
    since, until = spans[0][0], spans[-1][1]
    intervals = OnlineTimeRepository(uow.session).overlapping(since, until)
    people = [p for p in DirectoryRepository(uow.session).all_people() if p.status == "active"]
    rows = []
    for person in people:
        minutes = online_minutes(calendar, intervals.get(person.id, []), since, until)
        rows.append(
            OnlineTimeRow(
                person.id,
                person.name,
                person.staff_no,
                person.department.name,
                minutes,
                minutes >= full,
                minutes < threshold,
            )
        )
    rows.sort(key=lambda r: (not r.short, r.minutes, r.staff_no))
    return OnlineTimeReport(day, is_workday(calendar, day), threshold, full, rows)


def last_workday(settings: Settings, today: date) -> date:
    """The most recent workday before today, for the report's default."""
    day = today - timedelta(days=1)
    for _ in range(30):
        if is_workday(settings.calendar, day):
            return day
        day -= timedelta(days=1)
    return today - timedelta(days=1)
