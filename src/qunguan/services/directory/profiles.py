"""Members confirm their own directory details from time to time (篇七 三.2).

The scheduler prompts whoever is due; whoever lets the grace period pass is listed for the
office as stale. Confirming is one tap on one's account page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.actor import Principal
from qunguan.domain.errors import not_found
from qunguan.services import audit
from qunguan.services.groups.lifecycle import settings_in_force
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import User
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.notifications import NotificationRepository

PROMPT = "profile.confirm_requested"


def _due_at(user: User, every_days: int) -> datetime:
    return (user.profile_confirmed_at or user.created_at) + timedelta(days=every_days)


def confirm(uow: UnitOfWork, principal: Principal) -> None:
    user = AccountRepository(uow.session).by_id(principal.user_id)
    if user is None:
        raise not_found("account")
    user.profile_confirmed_at = uow.now()
    audit.record(
        uow,
        principal.actor(),
        "account.profile_confirmed",
        target_type="account",
        target_id=user.username,
    )


def is_due(uow: UnitOfWork, principal: Principal, now: datetime | None = None) -> bool:
    in_force = policy_versions.current(uow)
    if in_force is None:
        return False
    every = in_force.policy.settings.membership.profile_confirm_every_days
    user = AccountRepository(uow.session).by_id(principal.user_id)
    return bool(every and user and user.person_id and _due_at(user, every) <= (now or uow.now()))


def prompt_due(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Ask each member whose confirmation is due, once per cycle."""
    now = now or uow.now()
    every = settings_in_force(uow).membership.profile_confirm_every_days
    if not every:
        return 0
    notifications = NotificationRepository(uow.session)
    prompted = 0
    for user in AccountRepository(uow.session).all():
        if not user.is_active or user.person_id is None:
            continue
        due_at = _due_at(user, every)
        if due_at > now:
            continue
        already = any(
            n.kind == PROMPT and n.created_at >= due_at
            for n in notifications.all_of(user.person_id)
        )
        if not already:
            notifications.notify(user.person_id, PROMPT, {"due": due_at.date().isoformat()})
            prompted += 1
    return prompted


@dataclass(frozen=True)
class StaleProfile:
    username: str
    name: str
    last_confirmed: datetime | None
    due_at: datetime


def stale(uow: UnitOfWork, now: datetime | None = None) -> list[StaleProfile]:
    """Members past the due date and the grace period: the administrator's report."""
    now = now or uow.now()
    membership = settings_in_force(uow).membership
    if not membership.profile_confirm_every_days:
        return []
    grace = timedelta(days=membership.profile_confirm_grace_days)
    names = {p.id: p.name for p in DirectoryRepository(uow.session).all_people()}
    out = []
    for user in AccountRepository(uow.session).all():
        if not user.is_active or user.person_id is None:
            continue
        due_at = _due_at(user, membership.profile_confirm_every_days)
        if due_at + grace <= now:
            out.append(
                StaleProfile(
                    user.username, names.get(user.person_id, ""), user.profile_confirmed_at, due_at
                )
            )
    return out
