"""The policy: everything the seven regulations vary on, typed and validated.

A policy is the settings an agency enforces plus the map from each clause of its
regulation to what carries it out (a setting, a workflow, a scheduled job, a report, or
people, with the reminder or record the system gives them). It is stored as YAML, versioned
in the database, and rendered as the regulation text members read.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from qunguan.domain.directory import DisplayNameFormat
from qunguan.domain.errors import DomainError, ErrorDetail


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Approver(StrEnum):
    SUPERIOR_UNIT = "superior_unit"  # 上级单位 (篇一 三.1)
    DEPARTMENT_HEAD = "department_head"  # 分管领导 / 部门负责人 (篇五 一)
    LEADER = "leader"  # 局领导
    OFFICE = "office"  # 办公室


class ContentAction(StrEnum):
    BLOCK = "block"
    HOLD = "hold"  # held for review
    CONFIRM = "confirm"  # ask the sender to confirm
    WARN = "warn"
    RECORD = "record"
    PASS = "pass"


class Naming(_Section):
    min_length: int = Field(4, ge=1, le=60)
    max_length: int = Field(20, ge=2, le=60)
    template: str = Field("", max_length=60, description="e.g. {unit}-{topic}; empty: free")
    forbid_person_names: Literal["refuse", "warn", "allow"] = "refuse"
    forbid_sensitive_words: bool = True
    unique_among_active: bool = True

    @model_validator(mode="after")
    def _range(self) -> Naming:
        if self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        return self


class Groups(_Section):
    approver: Approver = Approver.OFFICE
    must_declare_purpose: bool = True
    must_declare_type: bool = True
    must_declare_end_date: bool = False
    types: tuple[str, ...] = ("department", "project", "meeting", "central_task")
    # How many approvals (by different approvers) a type needs, where more than one:
    # 篇五 一 asks the business line and the department's party and administrative leaders.
    approvals_required_for: dict[str, int] = Field(default_factory=dict)
    # Types whose groups end with their task, so an application must give an end date.
    end_date_required_for: tuple[str, ...] = ("meeting", "central_task")
    freeze_when_expired: bool = False
    owner_must_be_party_member: bool = False
    owner_from_office: bool = False
    max_members: int | None = Field(None, ge=2, le=100_000)
    naming: Naming = Naming()


class Onboarding(_Section):
    acknowledge_regulation: bool = True
    quiz: bool = False


class Membership(_Section):
    inviters: tuple[Literal["owner", "group_admin"], ...] = ("owner", "group_admin")
    invitee_must_consent: bool = True
    members_may_request: bool = True
    # Adding or removing members waits for the group approver's decision (篇四 四.2).
    changes_need_approval: bool = False
    # Members confirm their own name, post and contacts this often (篇七 三.2); None: never.
    profile_confirm_every_days: int | None = Field(None, ge=7, le=3650)
    profile_confirm_grace_days: int = Field(14, ge=1, le=365)
    # A member's request to add someone is overdue for the inviters after this long.
    request_deadline_hours: int = Field(48, ge=1, le=720)
    display_name_format: DisplayNameFormat = DisplayNameFormat.FULL_NAME
    leaver_grace_hours: int = Field(0, ge=0, le=720)
    audit_every_days: int | None = Field(None, ge=1, le=365)
    remove_on_audit_automatically: bool = False
    inactivity_days: int | None = Field(None, ge=1, le=3650)
    onboarding: Onboarding = Onboarding()


class Content(_Section):
    political: ContentAction = ContentAction.BLOCK
    obscene: ContentAction = ContentAction.BLOCK
    violent: ContentAction = ContentAction.BLOCK
    gambling_fraud: ContentAction = ContentAction.BLOCK
    advertising: ContentAction = ContentAction.BLOCK
    abusive: ContentAction = ContentAction.HOLD
    rumour: ContentAction = ContentAction.HOLD
    confidential: ContentAction = ContentAction.BLOCK
    classification_marking: ContentAction = ContentAction.BLOCK
    red_header_document: ContentAction = ContentAction.BLOCK
    personal_data: ContentAction = ContentAction.CONFIRM
    off_topic_reports: bool = True


class Links(_Section):
    mode: Literal["allow_all", "hold_unknown", "block_unknown"] = "allow_all"
    trusted_domains: tuple[str, ...] = ("gov.cn",)
    remind_to_verify_forwarded: bool = False


class Posting(_Section):
    rate_limit_per_minute: int | None = Field(20, ge=1, le=600)
    edit_window_minutes: int = Field(2, ge=0, le=1440)
    recall_window_minutes: int = Field(2, ge=0, le=1440)
    red_envelopes_forbidden: bool = True
    transfers_forbidden: bool = True
    gift_vouchers_forbidden: bool = True
    content: Content = Content()
    links: Links = Links()


class Files(_Section):
    max_size_mb: int = Field(50, ge=1, le=2048)
    allowed_types: tuple[str, ...] = ("docx", "xlsx", "pdf", "txt", "jpg", "png")
    check_contents: bool = True
    retention_days: int | None = Field(None, ge=1)


class Notices(_Section):
    publishers: tuple[Literal["office", "leader", "authorised_department"], ...] = (
        "office",
        "leader",
        "authorised_department",
    )
    leader_approval_for_sensitive: bool = False
    reply_means_delivery: bool = True
    absorb_bare_acknowledgements: bool = True
    pin_until_deadline: bool = True
    remind_every_hours: int | None = Field(24, ge=1, le=720)
    # A leader's authorisation of a department to publish lasts at most this long.
    grant_max_days: int = Field(365, ge=1, le=3650)
    # A group's announcement (群公告): the sections it must fill in, and how many days it
    # may go without an update before its admins are reminded (篇七 二.1); None: never.
    announcement_sections: tuple[str, ...] = ()
    announcement_stale_days: int | None = Field(None, ge=1, le=365)


class Responsiveness(_Section):
    # Work inquiries and assignments: named members answer within this many working minutes.
    respond_within_minutes: int | None = Field(None, ge=1, le=10_080)
    # Members' questions: a group's admins answer within this many working hours.
    questions_answer_within_hours: int | None = Field(None, ge=1, le=720)


class Presence(_Section):
    min_online_hours_per_workday: float | None = Field(None, gt=0, le=24)


class Calendar(_Section):
    """Working days and hours: deadlines in working time, presence per workday."""

    timezone: str = "Asia/Shanghai"
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays, Monday = 1
    hours: tuple[str, ...] = ("08:30-12:00", "14:00-17:30")
    holidays: tuple[date, ...] = ()
    # Weekend days worked in exchange for a holiday (调休).
    extra_workdays: tuple[date, ...] = ()

    @field_validator("workdays")
    @classmethod
    def _weekdays(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(not 1 <= d <= 7 for d in value):
            raise ValueError("workdays are ISO weekdays 1 (Monday) to 7 (Sunday)")
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one span of working hours, like 08:30-12:00")
        for span in value:
            if not _SPAN.fullmatch(span) or span[:5] >= span[6:]:
                raise ValueError(f"{span!r} is not a span like 08:30-12:00")
        ordered = sorted(value)
        for earlier, later in pairwise(ordered):
            if later[:5] < earlier[6:]:
                raise ValueError(f"{earlier} and {later} overlap")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


_SPAN = re.compile(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d")


class SanctionStep(StrEnum):
    WARNING = "warning"
    MUTE = "mute"
    SUSPENSION = "suspension"
    REMOVAL = "removal"
    PUBLIC_CRITICISM = "public_criticism"
    DEMOTION = "demotion"  # 降级: a group admin goes back to being a member (篇四 八)
    ESCALATION = "escalation"


class Sanctions(_Section):
    ladder: tuple[SanctionStep, ...] = (
        SanctionStep.WARNING,
        SanctionStep.MUTE,
        SanctionStep.SUSPENSION,
        SanctionStep.REMOVAL,
    )
    mute_default_hours: int = Field(24, ge=1, le=720)
    appeals: bool = True

    @field_validator("ladder")
    @classmethod
    def _non_empty(cls, value: tuple[SanctionStep, ...]) -> tuple[SanctionStep, ...]:
        if not value:
            raise ValueError("the sanction ladder needs at least one step")
        return value


class Reports(_Section):
    mode: Literal["confidential", "anonymous"] = "confidential"
    handle_within_hours: int = Field(72, ge=1, le=720)


class Patrol(_Section):
    every_days: int | None = Field(7, ge=1, le=365)
    overdue_escalates_to: Literal["office", "leader"] = "office"
    # Each month a group's admins get its figures (篇三 三.1.4 使用情况和绩效表现).
    monthly_usage_report: bool = False


class Records(_Section):
    backup: Literal["daily", "weekly", "off"] = "daily"
    retention_days: int = Field(180, ge=180, le=36_500)
    reannounce_regulation_every_days: int | None = Field(None, ge=1, le=3650)


class Governance(_Section):
    proposer: Literal["security_admin", "office"] = "security_admin"
    approver: Literal["leader"] = "leader"
    members_reacknowledge: bool = True


MappingKind = Literal["setting", "workflow", "job", "report", "human"]


class Settings(_Section):
    groups: Groups = Groups()
    membership: Membership = Membership()
    posting: Posting = Posting()
    files: Files = Files()
    notices: Notices = Notices()
    responsiveness: Responsiveness = Responsiveness()
    presence: Presence = Presence()
    calendar: Calendar = Calendar()
    sanctions: Sanctions = Sanctions()
    reports: Reports = Reports()
    patrol: Patrol = Patrol()
    records: Records = Records()
    governance: Governance = Governance()


class Policy(_Section):
    """An agency's regulation: which preset it starts from, its settings, its clause map."""

    preset: str
    title: str
    agency: str = "本单位"
    chapters: dict[int, str] = Field(default_factory=dict)
    settings: Settings = Settings()
    # clause id -> "kind:target", e.g. "setting:membership.audit_every_days"
    clause_map: dict[str, str] = Field(default_factory=dict)
    # group type -> settings overrides (a nested mapping like settings itself)
    group_type_overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # clause id -> the policy owner's interpretation, shown under its article
    interpretations: dict[str, str] = Field(default_factory=dict)


