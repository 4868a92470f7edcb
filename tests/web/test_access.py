"""The one door: "not yours" answers exactly like "there is none".

For each thing asked for by id — a group, a message, a violation, a sanction, an appeal, a
report, a patrol, a review item, a join request, an invitation — someone who may not see it
gets the very answer (status and body) that an id nobody has gets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from qunguan.policy.document import SanctionStep
from qunguan.services.conduct import patrols, reports, sanctions
from qunguan.services.uow import Database
from qunguan.store.repositories.conduct import ConductRepository
from tests.factories import principal
from tests.web.test_messages_api import Sign, post

MISSING = 987_654


@dataclass(frozen=True)
class Things:
    group_id: int
    violation_id: int
    sanction_id: int
    appeal_id: int
    report_id: int
    patrol_id: int


@pytest.fixture
def things(app_client: TestClient, signed_in: Sign, group_id: int, db: Database) -> Things:
    """A group run by the office with one member, a message, a violation with a warning
    the member appealed, a report on the message, and this week's patrol."""
    assert post(app_client, signed_in("office"), group_id, "本周例会改到周四").status_code == 201
    office, member = principal(db, "office"), principal(db, "member")
    with db.unit_of_work() as uow:
        violation = sanctions.record_violation(
            uow, office, group_id, staff_no="M01", reason="上班时间发无关链接"
        )
        sanction = sanctions.apply(
            uow, office, violation.id, sanctions.Measure(SanctionStep.WARNING, "提醒")
        )
    with db.unit_of_work() as uow:
        appeal = sanctions.appeal(uow, member, sanction.id, "当时在转发工作通知")
        filed = reports.file_report(
            uow,
            member,
            group_id,
            reports.ReportForm("message", "与工作无关", seq=1, category="off_topic"),
        )
        patrols.schedule(uow)
    with db.reading() as uow:
        patrol = ConductRepository(uow.session).open_patrol(group_id)
    assert patrol is not None
    return Things(group_id, violation.id, sanction.id, appeal.id, filed.id, patrol.id)


Ask = Callable[[TestClient, str, int], Any]


def _get(path: str) -> Ask:
    return lambda client, _csrf, thing: client.get(path.format(thing))


def _post(path: str, body: dict[str, Any]) -> Ask:
    return lambda client, csrf, thing: client.post(
        path.format(thing), json=body, headers={"X-CSRF-Token": csrf}
    )


def _patch(path: str, body: dict[str, Any]) -> Ask:
    return lambda client, csrf, thing: client.patch(
        path.format(thing), json=body, headers={"X-CSRF-Token": csrf}
    )


# (what, who asks, which id of `Things`, the request)
CASES: list[tuple[str, str, str, Ask]] = [
    ("group", "leader", "group_id", _get("/api/v1/groups/{}")),
    ("group members", "leader", "group_id", _get("/api/v1/groups/{}/members")),
    ("message edit", "leader", "group_id", _patch("/api/v1/groups/{}/messages/1", {"body": "x"})),
    ("violation", "leader", "violation_id", _get("/api/v1/violations/{}/proposal")),
    ("violation", "member", "violation_id", _get("/api/v1/violations/{}/proposal")),
    (
        "sanction on a violation",
        "member",
        "violation_id",
        _post("/api/v1/violations/{}/sanctions", {"step": "warning", "reason": "x"}),
    ),
    (
        "someone else's sanction",
        "leader",
        "sanction_id",
        _post("/api/v1/sanctions/{}/appeal", {"statement": "不服"}),
    ),
    ("appeal", "member", "appeal_id", _post("/api/v1/review/appeal/{}", {"action": "uphold"})),
    ("report", "member", "report_id", _post("/api/v1/review/report/{}", {"action": "dismiss"})),
    ("report", "leader", "report_id", _post("/api/v1/review/report/{}", {"action": "dismiss"})),
    ("patrol", "member", "patrol_id", _post("/api/v1/patrols/{}/complete", {"note": ""})),
    ("patrol", "leader", "patrol_id", _post("/api/v1/patrols/{}/complete", {"note": ""})),
]


@pytest.mark.parametrize(
    ("what", "who", "field", "ask"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES]
)
def test_not_yours_answers_exactly_like_none(
    app_client: TestClient,
    signed_in: Sign,
    things: Things,
    what: str,
    who: str,
    field: str,
    ask: Ask,
) -> None:
    csrf = signed_in(who)
    theirs = ask(app_client, csrf, getattr(things, field))
    nobodys = ask(app_client, csrf, MISSING)
    assert nobodys.status_code == 404, (what, nobodys.text)
    assert theirs.status_code == nobodys.status_code, (what, theirs.text)
    assert theirs.json() == nobodys.json(), what


def test_the_owner_still_reaches_each_thing(
    app_client: TestClient, signed_in: Sign, things: Things
) -> None:
    """The same requests from the one who may: the door opens (no false "none")."""
    signed_in("office")
    assert app_client.get(f"/api/v1/groups/{things.group_id}").status_code == 200
    proposal = app_client.get(f"/api/v1/violations/{things.violation_id}/proposal")
    assert proposal.status_code == 200
