"""Group creation, naming, owners and lifecycle.

Clause ids name every rule; a refusal carries them so the page and the API can quote the
article of the regulation in force.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from qunguan.domain.access import Role
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind
from qunguan.policy.document import Approver, Settings

# Who approves an application, by the policy's approver (篇一 三.1, 篇四 二.1, 篇五 一).
APPROVER_ROLE = {
    Approver.SUPERIOR_UNIT: Role.LEADER,
    Approver.DEPARTMENT_HEAD: Role.LEADER,
    Approver.LEADER: Role.LEADER,
    Approver.OFFICE: Role.OFFICE,
}
CREATION_CLAUSES = ("s1-3.1", "s4-2.1", "s4-2.3", "s5-1a", "s1-9.2")
NAMING_CLAUSES = ("s1-2.2", "s1-3.2", "s4-2.2", "s6-2.3")


@dataclass(frozen=True)
class Application:
    name: str
    type: str
    purpose: str
    end_date: date | None
    owner_is_party_member: bool
    owner_in_office: bool


def approver_role(settings: Settings) -> Role:
    return APPROVER_ROLE[settings.groups.approver]


def check_application(settings: Settings, app: Application, today: date) -> list[ErrorDetail]:
    """What an application must declare, and who may own the group."""
    g = settings.groups
    problems: list[ErrorDetail] = []
    if g.must_declare_purpose and len(app.purpose.strip()) < 4:
        problems.append(
            ErrorDetail(
                "groups.purpose_missing", field="purpose", params={"clauses": "s2-1, s4-2.1"}
            )
        )
    if app.type not in g.types:
        problems.append(
            ErrorDetail(
                "groups.type_unknown",
                field="type",
                value=app.type,
                params={"types": "、".join(g.types)},
            )
        )
    needs_end = g.must_declare_end_date or app.type in g.end_date_required_for
    if needs_end and app.end_date is None:
        problems.append(ErrorDetail("groups.end_date_missing", field="end_date", value=app.type))
    if app.end_date is not None and app.end_date <= today:
        problems.append(
            ErrorDetail("groups.end_date_past", field="end_date", value=app.end_date.isoformat())
        )
    problems += check_owner(settings, app.owner_is_party_member, app.owner_in_office)
    return problems


def check_owner(settings: Settings, party_member: bool, in_office: bool) -> list[ErrorDetail]:
    """篇五 二: the owner must be a party member; 篇二 二.(三).1: the office provides admins."""
    problems: list[ErrorDetail] = []
    if settings.groups.owner_must_be_party_member and not party_member:
        problems.append(ErrorDetail("groups.owner_not_party_member", field="owner"))
    if settings.groups.owner_from_office and not in_office:
        problems.append(ErrorDetail("groups.owner_not_office", field="owner"))
    return problems


@dataclass(frozen=True)
class NameCheck:
    problems: list[ErrorDetail]
    # Names of directory people the group name contains, where the policy only warns.
    warnings: list[str]


def check_name(
    settings: Settings,
    name: str,
    *,
    person_names: Iterable[str],
    active_names: Iterable[str],
    unit_names: Iterable[str] = (),
    sensitive_word: str | None = None,
) -> NameCheck:
    """Length, template, sensitive words, directory names, uniqueness (篇一 三.2, 篇四 二.2).

    ``sensitive_word`` is a fact the caller brings: the first word of the content engine's
    term lists found in the name, if any.
    """
    rules = settings.groups.naming
    name = name.strip()
    problems: list[ErrorDetail] = []
    warnings: list[str] = []
    if not rules.min_length <= len(name) <= rules.max_length:
        problems.append(
            ErrorDetail(
                "groups.name_length",
                field="name",
                value=name,
                params={"min": rules.min_length, "max": rules.max_length, "length": len(name)},
            )
        )
    if rules.template and not _matches_template(rules.template, name, unit_names):
        problems.append(
            ErrorDetail(
                "groups.name_template",
                field="name",
                value=name,
                params={"template": rules.template},
            )
        )
    if rules.forbid_sensitive_words and sensitive_word:
        problems.append(ErrorDetail("groups.name_sensitive", field="name", value=sensitive_word))
    if rules.forbid_person_names != "allow":
        found = sorted({p for p in person_names if len(p) >= 2 and p in name})
        if found and rules.forbid_person_names == "refuse":
            problems.append(ErrorDetail("groups.name_has_person", field="name", value=found[0]))
        warnings.extend(found if rules.forbid_person_names == "warn" else [])
    if rules.unique_among_active and name in set(active_names):
        problems.append(ErrorDetail("groups.name_taken", field="name", value=name))
    return NameCheck(problems, warnings)


def _matches_template(template: str, name: str, unit_names: Iterable[str]) -> bool:
    """``{unit}`` stands for a unit of the directory, ``{topic}`` for at least two characters."""
    pattern = re.escape(template)
    units = "|".join(re.escape(u) for u in sorted(unit_names, key=len, reverse=True)) or r".+?"
    pattern = pattern.replace(r"\{unit\}", f"(?:{units})").replace(r"\{topic\}", r".{2,}")
    return re.fullmatch(pattern, name) is not None


# The clauses each problem enforces, so a refusal quotes only the articles that apply.
DETAIL_CLAUSES: dict[str, tuple[str, ...]] = {
    "groups.purpose_missing": ("s2-1", "s4-2.1", "s6-2.1"),
    "groups.type_unknown": ("s2-1", "s6-2.2"),
    "groups.end_date_missing": ("s6-2.2", "s5-1a", "s5-1b"),
    "groups.owner_not_party_member": ("s5-2b",),
    "groups.owner_not_office": ("s2-2.3.1",),
    "groups.name_length": ("s1-3.2", "s6-2.3"),
    "groups.name_template": ("s1-2.2", "s6-2.3"),
    "groups.name_sensitive": ("s1-3.2", "s4-2.2"),
    "groups.name_has_person": ("s1-3.2",),
    "groups.name_has_person_confirm": ("s1-3.2",),
    "groups.name_taken": ("s1-2.2",),
    "groups.possible_duplicate": ("s6-2.1",),
}


@dataclass(frozen=True)
class ExistingGroup:
    id: int
    name: str
    member_ids: frozenset[int]


def possible_duplicates(
    name: str, proposed: frozenset[int], existing: Iterable[ExistingGroup]
) -> list[ExistingGroup]:
    """Active groups the new one may duplicate (篇六 二.1): a similar name and, where the
    applicant lists members, most of them already together there."""
    found = []
    for group in existing:
        similarity = SequenceMatcher(None, name, group.name).ratio()
        if proposed:
            overlap = len(proposed & group.member_ids) / len(proposed)
            if similarity >= 0.6 and overlap >= 0.8:
                found.append(group)
        elif similarity >= 0.8:
            found.append(group)
    return found


def refuse(code: str, problems: list[ErrorDetail], clauses: tuple[str, ...] = ()) -> DomainError:
    """A refusal naming every problem and the clauses those problems enforce."""
    ids = list(clauses)
    for problem in problems:
        ids.extend(c for c in DETAIL_CLAUSES.get(problem.code, ()) if c not in ids)
    return DomainError(code, ErrorKind.INVALID, details=problems, clause_ids=tuple(ids))
