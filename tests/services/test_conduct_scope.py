"""The owner's clean-up list of people outside the group's scope (篇四 三.3): the periodic
check finds them, the patrol lists them, one click in the review queue removes them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qunguan.services.conduct import patrols, review
from qunguan.services.groups import lifecycle as groups
from qunguan.services.membership import audit as membership_audit
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.store.models import Patrol
from qunguan.store.repositories.directory import DirectoryRepository
from tests.factories import SETUP, principal, seed_agency
from tests.services.test_groups import decide
from tests.services.test_membership import accept, approved_invitation, can_read


def scoped_group(db: Database) -> int:
    """A group of the finance bureau alone, under s4, owned by the office clerk."""
    seed_agency(db)
    with db.unit_of_work() as uow:
        policy_versions.adopt_preset(uow, SETUP, "s4")
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
    group_id = decide(db, "leader", application.id)
    assert group_id is not None
    return group_id


@pytest.mark.clause("s4-3.3")
def test_someone_outside_the_scope_is_on_the_owners_list_and_removed_on_confirmation(
    db: Database,
) -> None:
    group_id = scoped_group(db)
    accept(db, "member", approved_invitation(db, group_id, "M01"))
    with db.unit_of_work() as uow:  # moved to another unit without an event
        repo = DirectoryRepository(uow.session)
        person = repo.person_by_staff_no("M01")
        street = next(d for d in repo.departments() if d.unit.name == "城关街道办事处")
        assert person is not None
        person.department_id = street.id
    with db.unit_of_work() as uow:
        assert membership_audit.audit_memberships(uow) == 1
        patrols.schedule(uow)
    with db.reading() as uow:
        [item] = review.queue(uow, principal(db, "office"), group_id)
        patrol = uow.session.scalars(select(Patrol)).one()
    assert (item.kind, item.staff_no, item.title) == ("finding", "M01", "out_of_scope")
    assert patrol.checklist["members_out_of_scope"] == [item.id]
    with db.unit_of_work() as uow:
        review.decide(uow, principal(db, "office"), "finding", item.id, review.Decision("remove"))
    assert not can_read(db, "member", group_id)
