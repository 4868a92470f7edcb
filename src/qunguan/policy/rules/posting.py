"""Posting: who may send into a group, how often, what kinds, and for how long a message
may still be edited or recalled. Pure rules over explicit facts; each names its clauses.

The order of the checks is the send path's (``services/messages.py``): membership and
sanctions first, then onboarding, rate limit, kind, and last the content engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.document import Settings
from qunguan.policy.rules.membership import GroupRole, may_manage

RATE_LIMIT_CLAUSES = ("s1-2.3", "s7-5.2")
ONBOARDING_CLAUSES = ("s7-11.2", "s1-9.5.1", "s3-6.2")
FORBIDDEN_KIND_CLAUSES = ("s5-5",)
PIN_CLAUSES = ("s6-4.2",)
CATEGORY_CLAUSES = ("s6-4.3",)
# Only a message's sender edits or recalls it; admins remove and redact (篇一 九.4.4).
OWN_MESSAGE_CLAUSES = ("s1-9.4.4",)
MUTE_CLAUSES = ("s1-7.1",)

# What a message may be. Money and gifts are not message kinds on this platform at all.
KINDS = ("text", "file")
FORBIDDEN_KINDS = {
    "red_envelope": "red_envelopes_forbidden",
    "transfer": "transfers_forbidden",
    "gift_voucher": "gift_vouchers_forbidden",
}

MAX_BODY_CHARS = 5000

# Replies that only say "received": they prove delivery of a notice, not taking part.
BARE_ACKNOWLEDGEMENTS = frozenset(
    {
        "收到",
        "已收到",
        "好的",
        "好",
        "明白",
        "已阅",
        "知道了",
        "ok",
        "okay",
        "嗯",
        "谢谢",
        "👌",
        "1",
    }
)
_TRIM = " \t\r\n。.！!，,~～、…👍🙏"


def is_substantive(body: str) -> bool:
    """Whether a message says something beyond a bare acknowledgement (篇七 九.2)."""
    core = body.strip().strip(_TRIM).lower()
    return bool(core) and core not in BARE_ACKNOWLEDGEMENTS


@dataclass(frozen=True)
class Restriction:
    """A mute (in one group) or a suspension (everywhere) in force until ``until``."""

    kind: str  # mute / suspension
    until: datetime
    reason: str


def check_sender(
    role: GroupRole | None, group_status: str, restriction: Restriction | None
) -> None:
    """Only a current member posts, only into an active group, and not while restricted."""
    if role is None:
        raise DomainError("messages.not_member", ErrorKind.FORBIDDEN)
    if group_status != "active":
        raise DomainError("groups.not_active", ErrorKind.CONFLICT, params={"status": group_status})
    if restriction is not None:
        raise DomainError(
            "messages.suspended" if restriction.kind == "suspension" else "messages.muted",
            ErrorKind.FORBIDDEN,
            params={"until": restriction.until, "reason": restriction.reason},
            clause_ids=MUTE_CLAUSES,
        )


def check_onboarded(settings: Settings, acknowledgement_pending: bool) -> None:
    """A member acknowledges the regulation in force before their first post (篇七 十一.2)."""
    if settings.membership.onboarding.acknowledge_regulation and acknowledgement_pending:
        raise DomainError(
            "messages.onboarding_required", ErrorKind.FORBIDDEN, clause_ids=ONBOARDING_CLAUSES
        )


def check_rate(settings: Settings, sent_last_minute: int) -> None:
    """No flooding: at most the policy's number of messages per member per minute."""
    limit = settings.posting.rate_limit_per_minute
    if limit is not None and sent_last_minute >= limit:
        raise DomainError(
            "messages.rate_limited",
            ErrorKind.CONFLICT,
            params={"limit": limit},
            clause_ids=RATE_LIMIT_CLAUSES,
        )


def check_kind(settings: Settings, kind: str) -> None:
    """Red envelopes, transfers and gift vouchers do not exist here (篇五 五)."""
    if kind in FORBIDDEN_KINDS:
        if getattr(settings.posting, FORBIDDEN_KINDS[kind]):
            raise DomainError(
                "messages.kind_forbidden",
                ErrorKind.FORBIDDEN,
                params={"kind": kind},
                clause_ids=FORBIDDEN_KIND_CLAUSES,
            )
        # Even where a policy does not forbid them, the platform has no such feature.
        raise DomainError("messages.kind_unsupported", params={"kind": kind})
    if kind not in KINDS:
        raise DomainError("messages.kind_unsupported", params={"kind": kind})


def check_window(minutes: int, sent_at: datetime, now: datetime, what: str) -> None:
    """Edits and recalls only within the policy's window after sending."""
    if now - sent_at > timedelta(minutes=minutes):
        raise DomainError(
            f"messages.{what}_window_passed",
            ErrorKind.CONFLICT,
            params={"minutes": minutes},
            clause_ids=OWN_MESSAGE_CLAUSES,
        )


def check_own(sender_person_id: int, person_id: int | None) -> None:
    if sender_person_id != person_id:
        raise DomainError(
            "messages.not_sender", ErrorKind.FORBIDDEN, clause_ids=OWN_MESSAGE_CLAUSES
        )


def check_may_pin(role: GroupRole | None) -> None:
    """Group admins, and no other members, pin and unpin (篇六 四.2)."""
    if not may_manage(role):
        raise DomainError("messages.pin_forbidden", ErrorKind.FORBIDDEN, clause_ids=PIN_CLAUSES)


def check_may_categorise(role: GroupRole | None) -> None:
    """Group admins define categories and tag messages; members filter by them (篇六 四.3)."""
    if not may_manage(role):
        raise DomainError(
            "messages.categorise_forbidden", ErrorKind.FORBIDDEN, clause_ids=CATEGORY_CLAUSES
        )
