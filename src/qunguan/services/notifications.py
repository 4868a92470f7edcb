"""Notifications: reminders, overdue reports, invitations, removals — what the system told
a person, with where to act on it. Every service writes them through
``NotificationRepository.notify``; this is where a person reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qunguan.domain.actor import Principal
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.notifications import NotificationRepository


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    params: dict[str, Any]
    created_at: datetime
    read: bool
    link: str


def _link(kind: str, params: dict[str, Any]) -> str:
    """Where a person acts on a notification."""
    if kind == "notice.overdue_department":  # a head did not receive it: the overdue list
        return "/notices#overdue"
    if kind in ("notice.overdue", "notice.reminder", "notice.corrected"):
        return f"/notices/{params.get('notice_id', '')}"
    if kind == "inquiry.overdue":
        return f"/chat/{params.get('group_id', '')}#m-{params.get('seq', '')}"
    if kind == "announcement.stale":
        return f"/announcements/{params.get('group_id', '')}"
    if kind == "group.usage_report":
        return f"/usage/{params.get('group_id', '')}?month={params.get('month', '')}"
    if kind.startswith(("sanction.", "appeal.")):
        return "/me/record"
    if kind.startswith(("report.", "patrol.", "content.", "case.")):
        return "/review"
    return "/groups"


def recent(uow: UnitOfWork, principal: Principal, limit: int = 50) -> list[NotificationView]:
    if principal.person_id is None:
        return []
    return [
        NotificationView(
            n.id,
            n.kind,
            dict(n.params or {}),
            n.created_at,
            n.read_at is not None,
            _link(n.kind, n.params or {}),
        )
        for n in NotificationRepository(uow.session).recent(principal.person_id, limit)
    ]


def unread_count(uow: UnitOfWork, principal: Principal) -> int:
    if principal.person_id is None:
        return 0
    return NotificationRepository(uow.session).unread_count(principal.person_id)


def mark_all_read(uow: UnitOfWork, principal: Principal) -> None:
    if principal.person_id is not None:
        NotificationRepository(uow.session).mark_read(principal.person_id, uow.now())
