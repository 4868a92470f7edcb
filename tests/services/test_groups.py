"""Groups: created only by approval, named by the rules, always owned, never deleted."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TypedDict, Unpack

import pytest
from sqlalchemy import select

from qunguan.domain.actor import Principal
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.services import term_lists
from qunguan.services.groups import lifecycle as groups
from qunguan.services.groups.lifecycle import ApplicationForm
from qunguan.services.membership import members
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import AuditRecord, Group
from tests.factories import SETUP, principal, seed_agency


def agency(db: Database, preset: str) -> Database:
    seed_agency(db)
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, preset)
    return db


class FormFields(TypedDict, total=False):
    """Any field of an application form, by name."""

    name: str
    type: str
    purpose: str
    owner_staff_no: str
    end_date: date | None
    confirm_names: tuple[str, ...]
    scope_unit: str
    unit_wide: bool
    members: tuple[str, ...]
    confirm_duplicate: bool


def form(**kw: Unpack[FormFields]) -> ApplicationForm:
    """The budget team's project group, with any field replaced."""
    base = ApplicationForm(
        name="预算股-年度预算编制",
        type="project",
        purpose="编制2027年度部门预算",
        owner_staff_no="M02",
        end_date=utcnow().date() + timedelta(days=90),
    )
    return dataclasses.replace(base, **kw)


def apply(db: Database, who: str = "member", **kw: Unpack[FormFields]) -> int:
    with db.unit_of_work() as uow:
        return groups.apply(uow, principal(db, who), form(**kw)).id


def pending(db: Database, application_id: int, who: str = "member") -> str:
    """The name of an application its applicant sees waiting for a decision."""
    with db.reading() as uow:
        (view,) = [
            a for a in groups.applications(uow, principal(db, who)) if a.id == application_id
        ]
    assert view.status == "pending"
    return view.name


def decide(
    db: Database, who: str, application_id: int, approve: bool = True, note: str = "同意"
) -> int | None:
    with db.unit_of_work() as uow:
        group = groups.decide(uow, principal(db, who), application_id, approve=approve, note=note)
        return group.id if group else None


def refused(db: Database, who: str = "member", **kw: Unpack[FormFields]) -> list[str]:
    with pytest.raises(DomainError) as caught:
        apply(db, who, **kw)
    return [d.code for d in caught.value.details]


def group_count(db: Database) -> int:
    with db.reading() as uow:
        return len(list(uow.session.scalars(select(Group))))


class TestCreation:
    @pytest.mark.clause("s1-3.1")
    def test_no_group_until_the_superior_approves_then_with_its_named_owner(
        self, db: Database
    ) -> None:
        agency(db, "s1")
        pending = apply(db)
        assert group_count(db) == 0
        assert decide(db, "leader", pending, approve=False, note="用途不明确") is None
        assert group_count(db) == 0
        group_id = decide(db, "leader", apply(db, name="预算股-预算执行分析"))
        assert group_id is not None
        with db.reading() as uow:
            group = uow.session.get(Group, group_id)
            assert group is not None
            assert group.application_id is not None
            [owner] = members.members(uow, principal_for_person(db, "M02"), group_id)
        assert owner.role == "owner"
        assert owner.staff_no == "M02"

    @pytest.mark.clause("s4-2.1", "s4-2.3")
    def test_a_request_without_justification_is_refused_and_a_leader_approves_a_complete_one(
        self, db: Database
    ) -> None:
        agency(db, "s4")
        assert refused(db, purpose="") == ["groups.purpose_missing"]
        application = apply(db)
        for who in ("member", "office"):
            with pytest.raises(DomainError) as caught:
                decide(db, who, application)
            assert caught.value.code in {"groups.not_approver", "groups.approver_is_applicant"}
        group_id = decide(db, "leader", application)
        with db.reading() as uow:
            group = uow.session.get(Group, group_id)
            assert group is not None
            assert group.application_id == application

    @pytest.mark.clause("s2-1")
    def test_s2_needs_a_work_purpose_and_a_work_type(self, db: Database) -> None:
        agency(db, "s2")
        assert refused(db, purpose="") == ["groups.purpose_missing", "groups.owner_not_office"]
        assert "groups.type_unknown" in refused(db, type="friends", owner_staff_no="O01")
        # An office owner, as s2 asks.
        assert pending(db, apply(db, owner_staff_no="O01")) == "预算股-年度预算编制"

    @pytest.mark.clause("s6-2.2")
    def test_a_meeting_group_needs_an_end_date_a_department_group_does_not(
        self, db: Database
    ) -> None:
        agency(db, "s6")
        assert refused(db, type="meeting", end_date=None) == ["groups.end_date_missing"]
        accepted = apply(db, type="department", end_date=None, name="预算股-日常工作")
        assert pending(db, accepted) == "预算股-日常工作"

    @pytest.mark.clause("s5-2b")
    def test_under_s5_the_owner_is_a_party_member(self, db: Database) -> None:
        agency(db, "s5")
        assert refused(db, owner_staff_no="M01") == ["groups.owner_not_party_member"]
        assert pending(db, apply(db, owner_staff_no="M02")) == "预算股-年度预算编制"


