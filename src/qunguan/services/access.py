"""The one door: everything a principal asks for by id is loaded here.

Each ``access_*`` loader returns the thing with the principal's standing towards it, or
refuses. "Not yours" answers exactly like "there is none" — the same code, the same body —
so no answer tells a stranger that a group, message, notice, violation, appeal, report,
patrol or review item exists. Only once the thing is visible may a use case refuse with
"forbidden" (a member of a group knows the group; whether they may rename it is a rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from qunguan.domain.access import Role
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.policy.rules import sanctions as conduct_rules
from qunguan.policy.rules.membership import GroupRole, is_department_head, may_manage
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import (
    Appeal,
    AuditFinding,
    Group,
    Invitation,
    Message,
    Notice,
    Patrol,
    Person,
    Report,
    Sanction,
    Violation,
)
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.membership import (
    FindingRepository,
    InvitationRepository,
    MembershipRepository,
)
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notices import NoticeRepository


@contextmanager
def looks_missing(what: str) -> Iterator[None]:
    """Inside, any "not found" or "forbidden" becomes ``what`` not found: one answer for
    a thing that is not there and a thing that is not the principal's."""
    try:
        yield
    except DomainError as exc:
        if exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.FORBIDDEN):
            raise not_found(what) from None
        raise


# Groups -----------------------------------------------------------------------------------


def access_group(
    uow: UnitOfWork, principal: Principal, group_id: int, *, as_member: bool = False
) -> tuple[Group, GroupRole | None]:
    """The group and the principal's role in it. Members see theirs; the office, which runs
    groups, sees all (with no role in them) unless ``as_member`` asks for membership."""
    group = GroupRepository(uow.session).group(group_id)
    if group is None:
        raise not_found("group")
    membership = (
        MembershipRepository(uow.session).membership(group_id, principal.person_id)
        if principal.person_id
        else None
    )
    if membership is not None:
        return group, GroupRole(membership.role)
    if Role.OFFICE in principal.roles and not as_member:
        return group, None
    raise not_found("group")


def access_group_to_keep_order(
    uow: UnitOfWork, principal: Principal, group_id: int
) -> tuple[Group, GroupRole | None]:
    """A group as one who keeps order in it sees it: its owner and admins, or the security
    admin (agency-wide review). A member who does not manage it is refused (they know the
    group); to anyone else it is none."""
    if Role.SECURITY_ADMIN in principal.roles:
        group = GroupRepository(uow.session).group(group_id)
        if group is None:
            raise not_found("group")
        return group, None
    group, role = access_group(uow, principal, group_id)
    if not may_manage(role):
        raise DomainError(
            "groups.not_manager",
            ErrorKind.FORBIDDEN,
            clause_ids=conduct_rules.REMOVAL_OF_CONTENT,
        )
    return group, role


# Membership -------------------------------------------------------------------------------


def access_join_request(
    uow: UnitOfWork, principal: Principal, request_id: int
) -> tuple[Invitation, Group, GroupRole | None]:
    """A person's request to join a group, for those who can see the group."""
    request = InvitationRepository(uow.session).invitation(request_id)
    if request is None or request.kind != "request":
        raise not_found("members.request")
    with looks_missing("members.request"):
        group, role = access_group(uow, principal, request.group_id)
    return request, group, role


def access_own_invitation(uow: UnitOfWork, principal: Principal, invitation_id: int) -> Invitation:
    """An invitation addressed to the principal."""
    invitation = InvitationRepository(uow.session).invitation(invitation_id)
    if (
        invitation is None
        or invitation.kind != "invitation"
        or invitation.person_id != principal.person_id
    ):
        raise not_found("members.invitation")
    return invitation


def access_membership_change(
    uow: UnitOfWork, request_id: int, kinds: tuple[str, ...]
) -> Invitation:
    """A proposed addition or removal awaiting the approver. Who approves is an agency-wide
    role, checked before this load, so the load itself tells a stranger nothing."""
    row = InvitationRepository(uow.session).invitation(request_id)
    if row is None or row.kind not in kinds:
        raise not_found("members.request")
    return row


# Messages ---------------------------------------------------------------------------------


