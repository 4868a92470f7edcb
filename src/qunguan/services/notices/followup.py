"""After publication: notices leave the top at their deadline, the outstanding are
reminded, and once the deadline has passed the publisher and department heads see who is
still outstanding. The scheduler calls these every tick; each claims its work per notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.actor import Principal
from qunguan.policy.rules.membership import is_department_head
from qunguan.services.notices.publishing import (
    NoticeView,
    publisher_person,
    unpin_messages,
    view,
    with_mine,
)
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.notices import LedgerRow, NoticeRepository
from qunguan.store.repositories.notifications import NotificationRepository


def unpin_expired(uow: UnitOfWork, now: datetime) -> int:
    """A notice stays on top until its deadline (篇二 二.(二).4), then leaves."""
    settings = policy_versions.require_current(uow).policy.settings
    if not settings.notices.pin_until_deadline:
        return 0
    due = NoticeRepository(uow.session).due_for_unpin(now)
    for notice in due:
        unpin_messages(uow, notice, now)
    return len(due)


def remind_outstanding(uow: UnitOfWork, now: datetime) -> int:
    """Remind those who have not acknowledged, and only them, at the notice's interval
    (or the policy's); claimed per notice, so two server processes never both remind."""
    settings = policy_versions.require_current(uow).policy.settings
    repo = NoticeRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    reminded = 0
    for notice in repo.reminder_candidates(now):
        hours = notice.remind_every_hours or settings.notices.remind_every_hours
        since = notice.last_reminded_at or notice.published_at
        if not hours or since is None or now - since < timedelta(hours=hours):
            continue
        if not repo.claim(notice.id, "last_reminded_at", notice.last_reminded_at, now):
            continue
        for person_id, _department in repo.outstanding_people(notice.id):
            notifications.notify(
                person_id, "notice.reminder", {"notice_id": notice.id, "title": notice.title}
            )
            reminded += 1
    return reminded


def report_overdue(uow: UnitOfWork, now: datetime) -> int:
    """After the deadline, the publisher and each outstanding member's department head are
    told who has not acknowledged (once per notice)."""
    repo = NoticeRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    directory = DirectoryRepository(uow.session)
    reported = 0
    for notice in repo.overdue_unreported(now):
        if not repo.claim(notice.id, "overdue_reported_at", None, now):
            continue
        outstanding = repo.outstanding_people(notice.id)
        if not outstanding:
            continue
        publisher = publisher_person(uow, notice)
        params = {"notice_id": notice.id, "title": notice.title, "outstanding": len(outstanding)}
        notifications.notify(publisher, "notice.overdue", params)
        for head, count in _heads_of(directory, outstanding).items():
            notifications.notify(
                head, "notice.overdue_department", {**params, "outstanding": count}
            )
        reported += 1
    return reported


def _heads_of(
    directory: DirectoryRepository, outstanding: list[tuple[int, int | None]]
) -> dict[int, int]:
    """Department head person id -> how many of their department are outstanding."""
    by_department: dict[int, int] = {}
    for _pid, department in outstanding:
        if department is not None:
            by_department[department] = by_department.get(department, 0) + 1
    heads: dict[int, int] = {}
    for person in directory.active_people_in(sorted(by_department)):
        if is_department_head(person.post):
            heads[person.id] = by_department[person.department_id]
    return heads


@dataclass(frozen=True)
class OverdueView:
    notice: NoticeView
    people: list[LedgerRow]


def overdue_for_me(uow: UnitOfWork, principal: Principal) -> list[OverdueView]:
    """Past-deadline notices with members still outstanding that I should see: as their
    publisher (everyone outstanding), or as a department head (my department's, and of the
    notice no more than its title and deadline)."""
    if principal.person_id is None:
        return []
    me = DirectoryRepository(uow.session).person(principal.person_id)
    head_of = me.department_id if me is not None and is_department_head(me.post) else None
    repo = NoticeRepository(uow.session)
    out: list[OverdueView] = []
    for n in repo.overdue_for(principal.user_id, head_of, uow.now()):
        mine = n.publisher_user_id == principal.user_id
        rows = repo.ledger(n.id, status="outstanding")
        if not mine:
            rows = [r for r in rows if r.department_id == head_of]
        if rows:
            out.append(OverdueView(with_mine(view(uow, n, full=mine), mine), rows))
    return out
