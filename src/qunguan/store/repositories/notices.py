"""Notices: grants, notices and their attachments, targets, recipients, acknowledgements;
group announcements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from qunguan.store.models import (
    Department,
    Group,
    GroupAnnouncement,
    Membership,
    Message,
    Notice,
    NoticeAcknowledgement,
    NoticeAttachment,
    NoticeGrant,
    NoticeRecipient,
    NoticeTarget,
    Person,
)


@dataclass(frozen=True)
class GroupTally:
    group_id: int
    recipients: int
    acknowledged: int


@dataclass(frozen=True)
class LedgerRow:
    person_id: int
    name: str
    staff_no: str
    department_id: int
    department: str
    post: str
    group_id: int
    acknowledged_at: datetime | None
    how: str


@dataclass(frozen=True)
class LiveNoticeRow:
    notice_id: int
    reply_required: bool
    acknowledged: bool
    message_seq: int | None


# A recipient's acknowledgement, for outer joins from the recipients.
_ACKNOWLEDGED = and_(
    NoticeAcknowledgement.notice_id == NoticeRecipient.notice_id,
    NoticeAcknowledgement.person_id == NoticeRecipient.person_id,
)


class NoticeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- grants ---------------------------------------------------------------------

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def live_grants(self, department_id: int, now: datetime) -> list[NoticeGrant]:
        stmt = select(NoticeGrant).where(
            NoticeGrant.department_id == department_id,
            NoticeGrant.revoked_at.is_(None),
            NoticeGrant.starts_at <= now,
            NoticeGrant.ends_at > now,
        )
        return list(self.session.scalars(stmt.order_by(NoticeGrant.id)))

    def grants(self) -> list[tuple[NoticeGrant, str]]:
        stmt = select(NoticeGrant, Department.name).join(
            Department, Department.id == NoticeGrant.department_id
        )
        return [(g, name) for g, name in self.session.execute(stmt.order_by(NoticeGrant.id.desc()))]

    def grant(self, grant_id: int) -> NoticeGrant | None:
        return self.session.get(NoticeGrant, grant_id)

    def active_groups(self) -> list[tuple[int, str, int]]:
        """Active groups with their current member counts, by name."""
        counts = (
            select(Membership.group_id, func.count().label("n"))
            .where(Membership.left_at.is_(None))
            .group_by(Membership.group_id)
            .subquery()
        )
        stmt = (
            select(Group.id, Group.name, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.group_id == Group.id)
            .where(Group.status == "active")
            .order_by(Group.name)
        )
        return [(gid, name, int(n)) for gid, name, n in self.session.execute(stmt)]

    # --- notices --------------------------------------------------------------------

    def get(self, notice_id: int) -> Notice | None:
        return self.session.get(Notice, notice_id)

    def get_for_update(self, notice_id: int) -> Notice | None:
        return self.session.scalars(
            select(Notice).where(Notice.id == notice_id).with_for_update()
        ).first()

    def published_by(self, user_id: int, limit: int = 100) -> list[Notice]:
        stmt = (
            select(Notice)
            .where(Notice.publisher_user_id == user_id)
            .order_by(Notice.id.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def recent(self, limit: int = 100) -> list[Notice]:
        return list(self.session.scalars(select(Notice).order_by(Notice.id.desc()).limit(limit)))

    def pending_approval(self) -> list[Notice]:
        stmt = select(Notice).where(Notice.status == "pending_approval").order_by(Notice.id)
        return list(self.session.scalars(stmt))

    def for_person(self, person_id: int, limit: int = 100) -> list[tuple[Notice, datetime | None]]:
        """Notices delivered to a person, newest first, with their acknowledgement time."""
        ids = (
            select(NoticeRecipient.notice_id)
            .where(NoticeRecipient.person_id == person_id)
            .distinct()
            .scalar_subquery()
        )
        stmt = (
            select(Notice, NoticeAcknowledgement.at)
            .outerjoin(
                NoticeAcknowledgement,
                and_(
                    NoticeAcknowledgement.notice_id == Notice.id,
                    NoticeAcknowledgement.person_id == person_id,
                ),
            )
            .where(Notice.id.in_(ids))
            .order_by(Notice.id.desc())
            .limit(limit)
        )
        return [(n, at) for n, at in self.session.execute(stmt)]

    def outstanding_count(self, person_id: int) -> int:
        """Reply-required notices in force the person has not acknowledged."""
        stmt = (
            select(func.count(func.distinct(NoticeRecipient.notice_id)))
            .join(Notice, Notice.id == NoticeRecipient.notice_id)
            .outerjoin(
                NoticeAcknowledgement,
                _ACKNOWLEDGED,
            )
            .where(
                NoticeRecipient.person_id == person_id,
                Notice.status == "published",
                Notice.reply_required.is_(True),
                NoticeAcknowledgement.person_id.is_(None),
            )
        )
        return int(self.session.scalar(stmt) or 0)

    def attachments(self, notice_id: int) -> list[NoticeAttachment]:
        """A notice's attachments, their bytes left unread (lists and hashes need none)."""
        stmt = (
            select(NoticeAttachment)
            .where(NoticeAttachment.notice_id == notice_id)
            .options(defer(NoticeAttachment.content, raiseload=True))
        )
        return list(self.session.scalars(stmt.order_by(NoticeAttachment.id)))

    def attachment(self, attachment_id: int) -> NoticeAttachment | None:
        return self.session.get(NoticeAttachment, attachment_id)

    def targets(self, notice_id: int) -> list[NoticeTarget]:
        stmt = select(NoticeTarget).where(NoticeTarget.notice_id == notice_id)
        return list(self.session.scalars(stmt.order_by(NoticeTarget.group_id)))

    def add_recipients(self, notice_id: int, group_ids: list[int], exclude_person: int) -> None:
        """Everyone currently in the groups becomes a recipient, in one statement."""
        chosen = select(literal(notice_id), Membership.group_id, Membership.person_id).where(
            Membership.group_id.in_(group_ids),
            Membership.left_at.is_(None),
            Membership.person_id != exclude_person,
        )
        self.session.execute(
            insert(NoticeRecipient).from_select(["notice_id", "group_id", "person_id"], chosen)
        )

    def is_recipient(self, notice_id: int, person_id: int) -> int | None:
        """The first group through which the person received the notice, if any."""
        stmt = select(func.min(NoticeRecipient.group_id)).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id == person_id
        )
        return self.session.scalar(stmt)

    # --- acknowledgements -----------------------------------------------------------

    def acknowledge(self, values: dict[str, Any]) -> bool:
        """Insert the acknowledgement unless one exists; True when this one is the first."""
        dialect = self.session.get_bind().dialect.name
        maker = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            maker(NoticeAcknowledgement)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(NoticeAcknowledgement.person_id)
        )
        # RETURNING, not rowcount: drivers may report -1 for an INSERT ... ON CONFLICT.
        return self.session.execute(stmt).first() is not None

    def acknowledgement(self, notice_id: int, person_id: int) -> NoticeAcknowledgement | None:
        return self.session.get(NoticeAcknowledgement, (notice_id, person_id))

    def acknowledged_people(self, notice_id: int) -> dict[int, datetime]:
        stmt = select(NoticeAcknowledgement.person_id, NoticeAcknowledgement.at).where(
            NoticeAcknowledgement.notice_id == notice_id
        )
        return {pid: at for pid, at in self.session.execute(stmt)}

    def tallies(self, notice_id: int) -> tuple[list[GroupTally], int, int]:
        """Per target group and overall (each person once): recipients and acknowledged."""
        per_group = self.session.execute(
            select(
                NoticeRecipient.group_id,
                func.count(),
                func.count(NoticeAcknowledgement.person_id),
            )
            .outerjoin(NoticeAcknowledgement, _ACKNOWLEDGED)
            .where(NoticeRecipient.notice_id == notice_id)
            .group_by(NoticeRecipient.group_id)
            .order_by(NoticeRecipient.group_id)
        )
        tallies = [GroupTally(g, int(n), int(a)) for g, n, a in per_group]
        if len(tallies) <= 1:  # one group: its count is everyone's, no second pass
            return tallies, sum(t.recipients for t in tallies), sum(t.acknowledged for t in tallies)
        overall = self.session.execute(
            select(
                func.count(func.distinct(NoticeRecipient.person_id)),
                func.count(func.distinct(NoticeAcknowledgement.person_id)),
            )
            .outerjoin(NoticeAcknowledgement, _ACKNOWLEDGED)
            .where(NoticeRecipient.notice_id == notice_id)
        ).one()
        return tallies, int(overall[0]), int(overall[1])

    def ledger(
        self,
        notice_id: int,
        *,
        group_id: int | None = None,
        status: str = "",
        offset: int = 0,
        limit: int | None = None,
    ) -> list[LedgerRow]:
        """Recipients with their acknowledgement, outstanding first, then by time.

        The page of people is chosen from the recipients and acknowledgements alone; only
        that page is joined with the directory, so a 10,000-member notice stays fast."""
        first_group = func.min(NoticeRecipient.group_id)
        page = (
            select(
                NoticeRecipient.person_id,
                first_group,
                NoticeAcknowledgement.at,
                NoticeAcknowledgement.how,
            )
            .outerjoin(
                NoticeAcknowledgement,
                _ACKNOWLEDGED,
            )
            .where(NoticeRecipient.notice_id == notice_id)
            .group_by(
                NoticeRecipient.person_id, NoticeAcknowledgement.at, NoticeAcknowledgement.how
            )
        )
        if group_id is not None:
            page = page.where(NoticeRecipient.group_id == group_id)
        if status == "acknowledged":
            page = page.where(NoticeAcknowledgement.person_id.is_not(None))
        elif status == "outstanding":
            page = page.where(NoticeAcknowledgement.person_id.is_(None))
        page = page.order_by(
            NoticeAcknowledgement.at.is_not(None),
            NoticeAcknowledgement.at,
            NoticeRecipient.person_id,
        ).offset(offset)
        if limit is not None:
            page = page.limit(limit)
        chosen = list(self.session.execute(page))
        ids = [row[0] for row in chosen]
        people = (
            {
                pid: (name, staff_no, dep_id, dep_name, post)
                for pid, name, staff_no, dep_id, dep_name, post in self.session.execute(
                    select(
                        Person.id,
                        Person.name,
                        Person.staff_no,
                        Department.id,
                        Department.name,
                        Person.post,
                    )
                    .join(Department, Department.id == Person.department_id)
                    .where(Person.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        return [
            LedgerRow(pid, *people[pid], gid, at, how or "")
            for pid, gid, at, how in chosen
            if pid in people
        ]

    def outstanding_people(self, notice_id: int) -> list[tuple[int, int | None]]:
        """Recipients still in the agency who have not acknowledged, with their department."""
        stmt = (
            select(NoticeRecipient.person_id, Person.department_id)
            .join(Person, Person.id == NoticeRecipient.person_id)
            .outerjoin(
                NoticeAcknowledgement,
                _ACKNOWLEDGED,
            )
            .where(
                NoticeRecipient.notice_id == notice_id,
                NoticeAcknowledgement.person_id.is_(None),
                Person.status == "active",
            )
            .distinct()
        )
        return [(pid, dep) for pid, dep in self.session.execute(stmt)]

    def latest_announcement(self, group_id: int) -> GroupAnnouncement | None:
        stmt = (
            select(GroupAnnouncement)
            .where(GroupAnnouncement.group_id == group_id)
            .order_by(GroupAnnouncement.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    # --- the send path and the scheduler ---------------------------------------------

    def live_in_group(self, group_id: int, person_id: int) -> list[LiveNoticeRow]:
        """Notices still pinned in a group that reached this person, newest first."""
        stmt = (
            select(
                Notice.id,
                Notice.reply_required,
                NoticeAcknowledgement.person_id.is_not(None),
                Message.seq,
            )
            .join(NoticeTarget, NoticeTarget.notice_id == Notice.id)
            .join(
                NoticeRecipient,
                and_(
                    NoticeRecipient.notice_id == Notice.id,
                    NoticeRecipient.group_id == NoticeTarget.group_id,
                    NoticeRecipient.person_id == person_id,
                ),
            )
            .outerjoin(Message, Message.id == NoticeTarget.message_id)
            .outerjoin(
                NoticeAcknowledgement,
                and_(
                    NoticeAcknowledgement.notice_id == Notice.id,
                    NoticeAcknowledgement.person_id == person_id,
                ),
            )
            .where(
                NoticeTarget.group_id == group_id,
                Notice.status == "published",
                Notice.unpinned_at.is_(None),
            )
            .order_by(Notice.id.desc())
        )
        return [LiveNoticeRow(n, bool(r), bool(a), s) for n, r, a, s in self.session.execute(stmt)]

    def due_for_unpin(self, now: datetime) -> list[Notice]:
        stmt = select(Notice).where(
            Notice.status == "published",
            Notice.unpinned_at.is_(None),
            Notice.deadline.is_not(None),
            Notice.deadline <= now,
        )
        return list(self.session.scalars(stmt))

    def reminder_candidates(self, now: datetime) -> list[Notice]:
        """Published reply-required notices before their deadline."""
        stmt = select(Notice).where(
            Notice.status == "published",
            Notice.reply_required.is_(True),
            or_(Notice.deadline.is_(None), Notice.deadline > now),
        )
        return list(self.session.scalars(stmt))

    def overdue_for(
        self, user_id: int, department_id: int | None, now: datetime, limit: int = 50
    ) -> list[Notice]:
        """Published reply-required notices past their deadline that this user published,
        or with someone of this department still outstanding."""
        mine = Notice.publisher_user_id == user_id
        if department_id is not None:
            outstanding_here = (
                select(NoticeRecipient.notice_id)
                .join(Person, Person.id == NoticeRecipient.person_id)
                .outerjoin(
                    NoticeAcknowledgement,
                    _ACKNOWLEDGED,
                )
                .where(
                    Person.department_id == department_id,
                    NoticeAcknowledgement.person_id.is_(None),
                )
            )
            mine = or_(mine, Notice.id.in_(outstanding_here))
        stmt = (
            select(Notice)
            .where(
                Notice.status == "published",
                Notice.reply_required.is_(True),
                Notice.deadline.is_not(None),
                Notice.deadline <= now,
                mine,
            )
            .order_by(Notice.deadline.desc())
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def overdue_unreported(self, now: datetime) -> list[Notice]:
        stmt = select(Notice).where(
            Notice.status == "published",
            Notice.reply_required.is_(True),
            Notice.deadline.is_not(None),
            Notice.deadline <= now,
            Notice.overdue_reported_at.is_(None),
        )
        return list(self.session.scalars(stmt))

    def claim(self, notice_id: int, column: str, expected: datetime | None, now: datetime) -> bool:
        """Move a notice's reminder or report mark on, only if no other process did."""
        col = getattr(Notice, column)
        cond = col.is_(None) if expected is None else col == expected
        result = self.session.execute(
            update(Notice).where(Notice.id == notice_id, cond).values({column: now})
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
