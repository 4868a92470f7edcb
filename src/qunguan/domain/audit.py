"""The audit chain, as pure functions: canonical form, link hash, verification.

Each record carries the hash of the one before; its own hash covers its sequence number,
the previous hash and every field. Editing a record breaks its own hash; deleting one
breaks the sequence and the next record's link; deleting the tail leaves the chain head
pointing past the end. SHA-256 by default; SM3 (GB/T 32905) where the agency asks for it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from qunguan.domain.errors import DomainError

GENESIS = "0" * 64
ALGORITHMS = ("sha256", "sm3")


def check_algorithm(name: str) -> None:
    if name not in ALGORITHMS or name not in hashlib.algorithms_available:
        raise DomainError("audit.algorithm_unavailable", params={"algorithm": name})


@dataclass(frozen=True)
class AuditEntry:
    """The fields a record's hash covers, in one fixed order."""

    seq: int
    at: datetime
    actor_user_id: int | None
    actor_username: str
    actor_roles: str
    action: str
    target_type: str
    target_id: str
    summary: dict[str, Any]
    client_addr: str
    algorithm: str
    prev_hash: str

    def canonical(self) -> bytes:
        body = {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_user_id": self.actor_user_id,
            "actor_username": self.actor_username,
            "actor_roles": self.actor_roles,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "summary": self.summary,
            "client_addr": self.client_addr,
            "algorithm": self.algorithm,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def digest(self) -> str:
        return hashlib.new(self.algorithm, self.canonical()).hexdigest()


@dataclass(frozen=True)
class AuditQuery:
    """The auditor's filters: who, what action (prefix), which target, when."""

    actor: str = ""
    action: str = ""
    target: str = ""
    since: datetime | None = None
    until: datetime | None = None
    actor_user_id: int | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold."""

    seq: int
    reason: str  # "hash_mismatch" | "link_broken" | "sequence_gap" | "tail_missing"


def verify_chain(
    records: Iterable[tuple[AuditEntry, str]], head_seq: int, head_hash: str
) -> tuple[int, Break | None]:
    """Check (entry, stored hash) pairs in sequence order against the chain head.

    Returns how many records were checked and the first break, if any.
    """
    expected_seq, prev = 1, GENESIS
    checked = 0
    for entry, stored in records:
        if entry.seq != expected_seq:
            return checked, Break(expected_seq, "sequence_gap")
        if entry.prev_hash != prev:
            return checked, Break(entry.seq, "link_broken")
        if entry.digest() != stored:
            return checked, Break(entry.seq, "hash_mismatch")
        checked += 1
        expected_seq, prev = entry.seq + 1, stored
    if head_seq != expected_seq - 1 or (head_seq and head_hash != prev):
        return checked, Break(expected_seq, "tail_missing")
    return checked, None