class TestNaming:
    @pytest.mark.clause("s1-3.2")
    def test_too_long_refused_a_colleagues_name_needs_confirmation_which_is_logged(
        self, db: Database
    ) -> None:
        agency(db, "s1")
        assert refused(db, name="预" * 25) == ["groups.name_length"]
        assert refused(db, name="孙浩然预算工作组") == ["groups.name_has_person_confirm"]
        application = apply(db, name="孙浩然预算工作组", confirm_names=("孙浩然",))
        with db.reading() as uow:
            logged = uow.session.scalar(
                select(AuditRecord).where(AuditRecord.action == "group.applied")
            )
        assert logged is not None
        assert logged.summary["confirmed_person_names"] == ["孙浩然"]
        assert pending(db, application) == "孙浩然预算工作组"

    @pytest.mark.clause("s4-2.2")
    def test_an_improper_word_is_refused_a_plain_work_name_accepted(self, db: Database) -> None:
        agency(db, "s4")
        assert refused(db, name="预算股赌博讨论组") == ["groups.name_sensitive"]
        assert pending(db, apply(db, name="财政局-预算编制")) == "财政局-预算编制"

    @pytest.mark.clause("s4-2.2", "s1-3.2")
    def test_names_are_checked_by_the_content_engine_with_the_agencys_lists(
        self, db: Database
    ) -> None:
        agency(db, "s4")
        # The engine sees through separators and traditional characters.
        assert refused(db, name="预算股 賭·博 讨论组") == ["groups.name_sensitive"]
        with db.unit_of_work() as uow:
            term_lists.add_entry(uow, principal(db, "security").actor(), "political", "青山鱼塘")
        with db.reading() as uow:  # as the edge does after its commit
            term_lists.apply(uow)
        assert refused(db, name="青山鱼塘工作群") == ["groups.name_sensitive"]

    @pytest.mark.clause("s6-2.3")
    def test_a_template_requiring_a_topic_refuses_a_bare_name(self, db: Database) -> None:
        agency(db, "s6")
        with db.unit_of_work() as uow:
            document = policy_versions.to_yaml(policy_versions.require_current(uow).policy)
        document = document.replace("template: ''", "template: '{unit}-{topic}'")
        with db.unit_of_work() as uow:
            proposal = policy_versions.propose(
                uow, principal(db, "security"), document, "命名模板"
            ).id
        with db.unit_of_work() as uow:
            policy_versions.approve(uow, principal(db, "leader"), proposal)
        assert refused(db, name="群1abcd", type="department", end_date=None) == [
            "groups.name_template"
        ]
        accepted = apply(db, name="青山县财政局-预算编制", type="department", end_date=None)
        assert pending(db, accepted) == "青山县财政局-预算编制"

    def test_an_active_or_pending_name_cannot_be_taken_twice(self, db: Database) -> None:
        agency(db, "s1")
        apply(db)
        assert refused(db) == ["groups.name_taken"]

    @pytest.mark.clause("s1-9.3.1")
    def test_only_managers_rename_and_the_rename_is_audited(self, db: Database) -> None:
        agency(db, "s1")
        group_id = decide(db, "leader", apply(db, owner_staff_no="O01"))
        assert group_id is not None
        with db.unit_of_work() as uow:
            members.invite(uow, principal(db, "office"), group_id, "M01")
        invitation = _pending_invitation(db, "member")
        with db.unit_of_work() as uow:
            members.respond(uow, principal(db, "member"), invitation, accept=True)
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            groups.rename(uow, principal(db, "member"), group_id, "预算股-新名称")
        assert caught.value.code == "groups.not_manager"
        with db.unit_of_work() as uow:
            groups.rename(uow, principal(db, "office"), group_id, "预算股-预算执行")
        with db.reading() as uow:
            logged = uow.session.scalar(
                select(AuditRecord).where(AuditRecord.action == "group.renamed")
            )
        assert logged is not None
        assert logged.summary == {
            "before": "预算股-年度预算编制",
            "after": "预算股-预算执行",
        }


