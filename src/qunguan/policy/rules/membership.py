"""Who may bring whom into a group, consent, leaving and removal."""

from __future__ import annotations

from enum import StrEnum

from qunguan.policy.document import Settings


class GroupRole(StrEnum):
    OWNER = "owner"
    GROUP_ADMIN = "group_admin"
    MEMBER = "member"


INVITE_CLAUSES = ("s1-4.1", "s1-4.2", "s5-3a", "s6-2.4", "s7-3.1", "s4-4.2a")
CONSENT_CLAUSES = ("s1-4.1",)
CHANGE_CLAUSES = ("s4-4.2a",)
LEAVER_CLAUSES = ("s1-4.4", "s4-7.1", "s6-2.6")
DISPLAY_NAME_CLAUSES = ("s2-2.1b", "s5-3b", "s4-4.1")


def may_invite(settings: Settings, role: GroupRole | None) -> bool:
    """篇一 四.1–2, 篇五 三: only the roles the policy names invite; others may only ask."""
    return role is not None and role.value in settings.membership.inviters


def may_request(settings: Settings, role: GroupRole | None) -> bool:
    return role is not None and settings.membership.members_may_request


def consent_needed(settings: Settings) -> bool:
    return settings.membership.invitee_must_consent


def may_manage(role: GroupRole | None) -> bool:
    """Renaming, removing, deciding requests: the owner and the group's admins."""
    return role in (GroupRole.OWNER, GroupRole.GROUP_ADMIN)


# Display formats that show the post: a person without one cannot be shown as required.
_FORMATS_WITH_POST = {"name_post", "unit_name_post"}


def profile_incomplete(settings: Settings, post: str) -> bool:
    """篇四 四.1: members are shown with name, unit and post; a missing post holds the join."""
    return settings.membership.display_name_format.value in _FORMATS_WITH_POST and not post.strip()


INACTIVITY_CLAUSES = ("s7-9.2a", "s7-9.2b", "s4-7.2")
# Posts that lead a department (股长, 主任, 科长, 负责人, 书记…): they confirm for it.
_HEAD_POST_ENDINGS = ("长", "主任", "负责人", "书记")


def is_department_head(post: str) -> bool:
    return post.strip().endswith(_HEAD_POST_ENDINGS)


def inactive_since(settings: Settings) -> int | None:
    """How many days without a substantive message make a member inactive; None: never."""
    return settings.membership.inactivity_days
