"""Domain events: facts that other capabilities act on.

Events a consumer reads back (group membership acts on the directory's) are written to the
outbox in the same transaction as the change that caused them, so that consumer can never
miss one. Every event is handed to in-process subscribers only after that transaction
commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, ClassVar, Literal, cast, get_args

from qunguan.domain.directory import EmploymentStatus


@dataclass(frozen=True)
class DomainEvent:
    kind: ClassVar[str]
    # Kept in the outbox for a consumer that reads it there; an event nobody reads back is
    # only handed to the subscribers.
    stored: ClassVar[bool] = True

    def payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, EmploymentStatus):
                out[key] = value.value
            elif isinstance(value, date):
                out[key] = value.isoformat()
            else:
                out[key] = value
        return out


@dataclass(frozen=True)
class EmploymentStatusChanged(DomainEvent):
    """A person was marked transferred or left (or came back): membership acts on it."""

    kind: ClassVar[str] = "directory.employment_status_changed"
    person_id: int
    staff_no: str
    before: EmploymentStatus
    after: EmploymentStatus
    effective: date | None


@dataclass(frozen=True)
class PersonMoved(DomainEvent):
    """A person changed department or unit: scoped groups re-check membership."""

    kind: ClassVar[str] = "directory.person_moved"
    person_id: int
    staff_no: str
    from_department: str
    to_department: str


@dataclass(frozen=True)
class PolicyPublished(DomainEvent):
    """A policy version took effect: members are told and must acknowledge it."""

    kind: ClassVar[str] = "policy.published"
    stored: ClassVar[bool] = False
    version: int
    preset: str
    changes: int


@dataclass(frozen=True)
class PersonJoined(DomainEvent):
    """A new person entered the directory: unit-wide groups take them in."""

    kind: ClassVar[str] = "directory.person_joined"
    person_id: int
    staff_no: str


LiveEventType = Literal[
    "message",  # a new message: its MessageView
    "edit",  # a message changed in place: its MessageView
    "recall",  # {"seq"}
    "pin",  # {"seq", "pinned"}
    "thread_closed",  # {"seq"}
    "member_joined",  # {"person_id"}
    "member_left",  # {"person_id", "how"}
    "muted",  # {"until", "reason"}, to the muted member alone
    "unmuted",  # {}, to the member alone
]
LIVE_EVENT_TYPES: frozenset[str] = frozenset(get_args(LiveEventType))


@dataclass(frozen=True)
class LiveEvent:
    """Something connected clients see at once: a message, an edit, a pin, a removal.

    Not a domain event: it is not written to the outbox (a client that missed it resyncs
    from the database by sequence number). It goes to the members of ``group_id`` who are
    connected, or to ``person_ids`` alone where those are given (a mute is the muted
    member's business). ``grant`` subscribes people's open connections to the group before
    delivery (they joined); ``revoke`` ends their subscription after it (they left).
    """

    type: LiveEventType
    group_id: int
    data: dict[str, Any]
    person_ids: tuple[int, ...] = ()
    grant: tuple[int, ...] = ()
    revoke: tuple[int, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "group_id": self.group_id,
            "data": self.data,
            "person_ids": list(self.person_ids),
            "grant": list(self.grant),
            "revoke": list(self.revoke),
        }

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> LiveEvent:
        def ids(key: str) -> tuple[int, ...]:
            return tuple(int(p) for p in raw.get(key, ()))

        kind = str(raw["type"])
        if kind not in LIVE_EVENT_TYPES:
            raise ValueError(f"unknown live event type {kind!r}")
        return cls(
            cast(LiveEventType, kind),
            int(raw["group_id"]),
            dict(raw["data"]),
            ids("person_ids"),
            ids("grant"),
            ids("revoke"),
        )
