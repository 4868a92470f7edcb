"""The audit trail: one record per state change, in the same transaction, hash-chained.

``record`` is called by every service that changes state. There is no use case that edits
or deletes a record; ``verify`` walks the whole chain and names the first broken link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from qunguan.domain.actor import Actor
from qunguan.domain.audit import AuditEntry, AuditQuery, Break, check_algorithm, verify_chain
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import AuditRecord
from qunguan.store.repositories.audit import AuditRepository
from qunguan.tabular import write_csv, write_xlsx

# Set once from the settings by the composition root (app or CLI).
_algorithm = "sha256"


def configure(algorithm: str) -> None:
    global _algorithm
    check_algorithm(algorithm)
    _algorithm = algorithm


def record(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: object = "",
    summary: dict[str, Any] | None = None,
) -> int:
    """Append one record to the chain inside the caller's transaction; return its seq."""
    repo = AuditRepository(uow.session)
    seq, prev = repo.lock_head()
    entry = AuditEntry(
        seq=seq,
        at=uow.now(),
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_roles=",".join(sorted(r.value for r in actor.roles)),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        summary=summary or {},
        client_addr=actor.client_addr[:64],
        algorithm=_algorithm,
        prev_hash=prev,
    )
    repo.append(
        AuditRecord(
            seq=entry.seq,
            at=entry.at,
            actor_user_id=entry.actor_user_id,
            actor_username=entry.actor_username,
            actor_roles=entry.actor_roles,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            summary=entry.summary,
            client_addr=entry.client_addr,
            algorithm=entry.algorithm,
            prev_hash=entry.prev_hash,
            hash=entry.digest(),
        )
    )
    return seq


def _entry(rec: AuditRecord) -> AuditEntry:
    return AuditEntry(
        seq=rec.seq,
        at=rec.at,
        actor_user_id=rec.actor_user_id,
        actor_username=rec.actor_username,
        actor_roles=rec.actor_roles,
        action=rec.action,
        target_type=rec.target_type,
        target_id=rec.target_id,
        summary=rec.summary,
        client_addr=rec.client_addr,
        algorithm=rec.algorithm,
        prev_hash=rec.prev_hash,
    )


@dataclass(frozen=True)
class Verification:
    checked: int
    head_seq: int
    broken: Break | None


def verify(uow: UnitOfWork) -> Verification:
    repo = AuditRepository(uow.session)
    head_seq, head_hash = repo.head()
    checked, broken = verify_chain(
        ((_entry(r), r.hash) for r in repo.in_order()), head_seq, head_hash
    )
    return Verification(checked, head_seq, broken)


@dataclass(frozen=True)
class AuditRecordView:
    seq: int
    at: datetime
    actor_username: str
    actor_roles: str
    action: str
    target_type: str
    target_id: str
    summary: dict[str, Any]
    client_addr: str
    hash: str


def search(uow: UnitOfWork, query: AuditQuery) -> tuple[list[AuditRecordView], int]:
    rows, total = AuditRepository(uow.session).search(query)
    views = [
        AuditRecordView(
            r.seq,
            r.at,
            r.actor_username,
            r.actor_roles,
            r.action,
            r.target_type,
            r.target_id,
            r.summary,
            r.client_addr,
            r.hash,
        )
        for r in rows
    ]
    return views, total


EXPORT_HEADERS = [
    "序号",
    "时间(UTC)",
    "操作人",
    "角色",
    "操作",
    "对象类型",
    "对象",
    "摘要",
    "客户端地址",
    "前一哈希",
    "哈希",
]


def export(uow: UnitOfWork, actor: Actor, query: AuditQuery, fmt: str) -> bytes:
    """The records the query selects, as a file; the export itself is audited."""
    record(
        uow,
        actor,
        "audit.exported",
        target_type="audit",
        summary={
            "format": fmt,
            "actor": query.actor,
            "action": query.action,
            "target": query.target,
            "since": query.since.isoformat() if query.since else None,
            "until": query.until.isoformat() if query.until else None,
        },
    )
    unlimited = replace(query, limit=1_000_000, offset=0)
    rows = [
        [
            r.seq,
            r.at.isoformat(sep=" ", timespec="seconds"),
            r.actor_username,
            r.actor_roles,
            r.action,
            r.target_type,
            r.target_id,
            json.dumps(r.summary, ensure_ascii=False),
            r.client_addr,
            r.prev_hash,
            r.hash,
        ]
        for r in AuditRepository(uow.session).search(unlimited)[0]
    ]
    if fmt == "csv":
        return write_csv(EXPORT_HEADERS, rows)
    return write_xlsx([("审计日志", EXPORT_HEADERS, rows)])
