"""The seven regulations as policies, and the checks that keep every clause mapped."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from qunguan.domain.errors import DomainError, ErrorDetail
from qunguan.policy.capabilities import KINDS
from qunguan.policy.catalog import clauses, presets
from qunguan.policy.document import Policy, parse_policy, setting_paths

_DIR = Path(__file__).parent / "presets"
PRESET_IDS = ("s1", "s2", "s3", "s4", "s5", "s6", "s7")


def preset_document(preset_id: str) -> dict[str, Any]:
    path = _DIR / f"{preset_id}.yaml"
    if preset_id not in PRESET_IDS or not path.exists():
        raise DomainError("policy.preset_unknown", params={"preset": preset_id})
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@cache
def load_preset(preset_id: str) -> Policy:
    return validate(preset_document(preset_id))


def mapping_problems(policy: Policy) -> list[ErrorDetail]:
    """Every clause of the policy's regulation mapped, to something that exists; no stranger."""
    problems: list[ErrorDetail] = []
    known_settings = set(setting_paths())
    regulation = presets().get(policy.preset)
    if regulation is None:
        return [ErrorDetail("policy.preset_unknown", field="preset", value=policy.preset)]
    own = {c.id for c in regulation.clauses}
    for clause_id in sorted(own - set(policy.clause_map)):
        problems.append(ErrorDetail("policy.clause_unmapped", field="clause_map", value=clause_id))
    for clause_id, target in sorted(policy.clause_map.items()):
        if clause_id not in clauses():
            problems.append(
                ErrorDetail("policy.clause_unknown", field="clause_map", value=clause_id)
            )
        elif clause_id not in own:
            problems.append(
                ErrorDetail("policy.clause_foreign", field="clause_map", value=clause_id)
            )
        kind, _, name = target.partition(":")
        valid = name in known_settings if kind == "setting" else name in KINDS.get(kind, {})
        if not valid:
            problems.append(
                ErrorDetail("policy.target_unknown", field=f"clause_map.{clause_id}", value=target)
            )
    return problems


def validate(data: dict[str, Any]) -> Policy:
    """Parse and check a policy document: settings valid, every clause mapped."""
    policy = parse_policy(data)
    problems = mapping_problems(policy)
    if problems:
        raise DomainError("policy.invalid", details=problems)
    return policy


def clauses_of_setting(policy: Policy, path: str) -> list[str]:
    """The clause ids a setting (or any setting beneath it) carries out in this policy."""
    target = f"setting:{path}"
    return sorted(
        cid for cid, t in policy.clause_map.items() if t == target or t.startswith(target + ".")
    )
