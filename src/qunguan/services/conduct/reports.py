"""Reports (举报): any member reports a message, a file or a member, with a reason. The
reporter is protected: under ``confidential`` their identity is sealed with a key kept
outside the database and unsealed only for the security admin after two approvals; under
``anonymous`` (or when the reporter asks) it is not stored at all. Whoever holds the
receipt follows the report. Reports are handled in time or escalated (篇一 六, 篇三 五.2,
篇七 十三). Filing is audited without the reporter: the audit trail is read by others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qunguan.config import Settings as AppSettings
from qunguan.domain import sealing
from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.policy.rules import sanctions as rules
from qunguan.services import audit
from qunguan.services.access import access_group, access_report
from qunguan.services.groups.lifecycle import settings_in_force
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import Report, ReporterReveal
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import MembershipRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notifications import NotificationRepository

# Filing is recorded under this name, never the reporter's.
ANONYMOUS = Actor.system("report")
SYSTEM = Actor.system("reports")

_key: bytes | None = None


def configure_key(key: bytes) -> None:
    """Set once by the composition root (app or CLI) from ``load_key``."""
    global _key
    if len(key) < 16:
        raise ValueError("the report key needs at least 16 bytes")
    _key = key


def load_key(settings: AppSettings) -> bytes:
    """``QUNGUAN_REPORT_KEY`` (hex), or a key file created once beside the default
    database. Every server process of one deployment must use the same key."""
    if settings.report_key:
        return bytes.fromhex(settings.report_key)
    path = Path(settings.report_key_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(os.urandom(32).hex())
    return bytes.fromhex(path.read_text().strip())


def _require_key() -> bytes:
    if _key is None:
        raise DomainError("reports.key_missing", ErrorKind.UNAVAILABLE)
    return _key


@dataclass(frozen=True)
class ReportForm:
    target_kind: str  # message / file / member
    reason: str
    seq: int | None = None
    staff_no: str = ""
    category: str = "conduct"
    anonymous: bool = False


@dataclass(frozen=True)
class Filed:
    id: int
    receipt: str  # shown once to the reporter; only its hash is stored
    mode: str
    identity_stored: bool


def file_report(uow: UnitOfWork, principal: Principal, group_id: int, form: ReportForm) -> Filed:
    group, _role = access_group(uow, principal, group_id, as_member=True)
    if principal.person_id is None:
        raise not_found("group")
    rules.check_report(form.target_kind, form.category, form.reason)
    message_id = target_person_id = None
    if form.target_kind in ("message", "file"):
        message = MessageRepository(uow.session).by_seq(group.id, form.seq or 0)
        if message is None or (form.target_kind == "file" and not message.file_ref):
            raise not_found("messages.message")
        message_id, target_person_id = message.id, message.sender_person_id
    else:
        person = DirectoryRepository(uow.session).person_by_staff_no(form.staff_no.strip())
        if (
            person is None
            or MembershipRepository(uow.session).membership(group.id, person.id) is None
        ):
            raise not_found("members.member")
        target_person_id = person.id
    settings = settings_in_force(uow)
    keep = rules.stores_reporter(settings, form.anonymous)
    key = _require_key() if keep else None
    token, receipt_hash = sealing.receipt()
    now = uow.now()
    row = Report(
        group_id=group.id,
        target_kind=form.target_kind,
        message_id=message_id,
        target_person_id=target_person_id,
        category=form.category,
        reason=form.reason.strip(),
        mode="confidential" if keep else "anonymous",
        reporter_sealed=sealing.seal(key, str(principal.person_id)) if key else None,
        reporter_tag=sealing.tag(key, str(principal.person_id)) if key else None,
        receipt_hash=receipt_hash,
        due_at=rules.report_due(settings, now),
        created_at=now,
    )
    repo = ConductRepository(uow.session)
    repo.add(row)
    notifications = NotificationRepository(uow.session)
    recipients = set(repo.managers(group.id))
    if form.category in ("security", "non_enforcement"):
        # A security issue, or the admins not enforcing: the office hears of it too.
        recipients |= set(_people_with(uow, Role.OFFICE))
    recipients.discard(target_person_id or 0)
    for person_id in sorted(recipients):
        notifications.notify(person_id, "report.filed", {"group": group.name, "report": row.id})
    audit.record(
        uow,
        ANONYMOUS,
        "report.filed",
        target_type="group",
        target_id=group.id,
        summary={"report": row.id, "kind": row.target_kind, "mode": row.mode},
    )
    return Filed(row.id, token, row.mode, keep)


def _people_with(uow: UnitOfWork, role: Role) -> list[int]:
    return [
        u.person_id
        for u in AccountRepository(uow.session).all()
        if u.person_id and any(r.role == role.value for r in u.roles)
    ]


@dataclass(frozen=True)
class ReportView:
    """A report as handlers and the reporter see it: nothing in it names the reporter."""

    id: int
    group_id: int
    group_name: str
    target_kind: str
    seq: int | None
    body: str
    target_name: str
    category: str
    reason: str
    status: str
    due_at: datetime
    overdue: bool
    escalated: bool
    outcome: str
    note: str
    created_at: datetime


def view(uow: UnitOfWork, row: Report, *, with_target: bool = True) -> ReportView:
    message = MessageRepository(uow.session).get(row.message_id) if row.message_id else None
    person = (
        DirectoryRepository(uow.session).person(row.target_person_id)
        if row.target_person_id and with_target
        else None
    )
    group = GroupRepository(uow.session).group(row.group_id)
    return ReportView(
        row.id,
        row.group_id,
        group.name if group else "",
        row.target_kind,
        message.seq if message else None,
        message.body if message and with_target else "",
        person.name if person else "",
        row.category,
        row.reason,
        row.status,
        row.due_at,
        row.status == "open" and row.due_at < uow.now(),
        row.escalated_at is not None,
        row.outcome,
        row.note,
        row.created_at,
    )


def mine(uow: UnitOfWork, principal: Principal) -> list[ReportView]:
    """The reporter's own confidential reports (anonymous ones: by receipt only)."""
    if principal.person_id is None or _key is None:
        return []
    rows = ConductRepository(uow.session).reports_by_tag(
        sealing.tag(_key, str(principal.person_id))
    )
    return [view(uow, r) for r in rows]


