"""The in-service scheduler.

Every tick, each job whose period has begun is *claimed* by inserting (job, period) into
``job_runs``; the unique key lets exactly one server process win, however many run, so a
weekly audit happens once a week. Directory events are claimed one by one instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qunguan.policy.document import Settings as PolicySettings
from qunguan.services import usage
from qunguan.services.conduct import patrols, reports
from qunguan.services.directory import profiles
from qunguan.services.groups import announcements
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import inactivity
from qunguan.services.messages import inquiries
from qunguan.services.notices import followup as notice_followup
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database, UnitOfWork

log = logging.getLogger("qunguan.jobs")
TICK_SECONDS = 30


@dataclass(frozen=True)
class Job:
    name: str
    # The job's period in days under the policy in force; None: not scheduled.
    every_days: Callable[[PolicySettings], int | None]
    run: Callable[[UnitOfWork, int], int]


JOBS = (
    Job(
        "membership_audit",
        lambda s: s.membership.audit_every_days,
        lambda uow, run_id: membership_audit.audit_memberships(uow, run_id),
    ),
    Job("group_expiry", lambda _s: 1, lambda uow, _run_id: membership_audit.expire_groups(uow)),
    Job(
        "inactivity_check",
        lambda s: 1 if s.membership.inactivity_days else None,
        lambda uow, run_id: inactivity.find_inactive(uow, run_id),
    ),
    Job(
        "announcement_staleness",
        lambda s: 1 if s.notices.announcement_stale_days else None,
        lambda uow, run_id: announcements.remind_stale(uow, run_id),
    ),
    Job(
        "usage_report",
        lambda s: 1 if s.patrol.monthly_usage_report else None,
        lambda uow, run_id: usage.send_monthly(uow, run_id),
    ),
    Job(
        "profile_confirmation",
        lambda s: 1 if s.membership.profile_confirm_every_days else None,
        lambda uow, _run_id: profiles.prompt_due(uow),
    ),
    Job("patrol", lambda s: s.patrol.every_days, lambda uow, run_id: patrols.schedule(uow, run_id)),
)


def period_key(now: datetime, every_days: int) -> str:
    return f"{every_days}d:{now.toordinal() // every_days}"


def run_due(db: Database, now: datetime | None = None) -> dict[str, int]:
    """One tick: act on directory events, then run each job due in this period, once."""
    now = now or db.clock.now()
    done: dict[str, int] = {}
    with db.unit_of_work() as uow:
        done["directory_events"] = membership_audit.process_directory_events(uow, now)
    with db.unit_of_work() as uow:
        # Deadlines are checked every tick: a report or patrol escalates when it is late.
        done["reports_escalated"] = reports.escalate_overdue(uow, now)
        done["patrols_escalated"] = patrols.escalate_overdue(uow, now)
    with db.reading() as uow:
        in_force = policy_versions.current(uow)
    if in_force is None:
        return done
    # Hourly-grained work claims per item, so it runs every tick rather than per period;
    # each in its own transaction, so one failing cannot hold the others back.
    for name, follow_up in (
        ("notices_unpinned", notice_followup.unpin_expired),
        ("notice_reminders", notice_followup.remind_outstanding),
        ("notices_overdue", notice_followup.report_overdue),
        ("inquiries_overdue", inquiries.remind_overdue),
    ):
        try:
            with db.unit_of_work() as uow:
                done[name] = follow_up(uow, now)
        except Exception:
            log.exception("%s failed; retrying next tick", name)
    for job in JOBS:
        every = job.every_days(in_force.policy.settings)
        if not every:
            continue
        with db.unit_of_work() as uow:
            run_id = membership_audit.claim_period(uow, job.name, period_key(now, every), now)
            if run_id is None:
                continue  # another process has it
            done[job.name] = job.run(uow, run_id)
    return done


async def run_forever(db: Database) -> None:
    """The service's background loop; an error is logged and the next tick tries again."""
    while True:
        try:
            await asyncio.to_thread(run_due, db)
        except Exception:
            log.exception("scheduled work failed; retrying next tick")
        await asyncio.sleep(TICK_SECONDS)