def setting_paths(model: type[BaseModel] = Settings, prefix: str = "") -> list[str]:
    """Every leaf setting, as a dotted path (``posting.links.mode``)."""
    paths: list[str] = []
    for name, info in model.model_fields.items():
        annotation = info.annotation
        path = f"{prefix}{name}"
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.append(path)
            paths.extend(setting_paths(annotation, path + "."))
        else:
            paths.append(path)
    return paths


def setting_value(settings: Settings, path: str) -> Any:
    value: Any = settings
    for part in path.split("."):
        value = getattr(value, part)
    return value


def _errors_to_details(exc: ValidationError, prefix: str = "") -> list[ErrorDetail]:
    return [
        ErrorDetail(
            "policy.setting_invalid",
            field=prefix + ".".join(str(p) for p in err["loc"]),
            params={
                "setting": prefix + ".".join(str(p) for p in err["loc"]),
                "reason": err["msg"],
            },
        )
        for err in exc.errors()
    ]


def parse_policy(data: dict[str, Any]) -> Policy:
    """Validate a policy document; refuse it naming each bad setting and why."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise DomainError("policy.invalid", details=_errors_to_details(exc)) from None


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge overrides into a copy of base (mappings merge, everything else replaces)."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


# Policies are immutable: a type's merged settings are computed once per policy object.
_MERGED: dict[tuple[int, str], tuple[Policy, Settings]] = {}


def settings_for_group_type(policy: Policy, group_type: str) -> Settings:
    """The settings a group of this type runs under: the agency's, then its type's overrides."""
    overrides = policy.group_type_overrides.get(group_type)
    if not overrides:
        return policy.settings
    cached = _MERGED.get((id(policy), group_type))
    if cached is not None and cached[0] is policy:
        return cached[1]
    merged_settings = _merge_settings(policy, group_type, overrides)
    if len(_MERGED) > 256:
        _MERGED.clear()
    _MERGED[(id(policy), group_type)] = (policy, merged_settings)
    return merged_settings


def _merge_settings(policy: Policy, group_type: str, overrides: dict[str, Any]) -> Settings:
    merged = merge(policy.settings.model_dump(mode="json"), overrides)
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        raise DomainError(
            "policy.invalid", details=_errors_to_details(exc, f"group_type_overrides.{group_type}.")
        ) from None


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def diff_policies(old: Policy | None, new: Policy) -> list[tuple[str, Any, Any]]:
    """Every leaf that differs, as (dotted path, before, after); lists compare whole."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if old is not None:
        _flatten(old.model_dump(mode="json"), "", before)
    _flatten(new.model_dump(mode="json"), "", after)
    return [
        (path, before.get(path), after.get(path))
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path)
    ]