def by_receipt(uow: UnitOfWork, token: str) -> ReportView:
    """Follow a report with its receipt: status and outcome, not who handled it."""
    row = ConductRepository(uow.session).report_by_receipt(sealing.receipt_hash(token))
    if row is None:
        raise not_found("reports.report")
    return view(uow, row)


def close(
    uow: UnitOfWork, principal: Principal, report_id: int, outcome: str, note: str = ""
) -> Report:
    """Close a report with the measure taken (the review queue's decisions call this)."""
    row, _group, _role = access_report(uow, principal, report_id)
    if row.status != "open":
        raise DomainError("review.already_decided", ErrorKind.CONFLICT)
    row.status, row.outcome, row.note = "closed", outcome, note.strip()
    row.decided_by, row.decided_at = principal.user_id, uow.now()
    audit.record(
        uow,
        principal.actor(),
        "report.closed",
        target_type="group",
        target_id=row.group_id,
        summary={"report": row.id, "outcome": outcome},
    )
    return row


def escalate_overdue(uow: UnitOfWork, now: datetime | None = None) -> int:
    """Open reports past their deadline: the group's admins are reminded and the office
    is told; the report is marked escalated (once)."""
    now = now or uow.now()
    rows = ConductRepository(uow.session).overdue_reports(now)
    if not rows:
        return 0
    office = _people_with(uow, Role.OFFICE)
    groups = GroupRepository(uow.session)
    notifications = NotificationRepository(uow.session)
    repo = ConductRepository(uow.session)
    for row in rows:
        row.escalated_at = now
        group = groups.group(row.group_id)
        for person_id in sorted(set(office) | set(repo.managers(row.group_id))):
            notifications.notify(
                person_id,
                "report.overdue",
                {"group": group.name if group else "", "report": row.id},
            )
        audit.record(
            uow,
            SYSTEM,
            "report.escalated",
            target_type="group",
            target_id=row.group_id,
            summary={"report": row.id, "due_at": row.due_at.isoformat()},
        )
    return len(rows)


