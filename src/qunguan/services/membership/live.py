"""The live events that membership changes send, so open connections follow them: a new
member starts receiving the group at once, a removed one stops (after hearing why)."""

from __future__ import annotations

from qunguan.domain.events import LiveEvent
from qunguan.services.uow import UnitOfWork


def member_joined(uow: UnitOfWork, group_id: int, person_id: int) -> None:
    uow.publish(LiveEvent("member_joined", group_id, {"person_id": person_id}, grant=(person_id,)))


def member_left(uow: UnitOfWork, group_id: int, person_id: int, how: str) -> None:
    uow.publish(
        LiveEvent(
            "member_left", group_id, {"person_id": person_id, "how": how}, revoke=(person_id,)
        )
    )
