"""Messages, their revisions, read positions, categories, restrictions and search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Integer,
    Table,
    and_,
    bindparam,
    case,
    column,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.sql.selectable import Select

from qunguan.store.models import (
    Department,
    Group,
    Inquiry,
    InquiryTarget,
    Membership,
    Message,
    MessageCategory,
    MessageRevision,
    Person,
    PolicyAcknowledgement,
    PolicyVersion,
    ReadPosition,
    Restriction,
    Unit,
)

# FTS5's trigram tokenizer matches queries of three characters or more.
_TRIGRAM = 3


@dataclass(frozen=True)
class SendContext:
    """Everything the send path must know before it stores a message, read at once."""

    group_found: bool
    group_status: str
    group_type: str
    role: str | None  # the sender's role in the group; None: not a member
    existing_id: int | None  # a message already stored under this client id
    restricted: bool  # a mute or suspension is in force
    sent_last_minute: int
    policy_version: int | None
    policy_published_at: datetime | None
    acknowledged_version: bool  # the sender acknowledged the version in force
    acknowledged_any: bool
    sender_name: str
    sender_post: str
    sender_department: str
    sender_unit: str


def _send_context_statement() -> Select[Any]:
    """Built once: the send path runs it for every message, so it is compiled once too."""
    group_id: BindParameter[int] = bindparam("group_id")
    person_id: BindParameter[int] = bindparam("person_id")
    user_id: BindParameter[int] = bindparam("user_id")
    now: BindParameter[datetime] = bindparam("now")
    in_force = (
        select(PolicyVersion.version, PolicyVersion.published_at)
        .where(PolicyVersion.status == "published")
        .order_by(PolicyVersion.version.desc())
        .limit(1)
        .subquery()
    )
    role = (
        select(Membership.role)
        .where(
            Membership.group_id == group_id,
            Membership.person_id == person_id,
            Membership.left_at.is_(None),
        )
        .scalar_subquery()
    )
    existing = (
        select(Message.id)
        .where(Message.sender_user_id == user_id, Message.client_id == bindparam("client_id"))
        .scalar_subquery()
    )
    restricted = exists().where(
        Restriction.person_id == person_id,
        or_(Restriction.group_id == group_id, Restriction.group_id.is_(None)),
        Restriction.until > now,
        Restriction.starts_at <= now,
        Restriction.lifted_at.is_(None),
    )
    recent = (
        select(func.count())
        .select_from(Message)
        .where(Message.sender_person_id == person_id, Message.created_at >= bindparam("since"))
        .scalar_subquery()
    )
    acked = exists().where(
        PolicyAcknowledgement.user_id == user_id,
        PolicyAcknowledgement.version == in_force.c.version,
    )
    acked_any = exists().where(PolicyAcknowledgement.user_id == user_id)
    return (
        select(
            Group.status,
            Group.type,
            role,
            existing,
            restricted,
            recent,
            in_force.c.version,
            in_force.c.published_at,
            acked,
            acked_any,
            Person.name,
            Person.post,
            Department.name,
            Unit.name,
        )
        .select_from(Group)
        .outerjoin(in_force, literal(True))
        .join(Person, Person.id == person_id)
        .join(Department, Department.id == Person.department_id)
        .join(Unit, Unit.id == Department.unit_id)
        .where(Group.id == group_id)
    )


_SEND_CONTEXT = _send_context_statement()
# On the tables, not the mapped classes: the hot path skips the ORM's bookkeeping.
_GROUPS = cast(Table, Group.__table__)
_MESSAGES = cast(Table, Message.__table__)
_NEXT_SEQ = (
    update(_GROUPS)
    .where(_GROUPS.c.id == bindparam("gid"))
    .values(last_seq=_GROUPS.c.last_seq + 1)
    .returning(_GROUPS.c.last_seq)
)
_INSERT_MESSAGE = insert(_MESSAGES).returning(_MESSAGES.c.id)


@dataclass(frozen=True)
class SearchFilter:
    group_ids: Sequence[int]
    query: str
    sender_person_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    category: str = ""
    limit: int = 50


class MessageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def send_context(
        self,
        group_id: int,
        person_id: int,
        user_id: int,
        client_id: str,
        now: datetime,
        since: datetime,
    ) -> SendContext | None:
        """One query for the send path; None when the group or the sender's record is gone."""
        row = (
            self.session.connection()
            .execute(
                _SEND_CONTEXT,
                {
                    "group_id": group_id,
                    "person_id": person_id,
                    "user_id": user_id,
                    "client_id": client_id,
                    "now": now,
                    "since": since,
                },
            )
            .first()
        )
        if row is None:
            return None
        return SendContext(
            True,
            row[0],
            row[1],
            row[2],
            row[3],
            bool(row[4]),
            int(row[5]),
            row[6],
            row[7],
            bool(row[8]),
            bool(row[9]),
            row[10],
            row[11],
            row[12],
            row[13],
        )

    def next_seq(self, group_id: int) -> int:
        """Take the group's next sequence number. The row stays locked until commit, so
        concurrent senders in one group queue here and the numbers have no gaps."""
        return int(self.session.connection().execute(_NEXT_SEQ, {"gid": group_id}).scalar_one())

    def insert_message(self, values: dict[str, object]) -> int:
        """Store a message without the ORM's bookkeeping: the send path's hot insert."""
        return int(self.session.connection().execute(_INSERT_MESSAGE, values).scalar_one())

    def by_client_id(self, sender_user_id: int, client_id: str) -> Message | None:
        return self.session.scalar(
            select(Message).where(
                Message.sender_user_id == sender_user_id, Message.client_id == client_id
            )
        )

    def by_seq(self, group_id: int, seq: int) -> Message | None:
        return self.session.scalar(
            select(Message).where(Message.group_id == group_id, Message.seq == seq)
        )

    def get(self, message_id: int) -> Message | None:
        return self.session.get(Message, message_id)

    def any_message(self) -> bool:
        return self.session.scalar(select(Message.id).limit(1)) is not None

    def history(
        self, group_id: int, *, after: int = 0, before: int | None = None, limit: int = 50
    ) -> list[Message]:
        """Visible (or recalled) messages in seq order: those after ``after``, or the last
        ``limit`` before ``before``."""
        stmt = select(Message).where(Message.group_id == group_id, Message.seq.is_not(None))
        if before is not None:
            stmt = stmt.where(Message.seq < before)
            rows = list(self.session.scalars(stmt.order_by(Message.seq.desc()).limit(limit)))
            return rows[::-1]
        stmt = stmt.where(Message.seq > after)
        return list(self.session.scalars(stmt.order_by(Message.seq).limit(limit)))

    def latest(self, group_id: int, limit: int) -> list[Message]:
        return self.history(group_id, before=2**31 - 1, limit=limit)

    def held_of(self, group_id: int, sender_person_id: int | None = None) -> list[Message]:
        stmt = select(Message).where(Message.group_id == group_id, Message.status == "held")
        if sender_person_id is not None:
            stmt = stmt.where(Message.sender_person_id == sender_person_id)
        return list(self.session.scalars(stmt.order_by(Message.id)))

    def pinned(self, group_id: int) -> list[Message]:
        return list(
            self.session.scalars(
                select(Message)
                .where(
                    Message.group_id == group_id,
                    Message.pinned_at.is_not(None),
                    Message.status == "visible",
                )
                # Notices stay above anything else pinned (篇二 二.(二).4: 保持通知置顶).
                .order_by(case((Message.kind == "notice", 0), else_=1), Message.pinned_at.desc())
            )
        )

    def add_revision(self, message: Message, kind: str, by_user_id: int, at: datetime) -> None:
        self.session.add(
            MessageRevision(
                message_id=message.id, kind=kind, body=message.body, by_user_id=by_user_id, at=at
            )
        )

    # Read state -----------------------------------------------------------------------------

    def read_position(self, group_id: int, person_id: int) -> ReadPosition | None:
        return self.session.get(ReadPosition, (group_id, person_id))

    def unread_counts(self, person_id: int, cap: int = 100) -> dict[int, int]:
        """Per current group of the person: others' messages after their read position,
        counted up to ``cap`` (a page shows "99+"; a count never scans a whole history)."""
        positions = self.session.execute(
            select(Group.id, func.coalesce(ReadPosition.seq, 0), Group.last_seq)
            .join(Membership, and_(Membership.group_id == Group.id, Membership.left_at.is_(None)))
            .outerjoin(
                ReadPosition,
                and_(ReadPosition.group_id == Group.id, ReadPosition.person_id == person_id),
            )
            .where(Membership.person_id == person_id)
        ).all()
        counts: dict[int, int] = {}
        for group_id, read, last in positions:
            if last <= read:
                counts[int(group_id)] = 0
                continue
            window = (
                select(Message.id)
                .where(
                    Message.group_id == group_id,
                    Message.seq > read,
                    Message.sender_person_id != person_id,
                    Message.status == "visible",
                )
                .limit(cap)
                .subquery()
            )
            counts[int(group_id)] = int(
                self.session.scalar(select(func.count()).select_from(window)) or 0
            )
        return counts

    def latest_of(self, group_ids: Sequence[int]) -> dict[int, Message]:
        """Each group's last message, by the group's sequence counter (one indexed join)."""
        if not group_ids:
            return {}
        rows = self.session.scalars(
            select(Message)
            .join(Group, and_(Group.id == Message.group_id, Message.seq == Group.last_seq))
            .where(Group.id.in_(group_ids))
        )
        return {m.group_id: m for m in rows}

    # Categories -----------------------------------------------------------------------------

    def categories(self, group_id: int) -> list[MessageCategory]:
        return list(
            self.session.scalars(
                select(MessageCategory)
                .where(MessageCategory.group_id == group_id)
                .order_by(MessageCategory.name)
            )
        )

    def category(self, group_id: int, name: str) -> MessageCategory | None:
        return self.session.scalar(
            select(MessageCategory).where(
                MessageCategory.group_id == group_id, MessageCategory.name == name
            )
        )

    # Restrictions ---------------------------------------------------------------------------

    def restriction_in_force(
        self, group_id: int, person_id: int, now: datetime
    ) -> Restriction | None:
        """The longest mute in this group or suspension anywhere still running."""
        return self.session.scalar(
            select(Restriction)
            .where(
                Restriction.person_id == person_id,
                or_(Restriction.group_id == group_id, Restriction.group_id.is_(None)),
                Restriction.until > now,
                Restriction.starts_at <= now,
                Restriction.lifted_at.is_(None),
            )
            .order_by(Restriction.until.desc())
            .limit(1)
        )

    def restrictions_of(self, group_id: int, now: datetime) -> list[Restriction]:
        return list(
            self.session.scalars(
                select(Restriction)
                .where(
                    Restriction.group_id == group_id,
                    Restriction.until > now,
                    Restriction.lifted_at.is_(None),
                )
                .order_by(Restriction.until)
            )
        )

    def restriction(self, restriction_id: int) -> Restriction | None:
        return self.session.get(Restriction, restriction_id)

    # Search ---------------------------------------------------------------------------------

    def search(self, f: SearchFilter) -> list[Message]:
        """Visible messages of the given groups containing the query, newest first."""
        if not f.group_ids:
            return []
        stmt = select(Message).where(Message.group_id.in_(f.group_ids), Message.status == "visible")
        query = f.query.strip()
        dialect = self.session.get_bind().dialect.name
        if query and dialect == "sqlite" and len(query) >= _TRIGRAM:
            phrase = '"' + query.replace('"', '""') + '"'
            matching = text(
                "SELECT rowid FROM messages_fts WHERE messages_fts MATCH :q"
            ).bindparams(q=phrase)
            stmt = stmt.where(Message.id.in_(matching.columns(column("rowid", Integer))))
        elif query:
            # PostgreSQL's trigram index serves ILIKE; short queries scan.
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(Message.body.ilike(f"%{escaped}%", escape="\\"))
        if f.sender_person_id is not None:
            stmt = stmt.where(Message.sender_person_id == f.sender_person_id)
        if f.since is not None:
            stmt = stmt.where(Message.created_at >= f.since)
        if f.until is not None:
            stmt = stmt.where(Message.created_at < f.until)
        if f.category:
            stmt = stmt.where(Message.category == f.category)
        return list(self.session.scalars(stmt.order_by(Message.id.desc()).limit(f.limit)))

    def last_activity(
        self, group_id: int, person_ids: Sequence[int], *, substantive_only: bool = False
    ) -> dict[int, datetime]:
        """Each person's latest visible message in the group (bare acknowledgements left
        out where asked)."""
        if not person_ids:
            return {}
        stmt = select(Message.sender_person_id, func.max(Message.created_at)).where(
            Message.group_id == group_id,
            Message.sender_person_id.in_(person_ids),
            Message.status == "visible",
        )
        if substantive_only:
            stmt = stmt.where(Message.substantive.is_(True))
        rows = self.session.execute(stmt.group_by(Message.sender_person_id))
        return {int(p): at for p, at in rows}


