"""Membership: consent, requests, display names, owners, leavers and audits."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from qunguan.domain.actor import Principal
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.jobs import scheduler
from qunguan.policy.rules.membership import GroupRole
from qunguan.services.directory import people as directory
from qunguan.services.groups import lifecycle as groups
from qunguan.services.membership import audit as membership_audit
from qunguan.services.membership import members
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database, UnitOfWork
from qunguan.store.db import make_engine
from qunguan.store.models import AuditRecord, JobRun, Membership, Notification
from tests.factories import PEOPLE, SETUP, org_workbook, principal, seed_agency
from tests.services.test_groups import apply, decide, principal_for_person


def make_group(db: Database, preset: str, owner: str = "O01", approver: str = "leader") -> int:
    seed_agency(db)
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, preset)
    ends = utcnow().date() + timedelta(days=90)  # s5 asks every group for an end date
    group_id = decide(
        db, approver, apply(db, owner_staff_no=owner, type="department", end_date=ends)
    )
    assert group_id is not None
    return group_id


def owner_account(db: Database, staff_no: str = "M02") -> Principal:
    """An account for a person who owns a group in the test but has none among the personas."""
    from qunguan.services.accounts import management as accounts
    from tests.factories import PASSWORD

    username = f"owner-{staff_no.lower()}"
    with db.unit_of_work() as uow:
        accounts.create_user(
            uow,
            SETUP,
            username,
            PASSWORD,
            ["member"],
            staff_no=staff_no,
            must_change_password=False,
        )
    return principal(db, username)


def invite(
    db: Database, who: str, group_id: int, staff_no: str, reason: str = ""
) -> members.Outcome:
    with db.unit_of_work() as uow:
        return members.invite(uow, principal(db, who), group_id, staff_no, reason)


def approved_invitation(db: Database, group_id: int, staff_no: str) -> int:
    """Under s4 an addition goes to the approver first (篇四 四.2); then it is an invitation."""
    from qunguan.services.membership import changes as membership_changes

    asked = invite(db, "office", group_id, staff_no, "工作需要")
    if asked.result == "change":
        with db.unit_of_work() as uow:
            membership_changes.decide(uow, principal(db, "leader"), asked.id, approve=True)
    return asked.id


def accept(db: Database, who: str, invitation_id: int) -> None:
    with db.unit_of_work() as uow:
        members.respond(uow, principal(db, who), invitation_id, accept=True)


def can_read(db: Database, who: str, group_id: int) -> bool:
    try:
        with db.reading() as uow:
            members.members(uow, principal(db, who), group_id)
    except DomainError as exc:
        if exc.code != "group.not_found":
            raise
        return False
    return True


def leave_agency(db: Database, staff_no: str) -> None:
    rows = [list(r) for r in PEOPLE]
    row = next(r for r in rows if r[0] == staff_no)
    row[7], row[8] = "离职", "2026-11-20"
    with db.unit_of_work() as uow:
        directory.import_directory(uow, SETUP, "update.xlsx", org_workbook(rows))


class TestConsent:
    @pytest.mark.clause("s1-4.1")
    def test_an_invitee_reads_nothing_until_they_accept_and_non_admins_cannot_invite(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s1")
        outcome = invite(db, "office", group_id, "M01")
        assert outcome.result == "invitation"
        assert not can_read(db, "member", group_id)
        accept(db, "member", outcome.id)
        assert can_read(db, "member", group_id)
        with pytest.raises(DomainError) as caught:
            invite(db, "member", group_id, "L01")  # a plain member, and no reason: refused
        assert caught.value.code == "members.reason_missing"

    @pytest.mark.clause("s1-4.2", "s7-3.1")
    def test_a_member_may_only_ask_and_the_reason_travels_with_the_approval(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s1")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        request = invite(db, "member", group_id, "L01", "需要局领导掌握预算进度")
        assert request.result == "request"
        assert not can_read(db, "leader", group_id)
        with db.unit_of_work() as uow:
            approved = members.decide_request(
                uow, principal(db, "office"), request.id, approve=True
            )
        assert approved.result == "invitation"
        accept(db, "leader", approved.id)
        with db.reading() as uow:
            m = uow.session.scalar(
                select(Membership).where(
                    Membership.group_id == group_id,
                    Membership.person_id == principal(db, "leader").person_id,
                )
            )
        assert m is not None
        assert m.reason == "需要局领导掌握预算进度"

    @pytest.mark.clause("s5-3a")
    def test_under_s5_only_the_owner_brings_people_in_directly_with_a_reason(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s5", owner="M02")
        with pytest.raises(DomainError) as caught:
            invite(db, "office", group_id, "M01")  # the office sees the group, but is not its owner
        assert caught.value.code == "members.not_inviter"
        owner = owner_account(db)
        with db.unit_of_work() as uow:
            outcome = members.invite(uow, owner, group_id, "M01", "项目人员")
        assert outcome.result == "member"
        with pytest.raises(DomainError) as caught:
            invite(db, "member", group_id, "O01", "也想拉人")
        assert caught.value.code == "members.not_inviter"


class TestDisplayNames:
    @pytest.mark.clause("s5-3b")
    def test_s5_shows_unit_and_name(self, db: Database) -> None:
        group_id = make_group(db, "s5", owner="M02")
        with db.reading() as uow:
            [owner] = members.members(uow, principal_for_person(db, "M02"), group_id)
        assert owner.display_name == "青山县财政局-吴晓敏"

    @pytest.mark.clause("s2-2.1b")
    def test_s2_shows_the_full_name_and_refuses_a_nickname(self, db: Database) -> None:
        group_id = make_group(db, "s2", approver="office")
        with db.reading() as uow:
            [owner] = members.members(uow, principal(db, "office"), group_id)
        assert owner.display_name == "王丽娟"
        with pytest.raises(DomainError) as caught, db.reading() as uow:
            members.set_nickname(uow, principal(db, "office"), group_id)
        assert caught.value.code == "members.nickname_forbidden"
        assert "s2-2.1b" in caught.value.clause_ids


class TestOwners:
    @pytest.mark.clause("s4-3.1")
    def test_the_owner_hands_over_before_leaving_and_the_appointment_is_recorded(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s4")
        accept(db, "member", approved_invitation(db, group_id, "M01"))
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            members.leave(uow, principal(db, "office"), group_id)
        assert caught.value.code == "members.owner_cannot_leave"
        with db.unit_of_work() as uow:
            groups.transfer_ownership(uow, principal(db, "office"), group_id, "M01")
        with db.unit_of_work() as uow:
            members.leave(uow, principal(db, "office"), group_id)
        with db.reading() as uow:
            m = uow.session.scalar(
                select(Membership).where(
                    Membership.group_id == group_id,
                    Membership.role == "owner",
                    Membership.left_at.is_(None),
                )
            )
        assert m is not None
        assert m.person_id == principal(db, "member").person_id
        assert m.appointed_by == principal(db, "office").user_id
        assert m.appointed_at is not None


class TestLeavers:
    @pytest.mark.clause("s1-4.4", "s6-2.6", "s4-7.1")
    def test_a_leaver_is_out_of_every_group_within_one_scheduler_run_and_owners_are_told(
        self, db: Database
    ) -> None:
        first = make_group(db, "s1")
        second = decide(
            db,
            "leader",
            apply(
                db,
                name="预算股-预算执行分析",
                owner_staff_no="M02",
                type="department",
                end_date=None,
            ),
        )
        assert second is not None
        accept(db, "member", invite(db, "office", first, "M01").id)
        with db.unit_of_work() as uow:
            members.invite(uow, owner_account(db), second, "M01")
        accept(db, "member", members_inbox_last(db, "member"))
        leave_agency(db, "M01")
        scheduler.run_due(db)
        assert not can_read(db, "member", first)
        assert not can_read(db, "member", second)
        with db.reading() as uow:
            told = uow.session.scalars(
                select(Notification.person_id).where(Notification.kind == "member.left_agency")
            ).all()
        office, m02 = principal(db, "office").person_id, principal_for_person(db, "M02").person_id
        assert office is not None
        assert m02 is not None
        assert sorted(told) == sorted([office, m02])

    def test_an_owner_leaving_flags_the_group_for_a_successor(self, db: Database) -> None:
        group_id = make_group(db, "s1", owner="M02")
        leave_agency(db, "M02")
        scheduler.run_due(db)
        with db.reading() as uow:
            view = groups.group_view(uow, principal(db, "office"), group_id)
            told = uow.session.scalar(
                select(Notification).where(Notification.kind == "group.needs_successor")
            )
        assert view.needs_successor
        assert told is not None
        with db.unit_of_work() as uow:
            groups.transfer_ownership(uow, principal(db, "office"), group_id, "M01")
        with db.reading() as uow:
            assert not groups.group_view(uow, principal(db, "office"), group_id).needs_successor


class TestAudits:
    @pytest.mark.clause("s2-2.3.2", "s3-3.1.2")
    def test_the_audit_lists_who_should_not_be_there_and_the_owner_removes_them(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s2", approver="office")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        # The directory marks the member as left; the audit (not the event) finds them.
        with db.unit_of_work() as uow:
            from qunguan.store.repositories.directory import DirectoryRepository

            person = DirectoryRepository(uow.session).person_by_staff_no("M01")
            assert person is not None
            person.status = "left"
        with db.unit_of_work() as uow:
            assert membership_audit.audit_memberships(uow) == 1
        with db.reading() as uow:
            [finding] = membership_audit.findings(uow, principal(db, "office"), group_id)
        assert finding.staff_no == "M01"
        assert finding.kind == "not_active"
        with db.unit_of_work() as uow:
            membership_audit.resolve_finding(uow, principal(db, "office"), finding.id, remove=True)
        assert not can_read(db, "member", group_id)
        with db.reading() as uow:
            assert membership_audit.findings(uow, principal(db, "office"), group_id) == []
            assert uow.session.scalar(
                select(AuditRecord).where(AuditRecord.action == "member.audit_removed")
            )

    def test_each_period_runs_once_even_with_two_server_processes(
        self, db: Database, migrated_url: str
    ) -> None:
        make_group(db, "s2", approver="office")
        other = Database(make_engine(migrated_url))
        results: list[dict[str, int]] = []
        threads = [
            threading.Thread(target=lambda d=d: results.append(scheduler.run_due(d)))
            for d in (db, other)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        other.engine.dispose()
        assert sum("membership_audit" in r for r in results) == 1
        scheduler.run_due(db)  # the same week again: nothing more
        with db.reading() as uow:
            runs = uow.session.scalar(
                select(func.count()).select_from(JobRun).where(JobRun.job == "membership_audit")
            )
        assert runs == 1


def members_inbox_last(db: Database, who: str) -> int:
    with db.reading() as uow:
        mine, _ = members.inbox(uow, principal(db, who))
    return mine[-1].id


class TestExpiry:
    @pytest.mark.clause("s5-1b")
    def test_an_expired_central_task_group_is_frozen_and_its_owner_asked_to_dissolve(
        self, db: Database
    ) -> None:
        from datetime import datetime

        group_id = make_group(db, "s5", owner="M02")
        with db.reading() as uow:
            end = groups.group_view(uow, principal(db, "office"), group_id).end_date
        assert end is not None
        with db.unit_of_work() as uow:
            assert (
                membership_audit.expire_groups(uow, datetime.combine(end, datetime.min.time())) == 0
            )
        with db.unit_of_work() as uow:
            after = datetime.combine(end + timedelta(days=1), datetime.min.time())
            assert membership_audit.expire_groups(uow, after) == 1
        with db.reading() as uow:
            assert groups.group_view(uow, principal(db, "office"), group_id).status == "frozen"
            told = uow.session.scalar(
                select(Notification).where(Notification.kind == "group.expired")
            )
        assert told is not None
        assert told.person_id == principal_for_person(db, "M02").person_id
        with pytest.raises(DomainError) as caught:
            invite(db, "office", group_id, "M01")
        assert caught.value.code == "groups.not_active"
        with db.unit_of_work() as uow:
            groups.dissolve(uow, principal(db, "office"), group_id, "专班任务已完成")
        with db.reading() as uow:
            assert groups.group_view(uow, principal(db, "office"), group_id).status == "archived"


class TestScope:
    def scoped_group(self, db: Database, preset: str = "s6") -> int:
        seed_agency(db)
        with db.unit_of_work() as uow:
            policy_versions.adopt_preset(uow, SETUP, preset)
        with db.unit_of_work() as uow:
            application = groups.apply(
                uow,
                principal(db, "member"),
                groups.ApplicationForm(
                    "财政局-日常事务",
                    "department",
                    "财政局内部日常工作",
                    "O01",
                    scope_unit="青山县财政局",
                ),
            )
        approver = "leader" if preset in ("s1", "s4", "s5") else "office"
        group_id = decide(db, approver, application.id)
        assert group_id is not None
        return group_id

    def move_to_the_street_office(self, db: Database, staff_no: str) -> None:
        rows = [list(r) for r in PEOPLE]
        row = next(r for r in rows if r[0] == staff_no)
        row[2], row[3] = "城关街道办事处", "党政办"
        with db.unit_of_work() as uow:
            directory.import_directory(uow, SETUP, "moved.xlsx", org_workbook(rows))

    @pytest.mark.clause("s6-2.4")
    def test_a_unit_group_refuses_people_of_other_units_and_plain_members_invite_nobody(
        self, db: Database
    ) -> None:
        group_id = self.scoped_group(db)
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        self.move_to_the_street_office(db, "M02")
        with pytest.raises(DomainError) as caught:
            invite(db, "office", group_id, "M02")
        assert caught.value.code == "members.out_of_scope"
        with pytest.raises(DomainError) as caught:
            invite(
                db, "member", group_id, "L01"
            )  # no reason: a plain member may only ask, with one
        assert caught.value.code in {"members.reason_missing", "members.not_inviter"}

    @pytest.mark.clause("s1-4.4")
    def test_a_transfer_to_another_unit_removes_from_that_units_groups_owner_told(
        self, db: Database
    ) -> None:
        group_id = self.scoped_group(db, "s1")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        self.move_to_the_street_office(db, "M01")
        scheduler.run_due(db)
        assert not can_read(db, "member", group_id)
        with db.reading() as uow:
            told = uow.session.scalar(
                select(Notification).where(Notification.kind == "member.left_agency")
            )
        assert told is not None
        assert told.person_id == principal(db, "office").person_id

    def test_the_audit_flags_someone_outside_the_scope(self, db: Database) -> None:
        group_id = self.scoped_group(db, "s2")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        with db.unit_of_work() as uow:  # moved without an event, as a migrated record might be
            from qunguan.store.repositories.directory import DirectoryRepository

            repo = DirectoryRepository(uow.session)
            person = repo.person_by_staff_no("M01")
            street = next(d for d in repo.departments() if d.unit.name == "城关街道办事处")
            assert person is not None
            person.department_id = street.id
        with db.unit_of_work() as uow:
            assert membership_audit.audit_memberships(uow) == 1
        with db.reading() as uow:
            [finding] = membership_audit.findings(uow, principal(db, "office"), group_id)
        assert finding.kind == "out_of_scope"


class TestRequestDeadline:
    @pytest.mark.clause("s1-9.3.3")
    def test_a_request_waiting_past_the_deadline_is_overdue_and_its_approval_is_timed(
        self, db: Database
    ) -> None:
        from datetime import datetime

        group_id = make_group(db, "s1")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        request = invite(db, "member", group_id, "L01", "需要局领导掌握进度")
        with db.reading() as uow:
            _mine, waiting = members.inbox(uow, principal(db, "office"))
        assert [r.overdue for r in waiting] == [False]
        with db.unit_of_work() as uow:  # two days pass
            from qunguan.store.models import Invitation

            row = uow.session.get(Invitation, request.id)
            assert row is not None
            row.created_at = row.created_at - timedelta(hours=49)
        with db.reading() as uow:
            _mine, waiting = members.inbox(uow, principal(db, "office"))
        assert [r.overdue for r in waiting] == [True]
        with db.unit_of_work() as uow:
            members.decide_request(uow, principal(db, "office"), request.id, approve=True)
        with db.reading() as uow:
            from qunguan.store.models import Invitation

            decided = uow.session.get(Invitation, request.id)
            assert decided is not None
            assert isinstance(decided.decided_at, datetime)
            assert decided.status == "approved"


class TestUnitWideGroups:
    @pytest.mark.clause("s2-2.1a")
    def test_a_new_employee_joins_the_unit_group_and_an_exemption_is_listed_not_missing(
        self, db: Database
    ) -> None:
        seed_agency(db)
        with db.unit_of_work() as uow:
            policy_versions.adopt_preset(uow, SETUP, "s2")
        with db.unit_of_work() as uow:
            application = groups.apply(
                uow,
                principal(db, "member"),
                groups.ApplicationForm(
                    "财政局-全体干部职工",
                    "department",
                    "全局工作通知与交流",
                    "O01",
                    scope_unit="青山县财政局",
                    unit_wide=True,
                ),
            )
        group_id = decide(db, "office", application.id)
        assert group_id is not None
        with db.reading() as uow:
            roster = {m.staff_no for m in members.members(uow, principal(db, "office"), group_id)}
        assert roster == {"L01", "O01", "M01", "M02", "A01", "U01"}
        with db.unit_of_work() as uow:
            members.exempt(uow, principal(db, "office"), group_id, "M02", "长期借调外单位")
        with db.unit_of_work() as uow:  # M02 leaves the group; the exemption keeps them out
            from qunguan.store.repositories.membership import MembershipRepository

            m02 = principal_for_person(db, "M02").person_id
            assert m02 is not None
            m = MembershipRepository(uow.session).membership(group_id, m02)
            assert m is not None
            m.left_at = m.joined_at
        rows = [list(r) for r in PEOPLE] + [
            ["N01", "欧阳明月", "青山县财政局", "预算股", "科员", "", "否", "在职", ""]
        ]
        with db.unit_of_work() as uow:
            directory.import_directory(uow, SETUP, "newcomer.xlsx", org_workbook(rows))
        scheduler.run_due(db)
        with db.reading() as uow:
            roster = {m.staff_no for m in members.members(uow, principal(db, "office"), group_id)}
            coverage = members.coverage(uow, principal(db, "office"), group_id)
        assert "N01" in roster
        assert "M02" not in roster
        assert coverage.missing == []
        assert coverage.exempted == [("吴晓敏", "长期借调外单位")]


class TestStateAndRaces:
    def test_an_archived_group_changes_no_more(self, db: Database) -> None:
        group_id = make_group(db, "s1")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        request = invite(db, "member", group_id, "L01", "需要领导了解")
        with db.unit_of_work() as uow:
            groups.dissolve(uow, principal(db, "office"), group_id, "任务完成")
        attempts: list[Callable[[UnitOfWork], object]] = [
            lambda uow: members.decide_request(
                uow, principal(db, "office"), request.id, approve=True
            ),
            lambda uow: members.set_role(
                uow, principal(db, "office"), group_id, "M01", GroupRole.GROUP_ADMIN
            ),
            lambda uow: members.remove(uow, principal(db, "office"), group_id, "M01", "清理"),
            lambda uow: members.leave(uow, principal(db, "member"), group_id),
            lambda uow: groups.transfer_ownership(uow, principal(db, "office"), group_id, "M01"),
        ]
        for attempt in attempts:
            with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
                attempt(uow)
            assert caught.value.code == "groups.not_active"

    def test_accepting_twice_is_refused_and_leaves_one_membership(self, db: Database) -> None:
        group_id = make_group(db, "s1")
        outcome = invite(db, "office", group_id, "M01")
        accept(db, "member", outcome.id)
        with pytest.raises(DomainError) as caught:
            accept(db, "member", outcome.id)
        assert caught.value.code in {"members.already_member", "members.already_decided"}
        with db.reading() as uow:
            rows = uow.session.scalars(
                select(Membership).where(
                    Membership.group_id == group_id, Membership.left_at.is_(None)
                )
            ).all()
        assert len(rows) == 2  # the owner and the member, once

    def test_the_audit_never_removes_the_owner_but_asks_the_office_for_a_successor(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s2", approver="office")
        with db.unit_of_work() as uow:
            from qunguan.store.repositories.directory import DirectoryRepository

            person = DirectoryRepository(uow.session).person_by_staff_no("O01")
            assert person is not None
            person.status = "left"
        with db.unit_of_work() as uow:
            membership_audit.audit_memberships(uow)
        with db.reading() as uow:
            [finding] = membership_audit.findings(uow, principal(db, "office"), group_id)
        with db.unit_of_work() as uow:
            membership_audit.resolve_finding(uow, principal(db, "office"), finding.id, remove=True)
        with db.reading() as uow:
            view = groups.group_view(uow, principal(db, "office"), group_id)
            owner = uow.session.scalar(
                select(Membership).where(
                    Membership.group_id == group_id,
                    Membership.role == "owner",
                    Membership.left_at.is_(None),
                )
            )
        assert owner is not None
        assert view.needs_successor

    def test_approval_rechecks_that_the_owner_is_still_there(self, db: Database) -> None:
        seed_agency(db)
        with db.unit_of_work() as uow:
            policy_versions.adopt_preset(uow, SETUP, "s1")
        application = apply(db, owner_staff_no="M02", type="department", end_date=None)
        leave_agency(db, "M02")
        with pytest.raises(DomainError) as caught:
            decide(db, "leader", application)
        assert [d.code for d in caught.value.details] == ["groups.owner_not_active"]

    def test_members_cannot_read_audit_findings(self, db: Database) -> None:
        group_id = make_group(db, "s1")
        accept(db, "member", invite(db, "office", group_id, "M01").id)
        with pytest.raises(DomainError) as caught, db.reading() as uow:
            membership_audit.findings(uow, principal(db, "member"), group_id)
        assert caught.value.code == "groups.not_manager"

    def test_the_office_hands_over_only_a_group_that_needs_a_successor(self, db: Database) -> None:
        group_id = make_group(db, "s1", owner="M02")
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            groups.transfer_ownership(uow, principal(db, "office"), group_id, "O01")
        assert caught.value.code == "groups.not_owner"


class TestIncompleteProfiles:
    @pytest.mark.clause("s4-4.1")
    def test_a_person_without_a_post_is_held_and_members_show_name_unit_and_post(
        self, db: Database
    ) -> None:
        group_id = make_group(db, "s4")
        rows = [list(r) for r in PEOPLE]
        next(r for r in rows if r[0] == "M01")[4] = ""  # no post in the directory
        with db.unit_of_work() as uow:
            directory.import_directory(uow, SETUP, "nopost.xlsx", org_workbook(rows))
        held = invite(db, "office", group_id, "M01")
        assert held.result == "held"
        assert not can_read(db, "member", group_id)
        accept(db, "leader", approved_invitation(db, group_id, "L01"))
        with db.reading() as uow:
            names = {
                m.display_name for m in members.members(uow, principal(db, "office"), group_id)
            }
        assert names == {"青山县财政局-王丽娟(科员)", "青山县财政局-周建国(局长)"}


class TestProfileConfirmation:
    @pytest.mark.clause("s7-3.2")
    def test_a_lapsed_confirmation_is_prompted_then_reported_as_stale(self, db: Database) -> None:
        from qunguan.services.directory import profiles
        from qunguan.store.models import User

        seed_agency(db)
        with db.unit_of_work() as uow:
            policy_versions.adopt_preset(uow, SETUP, "s7")
        with db.unit_of_work() as uow:  # the member last confirmed 181 days ago
            user = uow.session.scalar(select(User).where(User.username == "member"))
            assert user is not None
            user.profile_confirmed_at = utcnow() - timedelta(days=181)
            for other in uow.session.scalars(select(User).where(User.username != "member")):
                other.profile_confirmed_at = utcnow()
        scheduler.run_due(db)
        with db.reading() as uow:
            prompts = uow.session.scalars(
                select(Notification).where(Notification.kind == profiles.PROMPT)
            ).all()
            assert [n.person_id for n in prompts] == [principal(db, "member").person_id]
            assert profiles.stale(uow) == []  # still within the grace period
            later = utcnow() + timedelta(days=15)
            assert [s.username for s in profiles.stale(uow, later)] == ["member"]
        with db.unit_of_work() as uow:
            profiles.confirm(uow, principal(db, "member"))
        with db.reading() as uow:
            assert profiles.stale(uow, utcnow() + timedelta(days=15)) == []


class TestApprovedChanges:
    """篇四 四.2: 未经审批不得随意增减群成员."""

    @pytest.mark.clause("s4-4.2a")
    def test_an_addition_waits_for_the_approver_and_the_membership_names_it(
        self, db: Database
    ) -> None:
        from qunguan.services.membership import changes as membership_changes

        group_id = make_group(db, "s4", owner="O01", approver="leader")
        asked = invite(db, "office", group_id, "M01", "参与预算编制")
        assert asked.result == "change"
        assert not can_read(db, "member", group_id)
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            membership_changes.decide(uow, principal(db, "office"), asked.id, approve=True)
        assert caught.value.code == "members.not_change_approver"
        with db.reading() as uow:
            waiting = membership_changes.pending(uow, principal(db, "leader"))
        assert [(c.id, c.kind) for c in waiting] == [(asked.id, "change")]
        with db.unit_of_work() as uow:
            result = membership_changes.decide(uow, principal(db, "leader"), asked.id, approve=True)
        assert result == "invitation"  # s4 still asks the invitee's consent
        accept(db, "member", asked.id)
        with db.reading() as uow:
            joined = uow.session.scalars(
                select(Membership).where(
                    Membership.group_id == group_id, Membership.left_at.is_(None)
                )
            ).all()
        assert {m.invitation_id for m in joined if m.role == "member"} == {asked.id}

    @pytest.mark.clause("s4-4.2a")
    def test_a_removal_waits_for_the_approver(self, db: Database) -> None:
        from qunguan.services.membership import changes as membership_changes

        group_id = make_group(db, "s4", owner="O01", approver="leader")
        asked = invite(db, "office", group_id, "M01", "参与预算编制")
        with db.unit_of_work() as uow:
            membership_changes.decide(uow, principal(db, "leader"), asked.id, approve=True)
        accept(db, "member", asked.id)
        with db.unit_of_work() as uow:
            pending = members.remove(uow, principal(db, "office"), group_id, "M01", "项目调整")
        assert pending is not None
        assert pending.result == "removal"
        assert can_read(db, "member", group_id)
        with db.unit_of_work() as uow:
            assert (
                membership_changes.decide(uow, principal(db, "leader"), pending.id, approve=True)
                == "removed"
            )
        assert not can_read(db, "member", group_id)

    def test_presets_without_the_rule_add_at_once(self, db: Database) -> None:
        group_id = make_group(db, "s1", owner="O01")
        assert invite(db, "office", group_id, "M01").result == "invitation"
