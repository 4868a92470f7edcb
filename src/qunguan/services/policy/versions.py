"""The policy in force, and its governed change: propose, approve, publish, acknowledge.

A change is a proposal by the policy's proposer role (the security admin by default) that a
leader approves (篇七 十四, 篇四 九.1); on approval it becomes a new numbered version, with a
readable diff against the previous one, a ``PolicyPublished`` event for the announcement,
and every member must acknowledge it before their next post (篇三 七.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.errors import DomainError, ErrorKind, not_found
from qunguan.domain.events import PolicyPublished
from qunguan.policy.document import Policy, diff_policies
from qunguan.policy.explain import Citation
from qunguan.policy.explain import cite as _cite
from qunguan.policy.presets import preset_document, validate
from qunguan.services import audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import PolicyVersion
from qunguan.store.repositories.policy import PolicyRepository

CHANGE_CLAUSES = ("s1-8b", "s3-7.1", "s3-7.2", "s4-9.1", "s7-14.1", "s7-14.2")


@dataclass(frozen=True)
class VersionView:
    id: int
    version: int | None
    status: str
    preset: str
    reason: str
    changes: list[Any]
    proposed_by: int | None
    proposed_at: datetime
    decided_at: datetime | None
    decision_note: str
    published_at: datetime | None


@dataclass(frozen=True)
class InForce:
    version: int
    policy: Policy
    published_at: datetime


def _view(row: PolicyVersion) -> VersionView:
    return VersionView(
        row.id,
        row.version,
        row.status,
        row.preset,
        row.reason,
        list(row.changes or []),
        row.proposed_by,
        row.proposed_at,
        row.decided_at,
        row.decision_note,
        row.published_at,
    )


def to_yaml(policy: Policy) -> str:
    return str(
        yaml.safe_dump(
            policy.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=100
        )
    )


def parse_yaml(text: str) -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DomainError(
            "policy.yaml_invalid", params={"line": (mark.line + 1) if mark else "?"}
        ) from None
    if not isinstance(data, dict):
        raise DomainError("policy.yaml_invalid", params={"line": 1})
    return validate(data)


@lru_cache(maxsize=64)
def _parsed(document: str) -> Policy:
    """Published documents never change: parse each once, so reading the policy in force
    costs one indexed query rather than a YAML parse and a validation."""
    return parse_yaml(document)


def _in_force(row: PolicyVersion | None) -> InForce | None:
    if row is None or row.version is None or row.published_at is None:
        return None
    return InForce(row.version, _parsed(row.document), row.published_at)


def cite(policy: Policy, clause_id: str) -> Citation | None:
    return _cite(policy, clause_id)


def current(uow: UnitOfWork) -> InForce | None:
    """The policy in force now: read on every call, so a new version needs no restart."""
    return _in_force(PolicyRepository(uow.session).current())


# Published versions never change: (database, number, publication time) names one for good.
_BY_VERSION: dict[tuple[str, int, datetime], InForce] = {}


def in_force_by_number(uow: UnitOfWork, number: int, published_at: datetime) -> InForce:
    """The published version ``number``, parsed once per process (the send path asks for
    the version in force on every message and already knows its number)."""
    bind = uow.session.get_bind()
    key = (str(bind.engine.url), number, published_at)
    found = _BY_VERSION.get(key)
    if found is None:
        row = PolicyRepository(uow.session).by_number(number)
        found = _in_force(row)
        if found is None:
            raise DomainError("policy.none_adopted", ErrorKind.NOT_FOUND)
        if len(_BY_VERSION) > 256:
            _BY_VERSION.clear()
        _BY_VERSION[key] = found
    return found


def in_force_at(uow: UnitOfWork, when: datetime) -> InForce | None:
    """The policy that governed an event at ``when``: rules never apply retroactively."""
    return _in_force(PolicyRepository(uow.session).in_force_at(when))


def require_current(uow: UnitOfWork) -> InForce:
    found = current(uow)
    if found is None:
        raise DomainError("policy.none_adopted", ErrorKind.NOT_FOUND)
    return found


def _publish(uow: UnitOfWork, actor: Actor, row: PolicyVersion, previous: InForce | None) -> int:
    repo = PolicyRepository(uow.session)
    now = uow.now()
    row.version = repo.next_number()
    row.status = "published"
    row.published_at = now
    audit.record(
        uow,
        actor,
        "policy.published",
        target_type="policy_version",
        target_id=row.version,
        summary={
            "preset": row.preset,
            "changes": row.changes,
            "previous": previous.version if previous else None,
        },
    )
    uow.raise_event(PolicyPublished(row.version, row.preset, len(row.changes or [])))
    return row.version


def adopt_preset(uow: UnitOfWork, actor: Actor, preset_id: str, *, agency: str = "") -> int:
    """Start from one of the seven regulations: version 1, in force at once."""
    if current(uow) is not None:
        raise DomainError("policy.already_adopted", ErrorKind.CONFLICT)
    document = preset_document(preset_id)
    if agency:
        document["agency"] = agency
    policy = validate(document)
    row = PolicyRepository(uow.session).add(
        PolicyVersion(
            status="proposed",
            preset=policy.preset,
            document=to_yaml(policy),
            reason=f"adopt {preset_id}",
            changes=[],
            proposed_by=actor.user_id,
        )
    )
    return _publish(uow, actor, row, None)


def propose(uow: UnitOfWork, principal: Principal, document: str, reason: str) -> VersionView:
    """Propose a new version. Only the policy's proposer role may; nothing changes yet."""
    in_force = require_current(uow)
    proposer = Role(in_force.policy.settings.governance.proposer)
    if proposer not in principal.roles:
        raise DomainError(
            "policy.not_proposer",
            ErrorKind.FORBIDDEN,
            clause_ids=("s3-7.1", "s4-9.1"),
            params={"role": proposer.value},
        )
    policy = parse_yaml(document)
    changes = [
        [path, before, after] for path, before, after in diff_policies(in_force.policy, policy)
    ]
    if not changes:
        raise DomainError("policy.no_change")
    if not reason.strip():
        raise DomainError("policy.reason_missing")
    row = PolicyRepository(uow.session).add(
        PolicyVersion(
            status="proposed",
            preset=policy.preset,
            document=to_yaml(policy),
            reason=reason.strip(),
            base_version=in_force.version,
            changes=changes,
            proposed_by=principal.user_id,
        )
    )
    audit.record(
        uow,
        principal.actor(),
        "policy.proposed",
        target_type="policy_proposal",
        target_id=row.id,
        summary={"reason": row.reason, "changes": changes},
    )
    return _view(row)