def access_message(
    uow: UnitOfWork, principal: Principal, group_id: int, seq: int
) -> tuple[Group, GroupRole, Message]:
    """A message of a group the principal is a member of, by its place in the group."""
    with looks_missing("messages.message"):
        group, role = access_group(uow, principal, group_id, as_member=True)
    message = MessageRepository(uow.session).by_seq(group.id, seq)
    if message is None or role is None:
        raise not_found("messages.message")
    return group, role, message


def access_message_to_keep_order(
    uow: UnitOfWork,
    principal: Principal,
    group_id: int,
    *,
    seq: int | None = None,
    message_id: int | None = None,
) -> tuple[Group, Message]:
    """A message of a group the principal keeps order in, by place or by id; a message of
    another group is none."""
    group, _role = access_group_to_keep_order(uow, principal, group_id)
    repo = MessageRepository(uow.session)
    message = repo.get(message_id) if message_id is not None else None
    if message is None and seq is not None:
        message = repo.by_seq(group.id, seq)
    if message is None or message.group_id != group.id:
        raise not_found("messages.message")
    return group, message


# Notices ----------------------------------------------------------------------------------


def manages_notice(principal: Principal, notice: Notice) -> bool:
    """The publisher, the office and leaders run a notice."""
    return notice.publisher_user_id == principal.user_id or not {
        Role.OFFICE,
        Role.LEADER,
    }.isdisjoint(principal.roles)


def access_notice(
    uow: UnitOfWork, principal: Principal, notice_id: int, *, manage: bool = False
) -> Notice:
    """A notice the principal runs, or received (unless ``manage`` asks to run it)."""
    repo = NoticeRepository(uow.session)
    notice = repo.get(notice_id)
    if notice is None:
        raise not_found("notices.notice")
    if manages_notice(principal, notice):
        return notice
    received = (
        principal.person_id is not None
        and repo.is_recipient(notice_id, principal.person_id) is not None
    )
    if manage or not received:
        raise not_found("notices.notice")
    return notice


def access_notice_received(
    uow: UnitOfWork, principal: Principal, notice_id: int
) -> tuple[Notice, int]:
    """A published (or since superseded) notice the principal received, with the group it
    reached them in: what one may acknowledge."""
    if principal.person_id is None:
        raise not_found("notices.notice")
    repo = NoticeRepository(uow.session)
    group_id = repo.is_recipient(notice_id, principal.person_id)
    notice = repo.get(notice_id) if group_id is not None else None
    if notice is None or group_id is None or notice.status not in ("published", "superseded"):
        raise not_found("notices.notice")
    return notice, group_id


# Keeping order ----------------------------------------------------------------------------


def _kept_group(
    uow: UnitOfWork, principal: Principal, group_id: int, what: str
) -> tuple[Group, GroupRole | None]:
    """The group of a keeping-order record, for those who keep order in it; to anyone else
    the record (``what``) is none."""
    with looks_missing(what):
        return access_group_to_keep_order(uow, principal, group_id)


def access_violation(
    uow: UnitOfWork, principal: Principal, violation_id: int
) -> tuple[Violation, Group, GroupRole | None]:
    """A recorded violation, for those who keep order in its group."""
    violation = ConductRepository(uow.session).violation(violation_id)
    if violation is None:
        raise not_found("sanctions.violation")
    group, role = _kept_group(uow, principal, violation.group_id, "sanctions.violation")
    return violation, group, role


def access_own_sanction(uow: UnitOfWork, principal: Principal, sanction_id: int) -> Sanction:
    """A sanction of the principal's own (to appeal it)."""
    sanction = ConductRepository(uow.session).sanction(sanction_id)
    if sanction is None or principal.person_id is None or sanction.person_id != principal.person_id:
        raise not_found("sanctions.sanction")
    return sanction


def access_appeal(
    uow: UnitOfWork, principal: Principal, appeal_id: int
) -> tuple[Appeal, Sanction, Group, GroupRole | None]:
    """An appeal, for those who keep order in the group of the sanction appealed."""
    repo = ConductRepository(uow.session)
    appeal = repo.appeal(appeal_id)
    sanction = repo.sanction(appeal.sanction_id) if appeal else None
    if appeal is None or sanction is None:
        raise not_found("appeals.appeal")
    group, role = _kept_group(uow, principal, sanction.group_id, "appeals.appeal")
    return appeal, sanction, group, role