# Revealing a confidential reporter -------------------------------------------------------------


def request_reveal(
    uow: UnitOfWork, principal: Principal, report_id: int, reason: str
) -> ReporterReveal:
    if Role.SECURITY_ADMIN not in principal.roles:
        raise DomainError("reports.reveal_forbidden", ErrorKind.FORBIDDEN)
    row = ConductRepository(uow.session).report(report_id)
    if row is None:
        raise not_found("reports.report")
    if row.reporter_sealed is None:
        raise DomainError(
            "reports.no_identity", ErrorKind.CONFLICT, clause_ids=rules.REPORTER_PROTECTED
        )
    if not reason.strip():
        raise DomainError("members.reason_missing")
    reveal = ReporterReveal(report_id=row.id, requested_by=principal.user_id, reason=reason.strip())
    ConductRepository(uow.session).add(reveal)
    audit.record(
        uow,
        principal.actor(),
        "report.reveal_requested",
        target_type="report",
        target_id=row.id,
        summary={"reveal": reveal.id, "reason": reveal.reason},
    )
    return reveal


def approve_reveal(uow: UnitOfWork, principal: Principal, reveal_id: int) -> ReporterReveal:
    """A leader approves; two approvers other than the requester are needed."""
    if Role.LEADER not in principal.roles:
        raise DomainError("reports.reveal_forbidden", ErrorKind.FORBIDDEN)
    reveal = ConductRepository(uow.session).reveal(reveal_id)
    if reveal is None:
        raise not_found("reports.reveal")
    rules.check_reveal_approver(reveal.requested_by, principal.user_id, reveal.approvals)
    reveal.approvals = [*reveal.approvals, principal.user_id]
    audit.record(
        uow,
        principal.actor(),
        "report.reveal_approved",
        target_type="report",
        target_id=reveal.report_id,
        summary={"reveal": reveal.id, "approvals": len(reveal.approvals)},
    )
    return reveal


@dataclass(frozen=True)
class Revealed:
    name: str
    staff_no: str


def reveal(uow: UnitOfWork, principal: Principal, reveal_id: int) -> Revealed:
    """The requester reads the reporter once two approvals are in; each reading audited."""
    row = ConductRepository(uow.session).reveal(reveal_id)
    if row is None or row.requested_by != principal.user_id:
        raise not_found("reports.reveal")
    if len(row.approvals) < rules.REVEAL_APPROVALS_NEEDED:
        raise DomainError(
            "reports.reveal_not_approved",
            ErrorKind.FORBIDDEN,
            params={"approvals": len(row.approvals), "needed": rules.REVEAL_APPROVALS_NEEDED},
            clause_ids=rules.REPORTER_PROTECTED,
        )
    report = ConductRepository(uow.session).report(row.report_id)
    assert report is not None
    assert report.reporter_sealed is not None
    person_id = int(sealing.unseal(_require_key(), report.reporter_sealed))
    person = DirectoryRepository(uow.session).person(person_id)
    audit.record(
        uow,
        principal.actor(),
        "report.reporter_revealed",
        target_type="report",
        target_id=report.id,
        summary={"reveal": row.id},
    )
    return Revealed(person.name if person else "", person.staff_no if person else "")


@dataclass(frozen=True)
class RevealView:
    id: int
    report_id: int
    reason: str
    approvals: int
    requested_at: datetime


def reveals(uow: UnitOfWork, principal: Principal) -> list[RevealView]:
    if not {Role.SECURITY_ADMIN, Role.LEADER} & principal.roles:
        raise DomainError("reports.reveal_forbidden", ErrorKind.FORBIDDEN)
    return [
        RevealView(r.id, r.report_id, r.reason, len(r.approvals), r.requested_at)
        for r in ConductRepository(uow.session).reveals()
    ]