def _proposal(uow: UnitOfWork, proposal_id: int) -> PolicyVersion:
    row = PolicyRepository(uow.session).get(proposal_id)
    if row is None:
        raise not_found("policy.proposal")
    if row.status != "proposed":
        raise DomainError("policy.proposal_decided", ErrorKind.CONFLICT)
    return row


def _check_approver(principal: Principal, row: PolicyVersion) -> None:
    if Role.LEADER not in principal.roles:
        raise DomainError(
            "policy.not_approver", ErrorKind.FORBIDDEN, clause_ids=("s7-14.2", "s4-9.1")
        )
    if row.proposed_by == principal.user_id:
        raise DomainError(
            "policy.approver_is_proposer", ErrorKind.FORBIDDEN, clause_ids=("s7-14.2",)
        )


def approve(uow: UnitOfWork, principal: Principal, proposal_id: int, note: str = "") -> int:
    """A leader approves: the proposal becomes the next version, in force from now."""
    row = _proposal(uow, proposal_id)
    _check_approver(principal, row)
    previous = require_current(uow)
    if row.base_version != previous.version:
        # Publishing a document drafted against an older version would silently undo
        # whatever was published since: it must be proposed again on top of it.
        raise DomainError(
            "policy.proposal_stale",
            ErrorKind.CONFLICT,
            params={"base": row.base_version, "current": previous.version},
        )
    row.decided_by = principal.user_id
    row.decided_at = uow.now()
    row.decision_note = note.strip()
    audit.record(
        uow,
        principal.actor(),
        "policy.approved",
        target_type="policy_proposal",
        target_id=row.id,
        summary={"note": row.decision_note},
    )
    return _publish(uow, principal.actor(), row, previous)


def refuse(uow: UnitOfWork, principal: Principal, proposal_id: int, note: str) -> None:
    row = _proposal(uow, proposal_id)
    _check_approver(principal, row)
    if not note.strip():
        raise DomainError("policy.reason_missing")
    row.status = "refused"
    row.decided_by = principal.user_id
    row.decided_at = uow.now()
    row.decision_note = note.strip()
    audit.record(
        uow,
        principal.actor(),
        "policy.refused",
        target_type="policy_proposal",
        target_id=row.id,
        summary={"note": row.decision_note},
    )


def history(uow: UnitOfWork) -> list[VersionView]:
    return [_view(r) for r in PolicyRepository(uow.session).all()]


def version(uow: UnitOfWork, number: int) -> tuple[VersionView, Policy]:
    row = PolicyRepository(uow.session).by_number(number)
    if row is None:
        raise not_found("policy.version")
    return _view(row), parse_yaml(row.document)


def pending_acknowledgement(uow: UnitOfWork, user_id: int) -> InForce | None:
    """The version this account still has to acknowledge before posting, if any."""
    in_force = current(uow)
    if in_force is None or not in_force.policy.settings.governance.members_reacknowledge:
        return None
    if PolicyRepository(uow.session).acknowledged(user_id, in_force.version):
        return None
    return in_force


def acknowledge(uow: UnitOfWork, principal: Principal, number: int) -> bool:
    """Record that the account read this version; repeating it changes nothing."""
    in_force = require_current(uow)
    if number != in_force.version:
        raise DomainError(
            "policy.version_not_current", ErrorKind.CONFLICT, params={"version": in_force.version}
        )
    first = PolicyRepository(uow.session).acknowledge(principal.user_id, number, uow.now())
    if first:
        audit.record(
            uow,
            principal.actor(),
            "policy.acknowledged",
            target_type="policy_version",
            target_id=number,
        )
    return first


@dataclass(frozen=True)
class AckRow:
    username: str
    acknowledged_at: datetime | None


def acknowledgement_status(uow: UnitOfWork, number: int) -> list[AckRow]:
    return [
        AckRow(user.username, at)
        for user, at in PolicyRepository(uow.session).acknowledgement_status(number)
    ]
