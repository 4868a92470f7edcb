"""Domain events: facts that other capabilities act on.

Events are written to the outbox in the same transaction as the change that caused them,
so a consumer (group membership, for example) can never miss one, and are handed to
in-process subscribers only after that transaction commits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, ClassVar

from qunguan.domain.directory import EmploymentStatus


@dataclass(frozen=True)
class DomainEvent:
    kind: ClassVar[str]

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
    version: int
    preset: str
    changes: int


@dataclass(frozen=True)
class PersonJoined(DomainEvent):
    """A new person entered the directory: unit-wide groups take them in."""

    kind: ClassVar[str] = "directory.person_joined"
    person_id: int
    staff_no: str