# Inquiries, assignments and questions, and the people they wait on ------------------
@dataclass(frozen=True)
class OpenTarget:
    inquiry_id: int
    group_id: int
    group_name: str
    seq: int
    kind: str
    body: str
    asked_by: int
    asked_at: datetime
    due_at: datetime | None
    person_id: int
    responded_at: datetime | None


_ANSWERED = aliased(InquiryTarget)


class InquiryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    def add_targets(self, inquiry_id: int, person_ids: list[int]) -> None:
        self.session.execute(
            insert(InquiryTarget),
            [{"inquiry_id": inquiry_id, "person_id": p} for p in person_ids],
        )

    def respond(
        self, group_id: int, seq: int, person_id: int, message_id: int, at: datetime
    ) -> bool:
        """Mark the first response of a target to the inquiry at (group, seq)."""
        inquiry_id = select(Inquiry.id).where(Inquiry.group_id == group_id, Inquiry.seq == seq)
        result = self.session.execute(
            update(InquiryTarget)
            .where(
                InquiryTarget.inquiry_id.in_(inquiry_id.scalar_subquery()),
                InquiryTarget.person_id == person_id,
                InquiryTarget.responded_at.is_(None),
            )
            .values(responded_at=at, response_message_id=message_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def _rows(self) -> Any:
        """The columns of ``OpenTarget``, in its order."""
        stmt = (
            select(
                Inquiry.id,
                Inquiry.group_id,
                Group.name,
                Inquiry.seq,
                Inquiry.kind,
                Message.body,
                Inquiry.asked_by,
                Inquiry.asked_at,
                Inquiry.due_at,
                InquiryTarget.person_id,
                InquiryTarget.responded_at,
            )
            .join(InquiryTarget, InquiryTarget.inquiry_id == Inquiry.id)
            .join(Group, Group.id == Inquiry.group_id)
            .join(Message, Message.id == Inquiry.message_id)
        )
        return stmt

    def targets_of_group(self, group_id: int, limit: int = 500) -> list[OpenTarget]:
        stmt = (
            self._rows()
            .where(Inquiry.group_id == group_id)
            .order_by(Inquiry.id.desc(), InquiryTarget.person_id)
            .limit(limit)
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    def open_for_person(self, person_id: int) -> list[OpenTarget]:
        stmt = (
            self._rows()
            .where(
                InquiryTarget.person_id == person_id,
                InquiryTarget.responded_at.is_(None),
                ~self._question_answered(),
            )
            .order_by(Inquiry.asked_at)
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    @staticmethod
    def _question_answered() -> ColumnElement[bool]:
        """A question is answered once any of the admins it waits on has answered."""
        return and_(
            Inquiry.kind == "question",
            exists().where(_ANSWERED.inquiry_id == Inquiry.id, _ANSWERED.responded_at.is_not(None)),
        )

    def overdue_unreminded(self, now: datetime) -> list[OpenTarget]:
        stmt = self._rows().where(
            Inquiry.due_at.is_not(None),
            Inquiry.due_at <= now,
            InquiryTarget.responded_at.is_(None),
            InquiryTarget.reminded_at.is_(None),
            or_(Inquiry.kind != "question", ~self._question_answered()),
        )
        return [OpenTarget(*row) for row in self.session.execute(stmt)]

    def claim_reminder(self, inquiry_id: int, person_id: int, now: datetime) -> bool:
        result = self.session.execute(
            update(InquiryTarget)
            .where(
                InquiryTarget.inquiry_id == inquiry_id,
                InquiryTarget.person_id == person_id,
                InquiryTarget.reminded_at.is_(None),
            )
            .values(reminded_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
