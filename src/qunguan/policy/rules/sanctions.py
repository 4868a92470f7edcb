"""Keeping order: the sanction ladder, who may sanction, report and appeal, and what the
review queue may decide. Pure rules over explicit facts; each names its clause ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import SanctionStep, Settings
from qunguan.policy.rules.membership import GroupRole, may_manage

# 篇一 七, 篇三 五.1, 篇四 三.2 / 八, 篇六 四.6, 篇七 七: the admin's graded measures.
SANCTION_CLAUSES = ("s1-7.1", "s3-5.1.1", "s4-3.2", "s4-8.1", "s6-4.6", "s7-7.1")
MUTE_CLAUSES = ("s1-7.1", "s3-5.1.1", "s4-3.2", "s6-4.6", "s7-7.1")
REMOVAL_CLAUSES = ("s3-5.1.1", "s7-7.1")
CRITICISM_CLAUSES = ("s4-8.1",)
# 篇一 六.2, 篇三 三.2.4 / 五.2, 篇七 十三: reports, and the reporter protected.
REPORT_CLAUSES = ("s1-6.2", "s3-3.2.4", "s3-5.2.1", "s7-13.2")
REPORTER_PROTECTED = ("s3-5.2.1", "s7-13.2")
# 篇一 六.3, 篇三 五.2.2: handled in time, or escalated.
REPORT_DEADLINE_CLAUSES = ("s1-6.3", "s3-5.2.2")
# 篇一 五.1 / 九.4.2 / 九.4.4: admins review and remove or correct what does not comply.
REMOVAL_OF_CONTENT = ("s1-5.1", "s1-9.4.2", "s1-9.4.4")
THREAD_CLOSE_CLAUSES = ("s2-2.3.3",)
DECISION_CLAUSES = ("s6-4.5",)
PATROL_CLAUSES = ("s1-6.1", "s1-9.3.2", "s6-4.4", "s7-9.1")

STEPS_WITH_HOURS = (SanctionStep.MUTE, SanctionStep.SUSPENSION)
MAX_HOURS = 720
# A suspension without a stated length: a week.
SUSPENSION_DEFAULT_HOURS = 168
# An appeal is decided within this many days.
APPEAL_DAYS = 7
# How long after a patrol is set its admins have to complete it.
PATROL_GRACE_DAYS = 3
# A pin older than this is on the patrol's tidy-up list (篇六 四.4).
STALE_PIN_DAYS = 30

REPORT_TARGETS = ("message", "file", "member")
REPORT_CATEGORIES = ("conduct", "off_topic", "security", "non_enforcement")
QUEUE_DECISIONS = ("release", "dismiss", "remove", "warn", "mute", "escalate")


def check_may_sanction(role: GroupRole | None) -> None:
    """Owners and group admins sanction; members do not (篇四 三.2)."""
    if not may_manage(role):
        raise DomainError(
            "sanctions.not_manager", ErrorKind.FORBIDDEN, clause_ids=("s4-3.2", "s3-5.1.1")
        )


def check_target(target_role: GroupRole, target_is_actor: bool) -> None:
    """Nobody sanctions themselves or the group's owner (the office handles an owner)."""
    if target_role is GroupRole.OWNER or target_is_actor:
        raise DomainError("sanctions.not_sanctionable", ErrorKind.CONFLICT)


def check_demotable(target_role: GroupRole) -> None:
    """Demotion (降级处理, 篇四 八.1) takes a group admin's role; a plain member has none."""
    if target_role is not GroupRole.GROUP_ADMIN:
        raise DomainError(
            "sanctions.demotion_not_admin", ErrorKind.CONFLICT, clause_ids=CRITICISM_CLAUSES
        )


def check_step(settings: Settings, step: SanctionStep) -> None:
    """Only the measures the regulation in force lists (escalation is always open)."""
    if step is not SanctionStep.ESCALATION and step not in settings.sanctions.ladder:
        raise DomainError(
            "sanctions.step_not_in_policy",
            ErrorKind.CONFLICT,
            params={"step": step.value},
            clause_ids=SANCTION_CLAUSES,
        )


def hours_for(settings: Settings, step: SanctionStep, hours: float | None) -> float | None:
    """A mute or suspension lasts the hours given, or the policy's default."""
    if step not in STEPS_WITH_HOURS:
        return None
    if hours is None:
        hours = (
            settings.sanctions.mute_default_hours
            if step is SanctionStep.MUTE
            else SUSPENSION_DEFAULT_HOURS
        )
    if not 0 < hours <= MAX_HOURS:
        raise DomainError("restrictions.hours_invalid", params={"max": MAX_HOURS})
    return hours


def next_step(ladder: Sequence[SanctionStep], history: Sequence[str]) -> SanctionStep:
    """The ladder's proposal: one rung above the highest already applied to the member
    (overturned sanctions are not in ``history``); the top rung repeats."""
    reached = [ladder.index(SanctionStep(s)) for s in history if s in set(ladder)]
    if not reached:
        return ladder[0]
    return ladder[min(max(reached) + 1, len(ladder) - 1)]


def report_due(settings: Settings, at: datetime) -> datetime:
    return at + timedelta(hours=settings.reports.handle_within_hours)


def check_report(target_kind: str, category: str, reason: str) -> None:
    if target_kind not in REPORT_TARGETS:
        raise DomainError("reports.target_invalid", params={"kind": target_kind})
    if category not in REPORT_CATEGORIES:
        raise DomainError("reports.category_invalid", params={"category": category})
    if not reason.strip():
        raise DomainError("reports.reason_missing", clause_ids=REPORT_CLAUSES)


def stores_reporter(settings: Settings, anonymous_asked: bool) -> bool:
    """Under ``anonymous`` no identity is stored at all; under ``confidential`` it is
    sealed, unless the reporter asks to stay anonymous (篇七 十三.2)."""
    return settings.reports.mode == "confidential" and not anonymous_asked


def check_appeal_decider(sanctioned_by: int, decider: int) -> None:
    """An appeal goes to someone other than who sanctioned."""
    if sanctioned_by == decider:
        raise DomainError("appeals.same_person", ErrorKind.FORBIDDEN, clause_ids=SANCTION_CLAUSES)


def check_reveal_approver(requested_by: int, approver: int, approvals: Sequence[int]) -> None:
    """Two approvers, neither the one who asked, each once."""
    if approver == requested_by or approver in approvals:
        raise DomainError("reports.reveal_approver_invalid", ErrorKind.CONFLICT)


REVEAL_APPROVALS_NEEDED = 2


def patrol_due(at: datetime) -> datetime:
    return at + timedelta(days=PATROL_GRACE_DAYS)


def criticism_text(name: str, reason: str, articles: str) -> str:
    """The public criticism posted to the group (书面通报批评, 篇四 八.1): an official text
    in the regulation's language, like the regulation itself."""
    basis = f"根据{articles}，" if articles else ""
    return f"【通报批评】{basis}对{name}予以书面通报批评。事由：{reason}"
