"""Notices: who may publish, when a leader must approve first, what a bare "收到" does,
and the hash that makes a published notice provable. Pure rules; each names its clauses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind
from qunguan.policy.document import Settings

PUBLISH_CLAUSES = ("s2-2.2.3",)
DELIVERY_CLAUSES = ("s2-2.2.4a",)
ABSORB_CLAUSES = ("s2-2.2.4b",)
# A published notice has the force of a paper one: it is never edited, only corrected.
EQUAL_FORCE_CLAUSES = ("s2-3.1",)
SENSITIVE_CLAUSES = ("s4-5.2",)
# A notice stays on top (以保持群内通知信息置顶) until its deadline or its publisher.
PIN_CLAUSES = ("s2-2.2.4b",)

PRIORITIES = ("normal", "urgent")
MAX_TARGET_GROUPS = 50


@dataclass(frozen=True)
class Publisher:
    """What decides whether someone may publish to a set of groups."""

    is_office: bool
    is_leader: bool
    # The groups a live authorisation of the publisher's department covers (None: all).
    granted_groups: frozenset[int] | None
    has_grant: bool


def authority(settings: Settings, publisher: Publisher, target_groups: set[int]) -> str:
    """The authority under which one publishes (office / leader / authorised_department);
    refused, naming who may, when one holds none the policy accepts for these groups.

    The office publishes, leaders publish directly, and a department publishes only with a
    leader's live authorisation covering every target group (篇二 二.(二).3)."""
    allowed = settings.notices.publishers
    if publisher.is_office and "office" in allowed:
        return "office"
    if publisher.is_leader and "leader" in allowed:
        return "leader"
    if (
        "authorised_department" in allowed
        and publisher.has_grant
        and (publisher.granted_groups is None or target_groups <= publisher.granted_groups)
    ):
        return "authorised_department"
    raise DomainError(
        "notices.not_publisher",
        ErrorKind.FORBIDDEN,
        params={"publishers": "、".join(PUBLISHER_NAMES[p] for p in allowed)},
        clause_ids=PUBLISH_CLAUSES,
    )


# The authorities' names, as the regulation speaks of them.
PUBLISHER_NAMES = {
    "office": "办公室",
    "leader": "局领导",
    "authorised_department": "经局领导授权的股(室)",
}


def needs_leader_approval(settings: Settings, sensitive: bool, authority_: str) -> bool:
    """Sensitive notices wait for a leader's approval where the policy says so (篇四 五.2);
    a leader publishing is that approval."""
    return sensitive and settings.notices.leader_approval_for_sensitive and authority_ != "leader"


def check_immutable() -> None:
    """A published notice is never edited: a correction is a new version (篇二 三.1)."""
    raise DomainError("notices.immutable", ErrorKind.CONFLICT, clause_ids=EQUAL_FORCE_CLAUSES)


@dataclass(frozen=True)
class LiveNotice:
    """A notice in force in a group, as the send path sees it for one member."""

    notice_id: int
    reply_required: bool
    acknowledged: bool
    message_seq: int | None


@dataclass(frozen=True)
class BareReply:
    """What a bare acknowledgement does: acknowledge a notice, or be absorbed."""

    acknowledge: int | None  # the notice it acknowledges (and the message is not posted)
    absorbed: bool  # refused: no reply is needed


def bare_reply(
    settings: Settings, notices: list[LiveNotice], reply_to_seq: int | None
) -> BareReply | None:
    """A bare "收到" in a group with notices in force.

    To a reply-required notice it is the acknowledgement (篇二 二.(二).4: 一经回复即视为送达),
    recorded without flooding the group; to a notice that needs no reply it is absorbed and
    the member told so, so the notice stays on top. ``None``: it is an ordinary message.
    """
    if reply_to_seq is not None:
        notices = [n for n in notices if n.message_seq == reply_to_seq]
    outstanding = [n for n in notices if n.reply_required and not n.acknowledged]
    if outstanding and settings.notices.reply_means_delivery:
        return BareReply(outstanding[0].notice_id, False)
    if settings.notices.absorb_bare_acknowledgements and any(not n.reply_required for n in notices):
        return BareReply(None, True)
    if notices and all(n.reply_required and n.acknowledged for n in notices):
        # A reply to a notice already acknowledged acknowledges again, idempotently, and is
        # not posted; a loose "收到" after everything is acknowledged is an ordinary message.
        return BareReply(notices[0].notice_id, False) if reply_to_seq is not None else None
    return None


def content_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of what was published: the certificate and the audit
    chain carry it, so anyone can recompute it from the stored notice."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def hashed_fields(
    *,
    series: int,
    version: int,
    title: str,
    body: str,
    attachments: list[dict[str, Any]],
    reply_required: bool,
    deadline: datetime | None,
    priority: str,
    group_ids: list[int],
    publisher: str,
    issuer: str,
    published_at: datetime,
) -> dict[str, Any]:
    return {
        "series": series,
        "version": version,
        "title": title,
        "body": body,
        "attachments": [
            {"name": a["name"], "size": a["size"], "sha256": a["sha256"]} for a in attachments
        ],
        "reply_required": reply_required,
        "deadline": deadline.isoformat(timespec="seconds") if deadline else None,
        "priority": priority,
        "groups": sorted(group_ids),
        "publisher": publisher,
        "issuer": issuer,
        "published_at": published_at.isoformat(timespec="seconds"),
    }


def check_deadline(deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and deadline <= now:
        raise DomainError(
            "notices.deadline_past",
            details=[ErrorDetail("notices.deadline_past", field="deadline")],
        )


def check_grant_days(settings: Settings, days: int) -> None:
    if not 1 <= days <= settings.notices.grant_max_days:
        raise DomainError(
            "notices.grant_too_long",
            params={"max": settings.notices.grant_max_days},
            clause_ids=PUBLISH_CLAUSES,
        )
