"""Adopting a regulation, changing it under governance, and members acknowledging it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlalchemy import select

from qunguan.domain.errors import DomainError
from qunguan.policy.render import build
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import AuditRecord, OutboxEvent
from tests.factories import SETUP, principal, seed_agency


@pytest.fixture
def agency(db: Database) -> Database:
    seed_agency(db)
    return db


def adopt(db: Database, preset: str) -> int:
    with db.unit_of_work() as uow:
        return policy_versions.adopt_preset(uow, SETUP, preset, agency="青山县财政局")


def edited(db: Database, change: dict[str, object]) -> str:
    """The document in force with one setting changed, as the editor would submit it."""
    with db.reading() as uow:
        data = yaml.safe_load(policy_versions.to_yaml(policy_versions.require_current(uow).policy))
    for path, value in change.items():
        node = data
        *parents, leaf = path.split(".")
        for key in parents:
            node = node[key]
        node[leaf] = value
    text: str = yaml.safe_dump(data, allow_unicode=True)
    return text


def propose(db: Database, who: str, document: str, reason: str = "调整参数") -> int:
    with db.unit_of_work() as uow:
        return policy_versions.propose(uow, principal(db, who), document, reason).id


def approve(db: Database, who: str, proposal_id: int) -> int:
    with db.unit_of_work() as uow:
        return policy_versions.approve(uow, principal(db, who), proposal_id, "同意")


def in_force(db: Database) -> policy_versions.InForce:
    with db.reading() as uow:
        return policy_versions.require_current(uow)


class TestAdoption:
    @pytest.mark.clause("s3-6.2")
    def test_adopting_asks_every_member_to_read_it_and_shows_who_has(
        self, agency: Database
    ) -> None:
        assert adopt(agency, "s3") == 1
        with agency.reading() as uow:
            pending = {
                p: policy_versions.pending_acknowledgement(uow, principal(agency, p).user_id)
                for p in ("member", "office")
            }
        assert all(v is not None and v.version == 1 for v in pending.values())
        with agency.unit_of_work() as uow:
            policy_versions.acknowledge(uow, principal(agency, "member"), 1)
        with agency.reading() as uow:
            status = {
                r.username: r.acknowledged_at
                for r in policy_versions.acknowledgement_status(uow, 1)
            }
            assert (
                policy_versions.pending_acknowledgement(uow, principal(agency, "member").user_id)
                is None
            )
        assert status["member"] is not None
        assert status["office"] is None

    def test_a_second_adoption_is_refused(self, agency: Database) -> None:
        adopt(agency, "s2")
        with pytest.raises(DomainError) as caught:
            adopt(agency, "s4")
        assert caught.value.code == "policy.already_adopted"

    def test_adoption_is_audited_and_announced(self, agency: Database) -> None:
        heard: list[str] = []
        agency.subscribe(lambda event: heard.append(event.kind))
        adopt(agency, "s2")
        with agency.reading() as uow:
            actions = list(uow.session.scalars(select(AuditRecord.action)))
            stored = list(uow.session.scalars(select(OutboxEvent.kind)))
        assert "policy.published" in actions
        assert "policy.published" in heard
        assert "policy.published" not in stored  # nobody reads it back from the outbox


class TestGovernedChange:
    @pytest.mark.clause("s7-14.2", "s7-14.1")
    def test_nothing_changes_until_a_leader_approves_then_it_applies_at_once(
        self, agency: Database
    ) -> None:
        adopt(agency, "s7")
        proposal = propose(
            agency, "security", edited(agency, {"settings.membership.inactivity_days": 30})
        )
        assert in_force(agency).policy.settings.membership.inactivity_days == 60
        with pytest.raises(DomainError) as caught, agency.unit_of_work() as uow:
            policy_versions.approve(uow, principal(agency, "security"), proposal, "")
        assert caught.value.code == "policy.not_approver"
        assert in_force(agency).version == 1
        assert approve(agency, "leader", proposal) == 2
        now = in_force(agency)  # read anew: no restart, no cache to clear
        assert now.version == 2
        assert now.policy.settings.membership.inactivity_days == 30
        with agency.reading() as uow:
            assert (
                policy_versions.pending_acknowledgement(uow, principal(agency, "member").user_id)
                is not None
            )

    @pytest.mark.clause("s1-8b")
    def test_a_new_version_keeps_the_old_one_readable_with_a_diff(self, agency: Database) -> None:
        adopt(agency, "s1")
        proposal = propose(agency, "security", edited(agency, {"settings.patrol.every_days": 14}))
        approve(agency, "leader", proposal)
        with agency.reading() as uow:
            v1, old = policy_versions.version(uow, 1)
            v2, new = policy_versions.version(uow, 2)
        assert old.settings.patrol.every_days == 7
        assert new.settings.patrol.every_days == 14
        assert v2.changes == [["settings.patrol.every_days", 7, 14]]
        assert v1.status == "published"

    @pytest.mark.clause("s4-9.1", "s3-7.1")
    def test_only_the_policy_owner_proposes_and_only_a_leader_approves(
        self, agency: Database
    ) -> None:
        adopt(agency, "s4")
        document = edited(agency, {"settings.patrol.every_days": 3})
        for who in ("member", "office", "leader"):
            with pytest.raises(DomainError) as caught:
                propose(agency, who, document)
            assert caught.value.code == "policy.not_proposer"
            assert "s4-9.1" in caught.value.clause_ids
        proposal = propose(agency, "security", document)
        for who in ("member", "office", "security"):
            with pytest.raises(DomainError), agency.unit_of_work() as uow:
                policy_versions.approve(uow, principal(agency, who), proposal, "")
        approve(agency, "leader", proposal)
        with agency.reading() as uow:
            logged = uow.session.scalars(
                select(AuditRecord).where(AuditRecord.action == "policy.published")
            ).all()
        assert [r.actor_username for r in logged] == ["test-setup", "leader"]

    @pytest.mark.clause("s3-7.1")
    def test_an_interpretation_shows_under_its_article(self, agency: Database) -> None:
        adopt(agency, "s3")
        document = edited(
            agency, {"interpretations": {"s3-4.1.1": "财务数据包括预算、决算和往来账目。"}}
        )
        approve(agency, "leader", propose(agency, "security", document, "增加释义"))
        article = next(
            a for a in build(in_force(agency).policy).articles() if a.clause_id == "s3-4.1.1"
        )
        assert article.interpretation == "财务数据包括预算、决算和往来账目。"
        assert article.text.startswith("工作群内禁止发布组织的机密信息")

    @pytest.mark.clause("s3-7.2")
    def test_publication_tells_every_member_what_changed_and_tracks_acknowledgement(
        self, agency: Database
    ) -> None:
        adopt(agency, "s3")
        for who in ("member", "office"):
            with agency.unit_of_work() as uow:
                policy_versions.acknowledge(uow, principal(agency, who), 1)
        approve(
            agency,
            "leader",
            propose(agency, "security", edited(agency, {"settings.patrol.every_days": 14})),
        )
        with agency.reading() as uow:
            pending = policy_versions.pending_acknowledgement(
                uow, principal(agency, "member").user_id
            )
            history = policy_versions.history(uow)
            status = {
                r.username: r.acknowledged_at
                for r in policy_versions.acknowledgement_status(uow, 2)
            }
        assert pending is not None
        assert pending.version == 2
        assert history[0].changes == [["settings.patrol.every_days", 30, 14]]
        assert status["member"] is None
        assert status["office"] is None

    @pytest.mark.clause("s2-4", "s4-9.2")
    def test_a_version_governs_only_from_its_publication(self, agency: Database) -> None:
        adopt(agency, "s2")
        published = in_force(agency).published_at
        with agency.reading() as uow:
            assert policy_versions.in_force_at(uow, published - timedelta(seconds=1)) is None
            assert policy_versions.in_force_at(uow, published + timedelta(seconds=1)) is not None
        approve(
            agency,
            "leader",
            propose(agency, "security", edited(agency, {"settings.patrol.every_days": 3})),
        )
        second = in_force(agency).published_at
        with agency.reading() as uow:
            before = policy_versions.in_force_at(uow, second - timedelta(microseconds=1))
            after = policy_versions.in_force_at(uow, second)
        assert before is not None
        assert before.version == 1
        assert after is not None
        assert after.version == 2

    def test_refusal_needs_a_reason_and_leaves_the_policy_alone(self, agency: Database) -> None:
        adopt(agency, "s2")
        proposal = propose(agency, "security", edited(agency, {"settings.patrol.every_days": 3}))
        with pytest.raises(DomainError), agency.unit_of_work() as uow:
            policy_versions.refuse(uow, principal(agency, "leader"), proposal, "  ")
        with agency.unit_of_work() as uow:
            policy_versions.refuse(uow, principal(agency, "leader"), proposal, "巡查过于频繁")
        assert in_force(agency).version == 1
        with pytest.raises(DomainError) as caught:
            approve(agency, "leader", proposal)
        assert caught.value.code == "policy.proposal_decided"

    def test_an_unchanged_or_broken_document_is_refused(self, agency: Database) -> None:
        adopt(agency, "s2")
        with pytest.raises(DomainError) as caught:
            propose(agency, "security", edited(agency, {}))
        assert caught.value.code == "policy.no_change"
        with pytest.raises(DomainError) as caught:
            propose(agency, "security", "settings: [unclosed")
        assert caught.value.code == "policy.yaml_invalid"
        with pytest.raises(DomainError) as caught:
            propose(agency, "security", edited(agency, {"settings.records.retention_days": 90}))
        assert caught.value.details[0].params["setting"] == "settings.records.retention_days"


class TestAcknowledgement:
    def test_acknowledging_twice_is_recorded_once(self, agency: Database) -> None:
        adopt(agency, "s2")
        results = []
        for _ in range(2):
            with agency.unit_of_work() as uow:
                results.append(policy_versions.acknowledge(uow, principal(agency, "member"), 1))
        assert results == [True, False]

    def test_only_the_version_in_force_can_be_acknowledged(self, agency: Database) -> None:
        adopt(agency, "s2")
        with pytest.raises(DomainError) as caught, agency.unit_of_work() as uow:
            policy_versions.acknowledge(uow, principal(agency, "member"), 7)
        assert caught.value.code == "policy.version_not_current"


class TestStaleProposals:
    def test_a_proposal_drafted_before_another_was_published_must_be_proposed_again(
        self, agency: Database
    ) -> None:
        adopt(agency, "s2")
        first = propose(
            agency, "security", edited(agency, {"settings.posting.edit_window_minutes": 5})
        )
        second = propose(
            agency, "security", edited(agency, {"settings.posting.recall_window_minutes": 7})
        )
        approve(agency, "leader", first)
        with pytest.raises(DomainError) as caught:
            approve(agency, "leader", second)
        assert caught.value.code == "policy.proposal_stale"
        assert in_force(agency).policy.settings.posting.edit_window_minutes == 5
