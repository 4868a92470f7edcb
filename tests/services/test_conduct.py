"""Keeping order: violations and the ladder, sanctions in the send path, reports and the
reporter's protection, the review queue, message administration, patrols."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from qunguan.domain import sealing
from qunguan.domain.clock import utcnow
from qunguan.domain.errors import DomainError
from qunguan.policy.document import SanctionStep
from qunguan.policy.rules.membership import GroupRole
from qunguan.policy.rules.sanctions import next_step
from qunguan.services import access
from qunguan.services.accounts import management as accounts
from qunguan.services.conduct import message_admin, patrols, reports, review, sanctions
from qunguan.services.membership import members
from qunguan.services.messages import conversation as messages
from qunguan.services.uow import Database
from qunguan.store.models import (
    AuditRecord,
    Message,
    MessageRevision,
    Notification,
    Patrol,
    Person,
    Report,
    Restriction,
)
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.membership import MembershipRepository
from tests.factories import PASSWORD, SETUP, principal
from tests.services.test_membership import accept, approved_invitation, make_group
from tests.services.test_messages import MEMBER, OWNER, acknowledge, refusal, send
from tests.services.test_messages import chat_group as plain_chat_group


def told(db: Database, kind: str) -> list[str]:
    """The staff numbers of the people notified of ``kind``, each once, in order."""
    with db.reading() as uow:
        found = uow.session.scalars(
            select(Person.staff_no)
            .join(Notification, Notification.person_id == Person.id)
            .where(Notification.kind == kind)
        )
        return sorted(set(found))


def chat_group(db: Database, preset: str = "s2") -> int:
    """As ``test_messages.chat_group``; under s4 the addition is approved first (篇四 四.2)."""
    if preset != "s4":
        return plain_chat_group(db, preset)
    group_id = make_group(db, "s4")
    accept(db, MEMBER, approved_invitation(db, group_id, "M01"))
    acknowledge(db, OWNER)
    acknowledge(db, MEMBER)
    return group_id


def violation_for(db: Database, group_id: int, seq: int, reason: str = "发布无关内容") -> int:
    with db.unit_of_work() as uow:
        message = uow.session.scalars(
            select(Message).where(Message.group_id == group_id, Message.seq == seq)
        ).one()
        row = sanctions.record_violation(
            uow, principal(db, OWNER), group_id, message_id=message.id, reason=reason
        )
        return row.id


def apply(db: Database, violation_id: int, step: SanctionStep, hours: float | None = None) -> int:
    with db.unit_of_work() as uow:
        row = sanctions.apply(
            uow, principal(db, OWNER), violation_id, sanctions.Measure(step, "违反群规", hours)
        )
        return row.id


def proposed(db: Database, violation_id: int) -> SanctionStep:
    with db.reading() as uow:
        return sanctions.propose(uow, principal(db, OWNER), violation_id)


def time_passes(db: Database, hours: float) -> None:
    """Move every restriction back in time, as the clock moving on would."""
    with db.unit_of_work() as uow:
        for row in uow.session.scalars(select(Restriction)):
            row.starts_at -= timedelta(hours=hours)
            row.until -= timedelta(hours=hours)


def second_leader(db: Database) -> str:
    with db.unit_of_work() as uow:
        accounts.create_user(
            uow, SETUP, "leader2", PASSWORD, ["leader"], staff_no="M02", must_change_password=False
        )
    return "leader2"


class TestLadder:
    def test_the_ladder_proposes_one_rung_above_the_highest_applied(self) -> None:
        ladder = (SanctionStep.WARNING, SanctionStep.MUTE, SanctionStep.SUSPENSION)
        assert next_step(ladder, []) is SanctionStep.WARNING
        assert next_step(ladder, ["warning"]) is SanctionStep.MUTE
        assert next_step(ladder, ["mute", "warning"]) is SanctionStep.SUSPENSION
        assert next_step(ladder, ["suspension"]) is SanctionStep.SUSPENSION

    @pytest.mark.clause("s1-7.1", "s3-5.1.1")
    @pytest.mark.parametrize(
        ("preset", "steps"),
        [("s1", ["warning", "mute", "suspension"]), ("s3", ["warning", "mute", "removal"])],
    )
    def test_the_ladder_proposes_the_next_step_from_the_members_history(
        self, db: Database, preset: str, steps: list[str]
    ) -> None:
        group_id = chat_group(db, preset)
        for i, expected in enumerate(steps):
            send(db, MEMBER, group_id, f"第{i}条无关内容")
            violation = violation_for(db, group_id, i + 1)
            step = proposed(db, violation)
            assert step.value == expected
            if step in (SanctionStep.WARNING, SanctionStep.MUTE):
                apply(db, violation, step, 0.01)
                time_passes(db, 1)


class TestSanctions:
    @pytest.mark.clause("s1-7.1", "s4-3.2", "s6-4.6")
    def test_a_timed_mute_refuses_until_it_expires_and_then_lifts_by_itself(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "刷屏")
        apply(db, violation_for(db, group_id, 1), SanctionStep.MUTE, 2)
        error = refusal(db, MEMBER, group_id, "还在吗")
        assert error.code == "messages.muted"
        assert "s1-7.1" in error.clause_ids
        time_passes(db, 1)
        assert refusal(db, MEMBER, group_id, "还在吗").code == "messages.muted"
        time_passes(db, 1.01)
        assert send(db, MEMBER, group_id, "我回来了").status == "stored"
        with db.reading() as uow:
            record = sanctions.my_record(uow, principal(db, MEMBER))
        assert [s.step for s in record.sanctions] == ["mute"]
        assert [v.evidence["body"] for v in record.violations] == ["刷屏"]

    @pytest.mark.clause("s1-7.1")
    def test_a_suspension_keeps_the_member_out_of_the_group_until_it_ends(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "无关")
        apply(db, violation_for(db, group_id, 1), SanctionStep.SUSPENSION, 24)
        assert refusal(db, MEMBER, group_id).code == "messages.suspended"
        with pytest.raises(DomainError) as caught, db.reading() as uow:
            messages.history(uow, principal(db, MEMBER), group_id)
        assert caught.value.code == "messages.suspended"
        time_passes(db, 25)
        with db.reading() as uow:
            assert messages.history(uow, principal(db, MEMBER), group_id).last_seq == 1

    @pytest.mark.clause("s3-5.1.1", "s7-7.1")
    @pytest.mark.parametrize("preset", ["s3", "s7"])
    def test_removal_ends_access_at_once_and_is_linked_to_the_violation(
        self, db: Database, preset: str
    ) -> None:
        group_id = chat_group(db, preset)
        send(db, MEMBER, group_id, "不当言论")
        violation = violation_for(db, group_id, 1)
        apply(db, violation, SanctionStep.REMOVAL)
        with pytest.raises(DomainError) as caught, db.reading() as uow:
            access.access_group(uow, principal(db, MEMBER), group_id)
        assert caught.value.code == "group.not_found"
        with db.reading() as uow:
            record = sanctions.member_record(uow, principal(db, OWNER), group_id, "M01")
        assert [(s.step, s.status) for s in record.sanctions] == [("removal", "applied")]

    @pytest.mark.clause("s4-8.1")
    def test_public_criticism_posts_a_notice_to_the_group_linked_to_the_violation(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s4")
        send(db, MEMBER, group_id, "上班时间发游戏链接")
        violation = violation_for(db, group_id, 1, "上班时间发布游戏链接")
        sanction_id = apply(db, violation, SanctionStep.PUBLIC_CRITICISM)
        with db.reading() as uow:
            page = messages.history(uow, principal(db, MEMBER), group_id)
            sanction = ConductRepository(uow.session).sanction(sanction_id)
        notice = page.messages[-1]
        assert notice.body.startswith("【通报批评】")
        assert "孙浩然" in notice.body
        assert sanction is not None
        assert sanction.notice_message_id == notice.id
        assert sanction.violation_id == violation

    @pytest.mark.clause("s4-8.1")
    def test_demotion_takes_a_group_admins_role_and_is_refused_for_a_plain_member(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s4")
        send(db, MEMBER, group_id, "在群里发广告")
        violation = violation_for(db, group_id, 1, "在工作群发布广告")
        with pytest.raises(DomainError) as caught:
            apply(db, violation, SanctionStep.DEMOTION)
        assert caught.value.code == "sanctions.demotion_not_admin"
        with db.unit_of_work() as uow:
            members.set_role(uow, principal(db, OWNER), group_id, "M01", GroupRole.GROUP_ADMIN)
        sanction_id = apply(db, violation, SanctionStep.DEMOTION)
        with db.reading() as uow:
            membership = MembershipRepository(uow.session).membership(
                group_id, principal(db, MEMBER).person_id or 0
            )
            sanction = ConductRepository(uow.session).sanction(sanction_id)
        assert membership is not None
        assert membership.role == GroupRole.MEMBER.value
        assert sanction is not None
        assert sanction.violation_id == violation

    @pytest.mark.clause("s4-3.2")
    def test_a_member_without_a_managing_role_sanctions_nobody(self, db: Database) -> None:
        group_id = chat_group(db, "s4")
        send(db, OWNER, group_id, "通知")
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            sanctions.record_violation(
                uow, principal(db, MEMBER), group_id, staff_no="O01", reason="x"
            )
        assert caught.value.code == "groups.not_manager"

    def test_a_step_the_policy_does_not_list_is_refused(self, db: Database) -> None:
        group_id = chat_group(db, "s4")  # warning, public criticism, removal
        send(db, MEMBER, group_id, "无关")
        with pytest.raises(DomainError) as caught:
            apply(db, violation_for(db, group_id, 1), SanctionStep.SUSPENSION, 1)
        assert caught.value.code == "sanctions.step_not_in_policy"

    def test_an_appeal_goes_to_someone_other_than_who_sanctioned(self, db: Database) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "无关")
        sanction_id = apply(db, violation_for(db, group_id, 1), SanctionStep.MUTE, 5)
        with db.unit_of_work() as uow:
            appeal = sanctions.appeal(uow, principal(db, MEMBER), sanction_id, "我在讨论工作")
            appeal_id = appeal.id
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            sanctions.decide_appeal(uow, principal(db, OWNER), appeal_id, overturn=True, note="")
        assert caught.value.code == "appeals.same_person"
        with db.unit_of_work() as uow:
            items = review.queue(uow, principal(db, "security"))
            assert [(i.kind, i.id) for i in items] == [("appeal", appeal_id)]
            review.decide(
                uow,
                principal(db, "security"),
                "appeal",
                appeal_id,
                review.Decision("overturn", "确属工作讨论"),
            )
        assert send(db, MEMBER, group_id, "谢谢").status == "stored"  # the mute is lifted
        with db.reading() as uow:
            record = sanctions.my_record(uow, principal(db, MEMBER))
        assert [(s.status, s.appeal) for s in record.sanctions] == [("overturned", "overturned")]

    def test_the_case_file_holds_violations_evidence_measures_and_clauses(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s7")
        send(db, MEMBER, group_id, "泄露内部材料")
        apply(db, violation_for(db, group_id, 1, "泄露内部材料"), SanctionStep.ESCALATION)
        with db.unit_of_work() as uow:
            data = sanctions.case_file(uow, principal(db, OWNER), group_id, "M01")
        book = load_workbook(BytesIO(data))
        violations = [[c.value for c in row] for row in book["违规记录"].iter_rows(min_row=2)]
        measures = [[c.value for c in row] for row in book["处理措施"].iter_rows(min_row=2)]
        assert violations[0][3] == "泄露内部材料"
        assert violations[0][6] == "泄露内部材料"
        assert measures[0][2] == "escalation"
        # The leader (周建国) and the office (王丽娟) hear of the case, and nobody else.
        assert told(db, "case.escalated") == ["L01", "O01"]


class TestReports:
    @pytest.mark.clause("s1-6.2")
    def test_a_report_reaches_the_admins_queue_and_the_reporters_list(self, db: Database) -> None:
        group_id = chat_group(db, "s1")
        send(db, OWNER, group_id, "周末去钓鱼的报名")
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow,
                principal(db, MEMBER),
                group_id,
                reports.ReportForm("message", "与工作无关", seq=1, category="off_topic"),
            )
        with db.reading() as uow:
            items = review.queue(uow, principal(db, OWNER), group_id)
            mine = reports.mine(uow, principal(db, MEMBER))
            followed = reports.by_receipt(uow, filed.receipt)
        assert [(i.kind, i.seq, i.reason) for i in items] == [("report", 1, "与工作无关")]
        assert [(r.id, r.status) for r in mine] == [(filed.id, "open")]
        assert followed.status == "open"

    @pytest.mark.clause("s7-13.2", "s3-5.2.1")
    def test_an_anonymous_report_stores_no_reporter_identity(self, db: Database) -> None:
        group_id = chat_group(db, "s7")
        send(db, OWNER, group_id, "这次评优内定了")
        reporter = principal(db, MEMBER)
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow, reporter, group_id, reports.ReportForm("message", "散布不实信息", seq=1)
            )
        assert (filed.mode, filed.identity_stored) == ("anonymous", False)
        with db.reading() as uow:
            row = uow.session.get(Report, filed.id)
            assert row is not None
            stored = {c.name: getattr(row, c.name) for c in Report.__table__.columns}
            audit_rows = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "report.filed")
            ).all()
            assert reports.mine(uow, reporter) == []
        assert stored["reporter_sealed"] is None
        assert stored["reporter_tag"] is None
        # No column holds the reporter's account, person, staff number or name.
        values = {str(v) for v in stored.values()}
        assert not values & {str(reporter.user_id), "M01", "孙浩然", "member"} - {str(row.id)}
        assert stored["target_person_id"] != reporter.person_id
        assert [(a.actor_user_id, a.actor_username) for a in audit_rows] == [(None, "report")]
        with db.unit_of_work() as uow:
            review.decide(
                uow,
                principal(db, "security"),
                "report",
                filed.id,
                review.Decision("escalate", "散布不实信息"),
            )
        with db.reading() as uow:
            closed = reports.by_receipt(uow, filed.receipt)
        assert (closed.status, closed.outcome) == ("closed", "escalation")

    @pytest.mark.clause("s3-5.2.1")
    def test_a_confidential_reporter_is_readable_only_after_two_approvals(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s3")
        send(db, OWNER, group_id, "把内网材料拍照发到群里")
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow,
                principal(db, MEMBER),
                group_id,
                reports.ReportForm("message", "涉密", seq=1, category="security"),
            )
        with db.reading() as uow:
            row = uow.session.get(Report, filed.id)
            assert row is not None
            assert row.reporter_sealed
            sealed = row.reporter_sealed
        with pytest.raises(sealing.SealBroken):  # the database alone does not tell
            sealing.unseal(b"another deployment's key", sealed)
        security = principal(db, "security")
        with db.unit_of_work() as uow:
            reveal_id = reports.request_reveal(uow, security, filed.id, "核实举报线索").id
        other = second_leader(db)
        for approver in (None, "leader"):
            if approver:
                with db.unit_of_work() as uow:
                    reports.approve_reveal(uow, principal(db, approver), reveal_id)
            with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
                reports.reveal(uow, security, reveal_id)
            assert caught.value.code == "reports.reveal_not_approved"
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            reports.approve_reveal(uow, principal(db, "leader"), reveal_id)
        assert caught.value.code == "reports.reveal_approver_invalid"  # not twice by one
        with db.unit_of_work() as uow:
            reports.approve_reveal(uow, principal(db, other), reveal_id)
        with pytest.raises(DomainError), db.unit_of_work() as uow:
            reports.reveal(uow, principal(db, "leader"), reveal_id)  # only the requester
        with db.unit_of_work() as uow:
            revealed = reports.reveal(uow, security, reveal_id)
        assert (revealed.name, revealed.staff_no) == ("孙浩然", "M01")
        with db.reading() as uow:
            actions = [
                a.action
                for a in uow.session.scalars(
                    select(AuditRecord).where(AuditRecord.action.like("report.%"))
                )
            ]
        assert actions == [
            "report.filed",
            "report.reveal_requested",
            "report.reveal_approved",
            "report.reveal_approved",
            "report.reporter_revealed",
        ]

    @pytest.mark.clause("s3-3.2.4")
    def test_a_security_report_reaches_the_group_admin_and_the_office(self, db: Database) -> None:
        group_id = chat_group(db, "s3")
        send(db, MEMBER, group_id, "我把系统密码贴这里了")
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow,
                principal(db, OWNER),
                group_id,
                reports.ReportForm("message", "泄露系统密码", seq=1, category="security"),
            )
        with db.reading() as uow:
            owner_items = review.queue(uow, principal(db, OWNER), group_id)
            agency = review.queue(uow, principal(db, "security"))
        assert [i.id for i in owner_items if i.kind == "report"] == [filed.id]
        assert [i.id for i in agency if i.kind == "report"] == [filed.id]
        assert told(db, "report.filed") == ["O01"]  # the office (王丽娟)

    @pytest.mark.clause("s1-6.3", "s3-5.2.2")
    @pytest.mark.parametrize("preset", ["s1", "s3"])
    def test_a_report_not_handled_in_time_escalates_once(self, db: Database, preset: str) -> None:
        group_id = chat_group(db, preset)
        send(db, MEMBER, group_id, "广告")
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow, principal(db, OWNER), group_id, reports.ReportForm("message", "广告", seq=1)
            )
        with db.reading() as uow:
            stored = uow.session.get(Report, filed.id)
            assert stored is not None
            due = stored.due_at
        with db.unit_of_work() as uow:
            assert reports.escalate_overdue(uow, due - timedelta(minutes=1)) == 0
        with db.unit_of_work() as uow:
            assert reports.escalate_overdue(uow, due + timedelta(minutes=1)) == 1
        with db.unit_of_work() as uow:
            assert reports.escalate_overdue(uow, due + timedelta(hours=2)) == 0
        with db.reading() as uow:
            shown = reports.by_receipt(uow, filed.receipt)
            told = uow.session.scalars(
                select(Notification).where(Notification.kind == "report.overdue")
            ).all()
        assert shown.escalated
        assert told
        with db.unit_of_work() as uow:
            review.decide(
                uow, principal(db, OWNER), "report", filed.id, review.Decision("warn", "处理")
            )
        with db.reading() as uow:
            assert reports.by_receipt(uow, filed.receipt).outcome == "warning"


class TestReviewQueue:
    @pytest.mark.clause("s1-5.1")
    def test_held_content_is_in_the_queue_and_removing_it_is_audited(self, db: Database) -> None:
        group_id = chat_group(db, "s1")
        held = send(db, MEMBER, group_id, "这种表格谁设计的，真是脑残")
        assert held.status == "held"
        assert held.message
        with db.reading() as uow:
            items = review.queue(uow, principal(db, OWNER), group_id)
        assert [(i.kind, i.id) for i in items] == [("held", held.message.id)]
        with db.unit_of_work() as uow:
            review.decide(
                uow,
                principal(db, OWNER),
                "held",
                held.message.id,
                review.Decision("remove", "辱骂"),
            )
        with db.reading() as uow:
            assert review.queue(uow, principal(db, OWNER), group_id) == []
            page = messages.history(uow, principal(db, MEMBER), group_id)
            record = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "message.removed")
            ).one()
        assert page.held == []
        assert page.messages == []
        assert record.actor_username == OWNER
        assert record.summary["reason"] == "辱骂"

    @pytest.mark.clause("s1-9.4.2")
    def test_a_released_message_reaches_every_member_and_the_release_is_logged(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s1")
        held = send(db, MEMBER, group_id, "这种表格谁设计的，真是脑残")
        assert held.message
        with db.reading() as uow:
            assert messages.history(uow, principal(db, OWNER), group_id).messages == []
        with db.unit_of_work() as uow:
            review.decide(
                uow, principal(db, OWNER), "held", held.message.id, review.Decision("release")
            )
        with db.reading() as uow:
            page = messages.history(uow, principal(db, OWNER), group_id)
            logged = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "message.released")
            ).all()
        assert [m.seq for m in page.messages] == [1]
        assert len(logged) == 1

    @pytest.mark.clause("s6-4.6", "s3-5.2.2")
    def test_warning_on_a_flagged_message_records_the_violation_and_tells_the_member(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s6")
        held = send(db, MEMBER, group_id, "这种表格谁设计的，真是脑残")
        assert held.message
        with db.unit_of_work() as uow:
            outcome = review.decide(
                uow,
                principal(db, OWNER),
                "held",
                held.message.id,
                review.Decision("warn", "辱骂同事"),
            )
        assert outcome == "warning"
        with db.reading() as uow:
            record = sanctions.my_record(uow, principal(db, MEMBER))
            told = uow.session.scalars(
                select(Notification).where(Notification.kind == "sanction.warning")
            ).all()
        assert [v.source for v in record.violations] == ["engine"]
        assert [s.step for s in record.sanctions] == ["warning"]
        assert told

    def test_a_member_has_no_queue(self, db: Database) -> None:
        group_id = chat_group(db, "s1")
        with pytest.raises(DomainError) as caught, db.reading() as uow:
            review.queue(uow, principal(db, MEMBER), group_id)
        assert caught.value.code == "groups.not_manager"


class TestMessageAdministration:
    @pytest.mark.clause("s1-9.4.4")
    def test_removal_shows_a_placeholder_and_keeps_the_original_for_the_auditor(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "团购链接 快来")
        with db.unit_of_work() as uow:
            message_admin.remove(uow, principal(db, OWNER), group_id, "与工作无关", seq=1)
        with db.reading() as uow:
            shown = messages.history(uow, principal(db, MEMBER), group_id).messages[0]
            kept = uow.session.scalars(select(MessageRevision)).all()
            audit_row = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "message.removed")
            ).one()
        assert (shown.status, shown.body) == ("removed", "")
        assert shown.moderation is not None
        assert shown.moderation["clauses"] == ["s1-5.1"]
        assert [(r.kind, r.body) for r in kept] == [("removal", "团购链接 快来")]
        assert audit_row.summary["original"] == "团购链接 快来"

    @pytest.mark.clause("s1-9.4.4")
    def test_a_redacted_number_is_hidden_from_members_and_kept_for_the_record(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "有事打我电话 13907310008", confirmed=True)
        with db.unit_of_work() as uow:
            message_admin.redact(
                uow, principal(db, OWNER), group_id, 1, "有事打我电话 139****0008", "个人信息"
            )
        with db.reading() as uow:
            shown = messages.history(uow, principal(db, MEMBER), group_id).messages[0]
            kept = uow.session.scalars(select(MessageRevision)).all()
        assert shown.body == "有事打我电话 139****0008"
        assert shown.edited_at
        assert shown.moderation is not None
        assert shown.moderation["action"] == "redacted"
        assert [(r.kind, r.body) for r in kept] == [("redaction", "有事打我电话 13907310008")]
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            message_admin.redact(uow, principal(db, MEMBER), group_id, 1, "改", "x")
        assert caught.value.code == "groups.not_manager"

    @pytest.mark.clause("s2-2.3.3")
    def test_replies_to_a_closed_topic_are_refused(self, db: Database) -> None:
        group_id = chat_group(db, "s2")
        send(db, MEMBER, group_id, "大家周末去哪玩")
        assert send(db, OWNER, group_id, "上班时间", reply_to_seq=1).status == "stored"
        with db.unit_of_work() as uow:
            message_admin.close_thread(uow, principal(db, OWNER), group_id, 1, "与工作无关")
        error = refusal(db, MEMBER, group_id, "去爬山", reply_to_seq=1)
        assert error.code == "messages.thread_closed"
        assert error.clause_ids == ("s2-2.3.3",)
        assert send(db, MEMBER, group_id, "收到").status == "stored"
        with db.reading() as uow:
            assert uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "thread.closed")
            ).one()

    @pytest.mark.clause("s6-4.5")
    def test_decision_records_are_listed_exported_and_never_rewritten(self, db: Database) -> None:
        group_id = chat_group(db, "s6")
        send(db, OWNER, group_id, "经研究，年度预算于周五前上报")
        send(db, MEMBER, group_id, "收到")
        with db.unit_of_work() as uow:
            message_admin.mark_decision(uow, principal(db, OWNER), group_id, 1, "预算上报时间")
        with pytest.raises(DomainError) as caught, db.unit_of_work() as uow:
            message_admin.mark_decision(uow, principal(db, OWNER), group_id, 1, "改个标题")
        assert caught.value.code == "decisions.already_recorded"
        with db.reading() as uow:
            listed = message_admin.decisions(uow, principal(db, MEMBER), group_id)
            data = message_admin.export_decisions(uow, principal(db, MEMBER), group_id)
        assert [(d.title, d.seq) for d in listed] == [("预算上报时间", 1)]
        sheet = load_workbook(BytesIO(data))["决策记录"]
        assert sheet["A2"].value == "预算上报时间"
        assert "周五前上报" in sheet["E2"].value

    def test_tidy_up_removes_what_the_filter_matches(self, db: Database) -> None:
        group_id = chat_group(db, "s6")
        for body in ("团购水果", "下午开会", "团购大米"):
            send(db, MEMBER, group_id, body)
        with db.unit_of_work() as uow:
            n = message_admin.tidy(
                uow, principal(db, OWNER), group_id, message_admin.TidyFilter(text="团购"), "无关"
            )
        assert n == 2
        with db.reading() as uow:
            page = messages.history(uow, principal(db, MEMBER), group_id)
        assert [m.body for m in page.messages] == ["", "下午开会", ""]


class TestPatrols:
    @pytest.mark.clause("s1-6.1", "s7-9.1", "s6-4.4")
    @pytest.mark.parametrize("preset", ["s1", "s6", "s7"])
    def test_a_patrol_lists_what_needs_attention_and_escalates_when_overdue(
        self, db: Database, preset: str
    ) -> None:
        group_id = chat_group(db, preset)
        send(db, OWNER, group_id, "去年的通知")
        held = send(db, MEMBER, group_id, "这种表格谁设计的，真是脑残")
        with db.unit_of_work() as uow:
            messages.set_pin(uow, principal(db, OWNER), group_id, 1, True)
            uow.session.execute(
                update(Message)
                .where(Message.seq == 1)
                .values(pinned_at=utcnow() - timedelta(days=40))
            )
        with db.unit_of_work() as uow:
            filed = reports.file_report(
                uow,
                principal(db, OWNER),
                group_id,
                reports.ReportForm("member", "刷屏", staff_no="M01"),
            )
        with db.unit_of_work() as uow:
            assert patrols.schedule(uow) == 1
            assert patrols.schedule(uow) == 0  # one open patrol per group
        with db.reading() as uow:
            patrol = uow.session.scalars(select(Patrol)).one()
        # s7 blocks abuse outright; the others hold it for review.
        expected_held = [held.message.id] if held.message else []
        assert patrol.checklist["held_messages"] == expected_held
        assert patrol.checklist["open_reports"] == [filed.id]
        assert patrol.checklist["stale_pins"] == [1]
        with db.unit_of_work() as uow:
            assert patrols.escalate_overdue(uow, patrol.due_at - timedelta(hours=1)) == 0
            assert patrols.escalate_overdue(uow, patrol.due_at + timedelta(hours=1)) == 1
        with db.reading() as uow:
            patrol = uow.session.scalars(select(Patrol)).one()
            told = uow.session.scalars(
                select(Notification).where(Notification.kind == "patrol.overdue")
            ).all()
        assert patrol.escalated_to == "office"
        assert told

    @pytest.mark.clause("s1-9.3.2")
    def test_the_patrol_record_lists_the_deletions_and_the_completion(self, db: Database) -> None:
        group_id = chat_group(db, "s1")
        send(db, MEMBER, group_id, "周末钓鱼")
        send(db, MEMBER, group_id, "团购大米")
        with db.unit_of_work() as uow:
            patrols.schedule(uow)
        with db.unit_of_work() as uow:
            for seq in (1, 2):
                message_admin.remove(uow, principal(db, OWNER), group_id, "无关信息", seq=seq)
        with db.unit_of_work() as uow:
            patrol_id = uow.session.scalars(select(Patrol.id)).one()
            patrols.complete(uow, principal(db, OWNER), patrol_id, "已清理")
        with db.reading() as uow:
            patrol = uow.session.get(Patrol, patrol_id)
        assert patrol is not None
        assert patrol.completed_at is not None
        assert [(a["action"], a["seq"]) for a in patrol.actions] == [("removed", 1), ("removed", 2)]


class TestOversight:
    @pytest.mark.clause("s3-3.1.3")
    def test_an_insult_alerts_the_admins_naming_member_message_and_rule(self, db: Database) -> None:
        group_id = chat_group(db, "s3")
        held = send(db, MEMBER, group_id, "这种表格谁设计的，真是脑残")
        assert held.message is not None
        with db.reading() as uow:
            [alert] = uow.session.scalars(
                select(Notification).where(Notification.kind == "content.flagged")
            ).all()
        assert alert.person_id == principal(db, OWNER).person_id
        assert alert.params["sender"] == "孙浩然"
        assert alert.params["message_id"] == held.message.id
        assert alert.params["categories"] == ["abusive"]
        assert alert.params["rules"]

    @pytest.mark.clause("s7-13.1")
    def test_members_see_the_months_sanctions_without_names_and_can_report_non_enforcement(
        self, db: Database
    ) -> None:
        group_id = chat_group(db, "s7")
        with db.unit_of_work() as uow:
            accounts.create_user(
                uow,
                SETUP,
                "office2",
                PASSWORD,
                ["office"],
                staff_no="M02",
                must_change_password=False,
            )
        for i in range(2):
            send(db, MEMBER, group_id, f"无关内容{i}")
            apply(db, violation_for(db, group_id, i + 1), SanctionStep.WARNING)
        with db.reading() as uow:
            shown = sanctions.transparency(uow, principal(db, MEMBER), group_id)
        assert (shown.counts, shown.total) == ({"warning": 2}, 2)
        assert "孙浩然" not in str(shown)
        assert "M01" not in str(shown)
        with db.unit_of_work() as uow:
            reports.file_report(
                uow,
                principal(db, MEMBER),
                group_id,
                reports.ReportForm(
                    "member", "群主未处理刷屏", staff_no="O01", category="non_enforcement"
                ),
            )
        with db.reading() as uow:
            told = uow.session.scalars(
                select(Notification.person_id).where(Notification.kind == "report.filed")
            ).all()
        # The office hears of it; the owner it concerns does not.
        assert told == [principal(db, "office2").person_id]
