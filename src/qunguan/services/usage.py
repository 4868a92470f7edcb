"""A group's month in figures for its admins (篇三 三.1.4: 定期检查工作群的使用情况和绩效
表现): active members, messages, the notice acknowledgement rate, the median time to a
first answer, violations. The scheduler sends last month's to each group's managers where
the policy asks; managers and the office read any month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import Calendar
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.policy.workcalendar import local_day, working_minutes_between
from qunguan.services.access import access_group
from qunguan.services.membership import audit as membership_audit
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Group
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.notifications import NotificationRepository
from qunguan.store.repositories.usage import UsageRepository

USAGE_CLAUSES = ("s3-3.1.4",)


@dataclass(frozen=True)
class Usage:
    group_id: int
    group: str
    month: str  # YYYY-MM, in the agency's time zone
    members: int
    active_members: int
    messages: int
    notices: int
    acknowledgement_rate: float | None  # acknowledged / recipients of reply-required notices
    median_response_minutes: int | None  # working minutes to a first answer
    violations: int


def month_bounds(calendar: Calendar, month: date) -> tuple[datetime, datetime]:
    """The month's first and the next month's first moment, local midnight, as naive UTC."""
    zone = ZoneInfo(calendar.timezone)
    first = month.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    since, until = (
        datetime.combine(d, time(), zone).astimezone(UTC).replace(tzinfo=None)
        for d in (first, following)
    )
    return since, until


def _figures(uow: UnitOfWork, group: Group, month: date) -> Usage:
    calendar = policy_versions.require_current(uow).policy.settings.calendar
    since, until = month_bounds(calendar, month)
    repo = UsageRepository(uow.session)
    total, active = repo.messages(group.id, since, until)
    notices, recipients, acknowledged = repo.acknowledgement(group.id, since, until)
    minutes = [
        working_minutes_between(calendar, a, r) for a, r in repo.responses(group.id, since, until)
    ]
    return Usage(
        group.id,
        group.name,
        month.strftime("%Y-%m"),
        repo.members(group.id),
        active,
        total,
        notices,
        round(acknowledged / recipients, 3) if recipients else None,
        int(median(minutes)) if minutes else None,
        repo.violations(group.id, since, until),
    )


def report(uow: UnitOfWork, principal: Principal, group_id: int, month: date) -> Usage:
    """A month's figures of a group, for its owner and admins and the office."""
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role) and Role.OFFICE not in principal.roles:
        raise DomainError("groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=USAGE_CLAUSES)
    return _figures(uow, group, month)


def send_monthly(uow: UnitOfWork, _run_id: int, now: datetime | None = None) -> int:
    """Last month's figures to each active group's managers, as a notification."""
    settings = policy_versions.require_current(uow).policy.settings
    if not settings.patrol.monthly_usage_report:
        return 0
    now = now or uow.now()
    this_month = local_day(settings.calendar, now).replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    # Daily the job looks; once a month it sends (the first tick of the month claims it).
    if membership_audit.claim_period(uow, "usage_report_month", f"{this_month:%Y-%m}", now) is None:
        return 0
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    sent = 0
    for group in repo.groups(status="active"):
        figures = _figures(uow, group, last_month)
        params = {k: v for k, v in figures.__dict__.items() if v is not None}
        for membership in memberships.members(group.id):
            if may_manage(GroupRole(membership.role)):
                notifications.notify(membership.person_id, "group.usage_report", params)
                sent += 1
    return sent
