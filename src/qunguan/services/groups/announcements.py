"""A group's announcement (群公告): what the group is doing now, kept up to date by its
admins (篇七 二.1: 群公告应及时更新，并明确规定工作进展、任务分配和重要事项).

Each save is a new version, with the sections the policy requires all filled in; a daily
job reminds a group's owner and admins when the announcement has gone stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind
from qunguan.policy.document import ContentAction, Settings, settings_for_group_type
from qunguan.policy.rules.membership import GroupRole, may_manage
from qunguan.services import audit, term_lists
from qunguan.services.access import access_group
from qunguan.services.groups.lifecycle import require_status
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import GroupAnnouncement
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.notices import NoticeRepository
from qunguan.store.repositories.notifications import NotificationRepository

ANNOUNCEMENT_CLAUSES = ("s7-2.1",)
MAX_SECTION_CHARS = 2000


@dataclass(frozen=True)
class AnnouncementView:
    group_id: int
    required: tuple[str, ...]
    sections: dict[str, str]
    updated_at: datetime | None
    stale: bool
    may_edit: bool


def _settings(uow: UnitOfWork) -> Settings:
    return policy_versions.require_current(uow).policy.settings


def current(uow: UnitOfWork, principal: Principal, group_id: int) -> AnnouncementView:
    group, role = access_group(uow, principal, group_id)
    settings = _settings(uow)
    latest = NoticeRepository(uow.session).latest_announcement(group.id)
    days = settings.notices.announcement_stale_days
    stale = days is not None and (
        latest is None or uow.now() - latest.updated_at > timedelta(days=days)
    )
    return AnnouncementView(
        group.id,
        settings.notices.announcement_sections,
        dict(latest.sections) if latest else {},
        latest.updated_at if latest else None,
        stale,
        may_manage(role),
    )


def save(
    uow: UnitOfWork, principal: Principal, group_id: int, sections: dict[str, str]
) -> GroupAnnouncement:
    """The owner or an admin saves a new version; a required section left empty refuses
    the whole save, naming each empty one."""
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role):
        raise DomainError(
            "groups.not_manager", ErrorKind.FORBIDDEN, clause_ids=ANNOUNCEMENT_CLAUSES
        )
    require_status(group)
    required = _settings(uow).notices.announcement_sections
    cleaned = {k.strip(): v.strip() for k, v in sections.items() if k.strip()}
    empty = [name for name in required if not cleaned.get(name)]
    if empty or not any(cleaned.values()):
        raise DomainError(
            "announcements.section_empty",
            params={"sections": "、".join(empty or required or ("公告",))},
            details=[
                ErrorDetail("announcements.section_empty", field=name, params={"sections": name})
                for name in empty
            ],
            clause_ids=ANNOUNCEMENT_CLAUSES,
        )
    in_force = policy_versions.require_current(uow)
    settings = settings_for_group_type(in_force.policy, group.type)
    verdict = term_lists.engine(uow).check("\n".join(cleaned.values()), in_force.policy, settings)
    if verdict.action in (ContentAction.BLOCK, ContentAction.HOLD):
        # What every member reads passes the same checks as a message (篇一 二.1).
        raise DomainError(
            "messages.content_blocked",
            params={"categories": "、".join(verdict.categories)},
            clause_ids=verdict.clause_ids,
        )
    too_long = [k for k, v in cleaned.items() if len(v) > MAX_SECTION_CHARS]
    if too_long:
        raise DomainError("announcements.section_too_long", params={"limit": MAX_SECTION_CHARS})
    row = GroupAnnouncement(group_id=group.id, sections=cleaned, updated_by=principal.user_id)
    NoticeRepository(uow.session).add(row)
    audit.record(
        uow,
        principal.actor(),
        "group.announcement_saved",
        target_type="group",
        target_id=group.id,
        summary={"sections": sorted(cleaned)},
    )
    return row


def remind_stale(uow: UnitOfWork, _run_id: int) -> int:
    """Daily, under a policy that asks: remind the managers of each active group whose
    announcement is older than the policy's days (or that has none)."""
    days = _settings(uow).notices.announcement_stale_days
    if days is None:
        return 0
    cutoff = uow.now() - timedelta(days=days)
    repo = GroupRepository(uow.session)
    memberships = MembershipRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    notices = NoticeRepository(uow.session)
    reminded = 0
    for group in repo.groups(status="active"):
        latest = notices.latest_announcement(group.id)
        since = latest.updated_at if latest else group.created_at
        if since > cutoff:
            continue
        for membership in memberships.members(group.id):
            if may_manage(GroupRole(membership.role)):
                notifications.notify(
                    membership.person_id,
                    "announcement.stale",
                    {"group_id": group.id, "group": group.name, "days": days},
                )
                reminded += 1
    return reminded
