"""What the message path asks of keeping order: a closed thread, a suspension, and the
alert to a group's admins when content is flagged. Kept apart so the send path stays small
and message administration (which uses the send path's views) imports it, not the reverse.
"""

from __future__ import annotations

from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.moderation import Verdict
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.notifications import NotificationRepository


def check_reply_open(uow: UnitOfWork, group_id: int, reply_to_seq: int | None) -> None:
    """No reply to a thread an admin closed (篇二 二.3.3)."""
    if reply_to_seq is None:
        return
    if ConductRepository(uow.session).thread_closed(group_id, reply_to_seq) is not None:
        raise DomainError("messages.thread_closed", ErrorKind.CONFLICT, clause_ids=("s2-2.3.3",))


def check_not_suspended(uow: UnitOfWork, person_id: int | None) -> None:
    """A suspended member cannot open a group until the suspension ends (篇一 七.1)."""
    row = ConductRepository(uow.session).suspended(person_id, uow.now()) if person_id else None
    if row is not None:
        raise DomainError(
            "messages.suspended",
            ErrorKind.FORBIDDEN,
            params={"until": row.until, "reason": row.reason},
            clause_ids=("s1-7.1",),
        )


def alert_managers(
    uow: UnitOfWork, group_id: int, sender: str, message_id: int, verdict: Verdict
) -> None:
    """The group's admins hear at once of a flagged message: who, which, under what rule
    (篇三 三.1.3); the review queue lists it."""
    params: dict[str, object] = {
        "sender": sender,
        "message_id": message_id,
        "categories": list(verdict.categories),
        "clauses": list(verdict.clause_ids),
        "rules": sorted({span.rule for span in verdict.spans}),
    }
    notifications = NotificationRepository(uow.session)
    for person_id in ConductRepository(uow.session).managers(group_id):
        notifications.notify(person_id, "content.flagged", params)