def principal_for_person(db: Database, staff_no: str) -> Principal:
    """A principal for a person who has no account (they only need to be seen as a person)."""
    from qunguan.store.repositories.directory import DirectoryRepository

    with db.reading() as uow:
        person = DirectoryRepository(uow.session).person_by_staff_no(staff_no)
        assert person is not None
        return Principal(0, staff_no, frozenset(), person.id)


def _pending_invitation(db: Database, who: str) -> int:
    with db.reading() as uow:
        mine, _ = members.inbox(uow, principal(db, who))
    return mine[-1].id


class TestSeveralApprovers:
    @pytest.mark.clause("s5-1a")
    def test_a_central_task_group_exists_only_once_both_leaders_approve(self, db: Database) -> None:
        from qunguan.services.accounts import management as accounts
        from tests.factories import PASSWORD

        agency(db, "s5")
        with db.unit_of_work() as uow:
            accounts.create_user(uow, SETUP, "leader2", PASSWORD, ["leader"])
        application = apply(db, type="central_task", name="财政局-专项资金清理专班")
        assert decide(db, "leader", application) is None
        assert group_count(db) == 0
        with pytest.raises(DomainError) as caught:
            decide(db, "leader", application)
        assert caught.value.code == "groups.already_approved"
        group_id = decide(db, "leader2", application)
        assert group_id is not None
        assert group_count(db) == 1
        other = apply(db, type="project", name="财政局-预算绩效评价")
        assert decide(db, "leader", other) is not None  # one approval suffices for other types


class TestDuplicates:
    @pytest.mark.clause("s6-2.1")
    def test_a_similar_group_of_the_same_people_is_flagged_for_applicant_and_approver(
        self, db: Database
    ) -> None:
        from qunguan.services.membership import members as members_service

        agency(db, "s6")
        first = decide(
            db,
            "office",
            apply(
                db,
                name="预算股-预算编制组",
                type="department",
                end_date=None,
                members=("M01", "L01"),
            ),
        )
        assert first is not None
        with db.reading() as uow:
            mine, _ = members_service.inbox(uow, principal(db, "member"))
        for invitation in mine:
            with db.unit_of_work() as uow:
                members_service.respond(uow, principal(db, "member"), invitation.id, accept=True)
        with db.reading() as uow:
            invited, _ = members_service.inbox(uow, principal(db, "leader"))
        with db.unit_of_work() as uow:
            members_service.respond(uow, principal(db, "leader"), invited[0].id, accept=True)
        codes = refused(
            db, name="预算股-预算编制小组", type="department", end_date=None, members=("M01", "L01")
        )
        assert codes == ["groups.possible_duplicate"]
        application = apply(
            db,
            name="预算股-预算编制小组",
            type="department",
            end_date=None,
            members=("M01", "L01"),
            confirm_duplicate=True,
        )
        with db.reading() as uow:
            [view] = [
                a for a in groups.applications(uow, principal(db, "office")) if a.id == application
            ]
        assert view.duplicates == (f"预算股-预算编制组（#{first}）",)
        # A different team under a similar name is no duplicate.
        other = apply(
            db, name="预算股-预算编制专班", type="department", end_date=None, members=("O01",)
        )
        assert pending(db, other) == "预算股-预算编制专班"
        with db.reading() as uow:
            [view] = [a for a in groups.applications(uow, principal(db, "office")) if a.id == other]
        assert view.duplicates == ()