def access_report(
    uow: UnitOfWork, principal: Principal, report_id: int
) -> tuple[Report, Group, GroupRole | None]:
    """A report, for those who keep order in its group (never its author's identity)."""
    report = ConductRepository(uow.session).report(report_id)
    if report is None:
        raise not_found("reports.report")
    group, role = _kept_group(uow, principal, report.group_id, "reports.report")
    return report, group, role


def access_patrol(
    uow: UnitOfWork, principal: Principal, patrol_id: int
) -> tuple[Patrol, Group, GroupRole | None]:
    """A patrol, for the owner and admins of its group."""
    patrol = ConductRepository(uow.session).patrol(patrol_id)
    if patrol is None:
        raise not_found("patrols.patrol")
    with looks_missing("patrols.patrol"):
        group, role = access_group(uow, principal, patrol.group_id)
        if not may_manage(role):
            raise not_found("patrols.patrol")
    return patrol, group, role


def access_finding(
    uow: UnitOfWork, principal: Principal, finding_id: int, *, kind: str | None = None
) -> tuple[AuditFinding, Group, GroupRole | None]:
    """A membership-audit finding (of ``kind``, if given), for the group's owner and admins."""
    finding = FindingRepository(uow.session).finding(finding_id)
    if finding is None or (kind is not None and finding.kind != kind):
        raise not_found("members.finding")
    with looks_missing("members.finding"):
        group, role = access_group(uow, principal, finding.group_id)
        if not may_manage(role):
            raise not_found("members.finding")
    return finding, group, role


def confirmers(uow: UnitOfWork, person: Person | None) -> list[int]:
    """Who answers for a member's department: its heads, or the office if it has none."""
    if person is None:
        return []
    heads = [
        p
        for p in DirectoryRepository(uow.session).active_people_in([person.department_id])
        if p.id != person.id and is_department_head(p.post)
    ]
    if heads:
        return [p.id for p in heads]
    return [
        u.person_id
        for u in AccountRepository(uow.session).all()
        if u.person_id is not None and any(r.role == Role.OFFICE.value for r in u.roles)
    ]


def access_finding_to_confirm(
    uow: UnitOfWork, principal: Principal, finding_id: int, *, kind: str
) -> AuditFinding:
    """A finding about a member of the principal's department, which the principal (a head
    of that department, or the office where it has none) answers for."""
    finding = FindingRepository(uow.session).finding(finding_id)
    if finding is None or finding.kind != kind or principal.person_id is None:
        raise not_found("members.finding")
    person = DirectoryRepository(uow.session).person(finding.person_id)
    if principal.person_id not in confirmers(uow, person):
        raise not_found("members.finding")
    return finding


@dataclass(frozen=True)
class ReviewItem:
    """One item of a review queue: its kind, its row's id and its group."""

    kind: str
    id: int
    group: Group


def access_review_item(
    uow: UnitOfWork, principal: Principal, kind: str, item_id: int
) -> ReviewItem:
    """An item of the queues the principal reviews: held content, a report, an appeal, a
    membership finding. Anything else — a missing item, an item of a group the principal
    does not keep order in, an unknown kind — is the same "no such item"."""
    with looks_missing("review.item"):
        if kind == "held":
            message = MessageRepository(uow.session).get(item_id)
            if message is None:
                raise not_found("review.item")
            group, _role = access_group_to_keep_order(uow, principal, message.group_id)
            return ReviewItem(kind, message.id, group)
        if kind == "report":
            report, group, _role = access_report(uow, principal, item_id)
            return ReviewItem(kind, report.id, group)
        if kind == "appeal":
            appeal, _sanction, group, _role = access_appeal(uow, principal, item_id)
            return ReviewItem(kind, appeal.id, group)
        if kind == "finding":
            finding, group, _role = access_finding(uow, principal, item_id)
            return ReviewItem(kind, finding.id, group)
    raise not_found("review.item")
