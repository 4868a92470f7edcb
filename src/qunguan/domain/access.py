"""Roles and permissions: the one table of who may do what across the agency.

Group-level roles (owner, group admin, member) are decided per group by the group rules;
this table covers the agency-wide roles an account holds. Every route names exactly one
permission from here (``web/deps.py`` keeps the declaration, a test checks completeness).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from qunguan.domain.errors import DomainError, ErrorKind


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"
    SECURITY_ADMIN = "security_admin"
    AUDITOR = "auditor"
    LEADER = "leader"
    OFFICE = "office"
    MEMBER = "member"


# 三员分立: one account never holds two of the three administrator duties.
SEPARATED_DUTIES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


# Those who govern must prove a second factor (TOTP) at sign-in.
SECOND_FACTOR_REQUIRED = frozenset(
    {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.LEADER}
)


class Permission(StrEnum):
    PUBLIC = "public"  # no login: login page, health, API document
    # Password proven, second factor perhaps still owed: the second-factor step, sign-out.
    SIGN_IN_STEP = "sign_in_step"
    # Fully signed in but perhaps owing a password change or a TOTP enrolment: those pages.
    SIGNED_IN = "signed_in"
    SELF_SERVICE = "self"  # any fully signed-in account: own sessions, tokens, activity
    DIRECTORY_READ = "directory.read"
    DIRECTORY_MANAGE = "directory.manage"  # import, export, templates
    USERS_MANAGE = "users.manage"  # accounts, roles, resets (system admin)
    AUDIT_READ = "audit.read"  # the whole audit trail (auditor)
    POLICY_READ = "policy.read"  # the regulation in force, its versions
    POLICY_PROPOSE = "policy.propose"  # edit and propose a new version
    POLICY_APPROVE = "policy.approve"  # approve or refuse a proposal (leader)
    POLICY_STATUS = "policy.status"  # who has acknowledged which version
    # The term lists of the content engine: import, export, edit, try (security admin).
    CONTENT_MANAGE = "content.manage"
    # Work groups: apply, join, take part. What one may do in a group is decided there,
    # by one's role in it and the policy (policy/rules/groups.py, membership.py).
    GROUPS = "groups"
    # Agency-wide figures of how the regulation is kept (履职统计): online time.
    COMPLIANCE = "compliance"
    # The agency-wide review queue and asking to reveal a confidential reporter (security admin).
    REVIEW_AGENCY = "review.agency"
    # Approving such a reveal; two approvers are needed (leaders).
    REVEAL_APPROVE = "reveal.approve"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # The system admin runs the system, not its content.
    Role.SYSTEM_ADMIN: frozenset({Permission.USERS_MANAGE, Permission.POLICY_READ}),
    Role.SECURITY_ADMIN: frozenset(
        {
            Permission.DIRECTORY_READ,
            Permission.POLICY_READ,
            Permission.POLICY_PROPOSE,
            Permission.POLICY_STATUS,
            Permission.CONTENT_MANAGE,
            Permission.REVIEW_AGENCY,
        }
    ),
    # The auditor reads the audit trail (and the rules it is audited against), nothing else.
    Role.AUDITOR: frozenset({Permission.AUDIT_READ, Permission.POLICY_READ}),
    Role.LEADER: frozenset(
        {
            Permission.DIRECTORY_READ,
            Permission.POLICY_READ,
            Permission.POLICY_APPROVE,
            Permission.POLICY_STATUS,
            Permission.GROUPS,
            Permission.COMPLIANCE,
            Permission.REVEAL_APPROVE,
        }
    ),
    Role.OFFICE: frozenset(
        {
            Permission.DIRECTORY_READ,
            Permission.DIRECTORY_MANAGE,
            Permission.POLICY_READ,
            Permission.POLICY_PROPOSE,
            Permission.POLICY_STATUS,
            Permission.GROUPS,
            Permission.COMPLIANCE,
        }
    ),
    Role.MEMBER: frozenset({Permission.DIRECTORY_READ, Permission.POLICY_READ, Permission.GROUPS}),
}


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    granted: set[Permission] = {
        Permission.PUBLIC,
        Permission.SIGN_IN_STEP,
        Permission.SIGNED_IN,
        Permission.SELF_SERVICE,
    }
    for role in roles:
        granted |= ROLE_PERMISSIONS[role]
    return frozenset(granted)


# Content roles an administrator account may not also hold: the system admin runs the
# system, not its content; nobody audits or secures what they themselves decide.
CONTENT_ROLES = frozenset({Role.LEADER, Role.OFFICE})


def check_role_set(roles: Iterable[Role]) -> None:
    """Refuse a role set that joins separated administrator duties (三员分立), or joins one
    of them with a content role (leader, office)."""
    role_set = set(roles)
    held = SEPARATED_DUTIES & role_set
    clash = held | (CONTENT_ROLES & role_set) if held else set()
    if len(held) > 1 or len(clash) > 1:
        raise DomainError(
            "access.separated_duties",
            ErrorKind.CONFLICT,
            params={"roles": ", ".join(sorted(r.value for r in (clash or held)))},
        )


def needs_second_factor(roles: Iterable[Role]) -> bool:
    return not SECOND_FACTOR_REQUIRED.isdisjoint(roles)


def parse_roles(names: Iterable[str]) -> list[Role]:
    roles: list[Role] = []
    for name in names:
        try:
            roles.append(Role(name.strip()))
        except ValueError:
            raise DomainError("access.role_unknown", params={"role": name}) from None
    check_role_set(roles)
    return roles
