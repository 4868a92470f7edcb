"""Alerts (篇六 四.1 消息推送): each member chooses, per group, whether its messages alert
them; an urgent notice alerts whatever they chose, so important information still arrives.

The choice is kept here; the chat page applies it to the live events it receives (it
alerts only for groups not in view, and never for one's own messages).
"""

from __future__ import annotations

from qunguan.domain.actor import Principal
from qunguan.domain.errors import not_found
from qunguan.services.access import access_group
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import MembershipRepository


def set_muted(uow: UnitOfWork, principal: Principal, group_id: int, muted: bool) -> None:
    """Silence (or restore) a group's alerts for oneself."""
    group, role = access_group(uow, principal, group_id)
    membership = (
        MembershipRepository(uow.session).membership(group.id, principal.person_id)
        if principal.person_id is not None and role is not None
        else None
    )
    if membership is None:
        raise not_found("group")
    membership.push_muted = muted


def muted_groups(uow: UnitOfWork, principal: Principal) -> list[int]:
    if principal.person_id is None:
        return []
    return [
        g.id
        for g, m in GroupRepository(uow.session).groups_of_person(principal.person_id)
        if m.push_muted
    ]
