"""The tables. Relationships are ``lazy="raise"``: an unplanned query fails loudly."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from qunguan.domain.clock import utcnow

# Stable constraint names so migrations read the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    departments: Mapped[list[Department]] = relationship(back_populates="unit", lazy="raise")


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_departments_unit_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(back_populates="departments", lazy="raise")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    post: Mapped[str] = mapped_column(String(60), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    status_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="raise")


class User(Base):
    """An account. Most are tied to a person of the directory; service accounts are not."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Base32 TOTP secret; set at enrolment, active once totp_enabled_at is set.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # When the holder last confirmed their own directory details (篇七 三.2).
    profile_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # The last TOTP time step accepted: a code is good once (no replay within its window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer, default=None)

    roles: Mapped[list[UserRole]] = relationship(
        lazy="raise", cascade="all, delete-orphan", back_populates="user"
    )


class UserRole(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class WebSession(Base):
    """A server-side login session; the cookie holds only a random id whose hash is stored."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    # When the second factor was proven in this session (None: not yet, or not enrolled).
    second_factor_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator; stored as a SHA-256."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class LoginFailure(Base):
    """One failed sign-in, for throttling by account and by client address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_client_at", "client_addr", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client_addr: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ApiToken(Base):
    """A token for scripts: named, scoped, expiring, stored hashed, revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class AuditRecord(Base):
    """One link of the hash-chained audit trail. Append-only: triggers refuse change."""

    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_records_at", "at"),
        Index("ix_audit_records_actor", "actor_user_id", "seq"),
        Index("ix_audit_records_action", "action", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_roles: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(80))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    client_addr: Mapped[str] = mapped_column(String(64))
    algorithm: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row that serialises appends and remembers the end of the chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class OutboxEvent(Base):
    """A domain event, stored with the change that caused it, for consumers to process."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_pending", "processed_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(80), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class DirectoryImport(Base):
    """The record of one applied import: who, when, which file, and what it changed."""

    __tablename__ = "directory_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class PolicyVersion(Base):
    """A policy document: proposed, then published (numbered) or refused.

    The published version with the highest number is in force; older ones stay readable.
    """

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int | None] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # proposed/published/refused
    preset: Mapped[str] = mapped_column(String(8))
    document: Mapped[str] = mapped_column(Text)  # YAML
    reason: Mapped[str] = mapped_column(Text, default="")
    # The version in force when proposed: approval is refused once another has been published.
    base_version: Mapped[int | None] = mapped_column(Integer, default=None)
    changes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class PolicyAcknowledgement(Base):
    """A person's confirmation that they have read a published version."""

    __tablename__ = "policy_acknowledgements"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GroupApplication(Base):
    """A request to create a group; the group exists only once it is approved."""

    __tablename__ = "group_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    type: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    owner_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    # The unit the group serves, if it is limited to one: members come from it alone.
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    # Everyone active in the scope unit belongs to the group (篇二 二.1: 全体干部职工必须加入).
    unit_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    applicant_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Directory names the applicant confirmed keeping in the name, where the policy warns.
    confirmed_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    # People the applicant proposes as the first members (person ids), invited on approval.
    proposed_members: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Active groups this one may duplicate, which the applicant confirmed knowingly.
    duplicate_of: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Approvals so far, where a type needs several: [{"user_id", "at", "note"}].
    approvals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Group(Base):
    """A work group: approved purpose, one accountable owner; archived, never deleted."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    type: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    owner_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    scope_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    unit_wide: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the owner left the agency: the office must choose a successor.
    needs_successor: Mapped[bool] = mapped_column(Boolean, default=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("group_applications.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # The sequence number of the group's last message: each send takes the next, in the
    # same transaction as the insert, so the sequence has no gaps.
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Membership(Base):
    """A person's membership of a group; kept after they leave, for the record."""

    __tablename__ = "memberships"
    __table_args__ = (
        Index("ix_memberships_group_active", "group_id", "left_at"),
        # One current membership per person and group: a race cannot make two.
        Index(
            "uq_memberships_current",
            "group_id",
            "person_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Why they were brought in (a request's reason, an owner's note).
    reason: Mapped[str] = mapped_column(Text, default="")
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appointed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    left_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    left_how: Mapped[str] = mapped_column(String(16), default="")  # left/removed/auto
    left_reason: Mapped[str] = mapped_column(Text, default="")
    # The invitation (or approved change request) this membership came from, if any.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), default=None)
    # The member silenced the group's alerts; urgent notices still alert (篇六 四.1).
    push_muted: Mapped[bool] = mapped_column(Boolean, default=False)


class Invitation(Base):
    """An invitation to join (needs the invitee's consent) or a member's request to add
    someone (needs an inviter's approval first)."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # invitation / request / change (an addition awaiting the approver) / removal
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Notification(Base):
    """Something a person must know: they were removed, their group lost its owner…"""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class JobRun(Base):
    """One run of a scheduled job for one period: the unique key lets exactly one server
    process claim it, however many are running."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period", name="uq_job_runs_job_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    period: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditFinding(Base):
    """A membership audit's finding: someone who should not be in a group."""

    __tablename__ = "audit_findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(32))  # not_active / out_of_scope / inactive
    # open -> (inactive: awaiting_department -> confirmed) -> removed / kept
    status: Mapped[str] = mapped_column(String(24), default="open", index=True)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # An inactive member's last substantive message (None: never wrote one).
    last_activity_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    # Removing an inactive member waits for their department's confirmation (篇七 九.2).
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    note: Mapped[str] = mapped_column(Text, default="")


class GroupExemption(Base):
    """Someone a unit-wide group leaves out on purpose, with the reason (篇二 二.1 原则上)."""

    __tablename__ = "group_exemptions"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id", name="uq_group_exemptions_group_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Message(Base):
    """A message in a group. ``seq`` orders a group's messages without gaps; a message
    held for review has none until it is released. Edits and recalls keep the original
    in ``message_revisions`` for the record."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("group_id", "seq", name="uq_messages_group_seq"),
        # A retried send (same client id) is stored once.
        UniqueConstraint("sender_user_id", "client_id", name="uq_messages_sender_client"),
        Index("ix_messages_sender_at", "sender_person_id", "created_at"),
        Index("ix_messages_group_status", "group_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    seq: Mapped[int | None] = mapped_column(Integer, default=None)
    sender_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    sender_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="text")
    body: Mapped[str] = mapped_column(Text, default="")
    reply_to_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    mentions: Mapped[list[int]] = mapped_column(JSON, default=list)
    # A file the message refers to ({"id", "name", "size"}), once files exist.
    file_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    category: Mapped[str] = mapped_column(String(40), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="visible")  # held/visible/recalled
    # False for a bare acknowledgement (收到, 好的): it does not count as taking part.
    substantive: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the content engine said, where it let the message through with a warning or a
    # record, or held it: {"action", "categories", "clauses", "spans"}.
    verdict: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    recalled_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    pinned_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    pinned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # A notice's place in the conversation (kind "notice"): what its card shows, copied
    # from the notice, which never changes once published.
    notice_ref: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class MessageRevision(Base):
    """What a message said before an edit or a recall: kept for the record and the auditor."""

    __tablename__ = "message_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # edit / recall
    body: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReadPosition(Base):
    """How far a member has read in a group: the seq of the last message seen."""

    __tablename__ = "read_positions"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MessageCategory(Base):
    """A category a group's admins defined for tagging its messages (篇六 四.3)."""

    __tablename__ = "message_categories"
    __table_args__ = (
        UniqueConstraint("group_id", "name", name="uq_message_categories_group_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    name: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Restriction(Base):
    """A timed mute in one group, or a suspension everywhere (group_id None). It lapses by
    itself at ``until``; the send path refuses while one is in force."""

    __tablename__ = "restrictions"
    __table_args__ = (Index("ix_restrictions_person_until", "person_id", "until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), default=None)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(16))  # mute / suspension
    reason: Mapped[str] = mapped_column(Text, default="")
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    until: Mapped[datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class TermListRow(Base):
    """An agency's list of one category (``moderation.terms.LIST_CATEGORIES``); the engine
    in force is the shipped lists plus these."""

    __tablename__ = "term_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(200), default="")  # the file last imported
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class TermRow(Base):
    """One entry of an agency's list, in the fields of ``moderation.TermEntry``."""

    __tablename__ = "term_entries"
    __table_args__ = (UniqueConstraint("list_id", "text", name="uq_term_entries_list_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("term_lists.id"))
    text: Mapped[str] = mapped_column(String(100))
    action: Mapped[str | None] = mapped_column(String(16), default=None)
    pinyin: Mapped[bool] = mapped_column(Boolean, default=False)
    initials: Mapped[bool] = mapped_column(Boolean, default=False)
    allow: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TermListRevision(Base):
    """The single row every change of the lists moves on: server processes compare it with
    the revision of their engine to know when to rebuild."""

    __tablename__ = "term_list_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Notices, acknowledgements, inquiries, presence ----------------------------------


class NoticeGrant(Base):
    """A leader's authorisation of a department to publish notices (篇二 二.(二).3): to
    some groups or all, until an end date; revocable."""

    __tablename__ = "notice_grants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # The groups it covers; None: every group.
    group_ids: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    granted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class Notice(Base):
    """An official notice. Once published it never changes: a correction is a new version
    of the same series (``supersedes_id``), and the old one is marked superseded."""

    __tablename__ = "notices"
    # Two corrections of one version cannot both become the next version.
    __table_args__ = (UniqueConstraint("series_id", "version", name="uq_notices_series_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    reply_required: Mapped[bool] = mapped_column(Boolean, default=True)
    deadline: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Hours between reminders to the outstanding; None: the policy's.
    remind_every_hours: Mapped[int | None] = mapped_column(Integer, default=None)
    # pending_approval / published / superseded / refused
    status: Mapped[str] = mapped_column(String(20), index=True)
    authority: Mapped[str] = mapped_column(String(32))  # office / leader / authorised_department
    grant_id: Mapped[int | None] = mapped_column(ForeignKey("notice_grants.id"), default=None)
    publisher_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    publisher_name: Mapped[str] = mapped_column(String(100), default="")
    # The issuing office or department, as it stood at publication.
    issuer: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # The audit record that carries the hash.
    audit_seq: Mapped[int | None] = mapped_column(Integer, default=None)
    unpinned_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    unpinned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    last_reminded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    overdue_reported_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class NoticeAttachment(Base):
    """A file published with a notice; its hash is part of the notice's hash."""

    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)


class NoticeTarget(Base):
    """A group a notice went to, and the message that carries it there."""

    __tablename__ = "notice_targets"
    # The send path looks up a group's notices in force.
    __table_args__ = (Index("ix_notice_targets_group", "group_id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)


class NoticeRecipient(Base):
    """Who a notice was delivered to, per group, as the groups stood at publication."""

    __tablename__ = "notice_recipients"
    __table_args__ = (Index("ix_notice_recipients_person", "person_id", "notice_id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


class NoticeAcknowledgement(Base):
    """A member's first acknowledgement of a notice: the proof of delivery. One per person;
    later taps and replies change nothing."""

    __tablename__ = "notice_acknowledgements"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    how: Mapped[str] = mapped_column(String(16))  # tap / reply
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), default=None)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)


class Inquiry(Base):
    """A message that expects an answer from named people: a work inquiry or assignment
    (篇五 四), or a member's question to the group's admins (篇七 六)."""

    __tablename__ = "inquiries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # inquiry / assignment / question
    asked_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    asked_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)


class InquiryTarget(Base):
    """One person an inquiry waits on, and when they first answered."""

    __tablename__ = "inquiry_targets"
    __table_args__ = (Index("ix_inquiry_targets_open", "person_id", "responded_at"),)

    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    responded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    response_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class PresenceInterval(Base):
    """A live connection's span: from connect to close, or to the last heartbeat if the
    server died first. Online time per workday is counted from these (篇二 三.2)."""

    __tablename__ = "presence_intervals"
    __table_args__ = (Index("ix_presence_intervals_person_start", "person_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class GroupAnnouncement(Base):
    """A version of a group's announcement (群公告), by section; the newest is in force.
    Kept, never overwritten, so the record shows what it said when."""

    __tablename__ = "group_announcements"
    __table_args__ = (Index("ix_group_announcements_group", "group_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    sections: Mapped[dict[str, str]] = mapped_column(JSON)
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- Keeping order: violations, sanctions, appeals, reports, patrols, message admin -------


class Report(Base):
    """A member's report of a message, a file or a member (举报). Who reported is never a
    column in the clear: under ``confidential`` it is sealed (``reporter_sealed``, readable
    with two approvals) and ``reporter_tag`` lets the reporter find their own reports;
    under ``anonymous`` (or when the reporter asks) neither is stored. The receipt's hash
    lets whoever holds the receipt follow the report."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    target_kind: Mapped[str] = mapped_column(String(16))  # message / file / member
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    target_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), default=None)
    category: Mapped[str] = mapped_column(String(24), default="conduct")
    reason: Mapped[str] = mapped_column(Text)
    mode: Mapped[str] = mapped_column(String(16))  # confidential / anonymous
    reporter_sealed: Mapped[str | None] = mapped_column(Text, default=None)
    reporter_tag: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / closed
    due_at: Mapped[datetime] = mapped_column(DateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    outcome: Mapped[str] = mapped_column(String(24), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReporterReveal(Base):
    """The security admin's request to read a confidential reporter: two approvers other
    than the requester must agree before the identity is unsealed for them."""

    __tablename__ = "reporter_reveals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    approvals: Mapped[list[int]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Violation(Base):
    """A recorded breach: who, where, which clauses, and a frozen copy of the evidence (the
    message as it was), recorded by a person or by the content engine (``recorded_by`` None)."""

    __tablename__ = "violations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), default=None)
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="person")  # person / engine / report
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Sanction(Base):
    """One step of the ladder applied to a member: warning, mute, suspension, removal,
    public criticism or escalation, linked to the violation it answers."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    violation_id: Mapped[int | None] = mapped_column(ForeignKey("violations.id"), default=None)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    clause_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    until: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    restriction_id: Mapped[int | None] = mapped_column(ForeignKey("restrictions.id"), default=None)
    # public criticism: the notice posted to the group; escalation: to whom (office/leader)
    notice_message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), default=None)
    escalated_to: Mapped[str] = mapped_column(String(16), default="")
    status: Mapped[str] = mapped_column(String(16), default="applied")  # applied / overturned
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Appeal(Base):
    """A member's appeal against a sanction; decided by someone other than who sanctioned."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sanction_id: Mapped[int] = mapped_column(ForeignKey("sanctions.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    statement: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / upheld / overturned
    due_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Patrol(Base):
    """A scheduled inspection of one group by its admins (巡查): the checklist found when it
    was set, what was done from it, and when it was completed or escalated as overdue."""

    __tablename__ = "patrols"
    __table_args__ = (Index("ix_patrols_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open / done
    due_at: Mapped[datetime] = mapped_column(DateTime)
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    escalated_to: Mapped[str] = mapped_column(String(16), default="")
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class ClosedThread(Base):
    """A topic an admin ended (篇二 二.3.3): replies to its message are refused."""

    __tablename__ = "closed_threads"
    __table_args__ = (UniqueConstraint("group_id", "seq", name="uq_closed_threads_group_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    seq: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DecisionRecord(Base):
    """A message marked as a decision of the group (决策记录, 篇六 四.5), listed and exported."""

    __tablename__ = "decision_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    marked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
