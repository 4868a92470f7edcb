"""From what was found to what happens: the policy's action per category, the clause ids.

Clause ids come from the policy's clause map: a finding of category C carries every clause
mapped to the setting that decides C, or to the section holding it (``posting.content``,
``posting.links``). The ``posting`` section itself is not used: its clauses are about
other things (who runs the groups) as often as about content. Classification markings and
red-header documents are confidential material, so they also carry the clauses of
``posting.content.confidential`` (the regulations' "涉密文件和资料").
"""

from __future__ import annotations

from typing import NamedTuple

from qunguan.moderation.documents import MARKING, RED_HEADER
from qunguan.moderation.links import GIFT_VOUCHER, LINK, RED_ENVELOPE, TRANSFER, trusted
from qunguan.moderation.terms import LIST_CATEGORIES
from qunguan.policy.document import ContentAction, Policy, Settings

PERSONAL_DATA = "personal-data"
FILE_TYPE = "file-type"
FILE_SIZE = "file-size"
FILE_UNREADABLE = "file-unreadable"

SEVERITY = (
    ContentAction.PASS,
    ContentAction.RECORD,
    ContentAction.WARN,
    ContentAction.CONFIRM,
    ContentAction.HOLD,
    ContentAction.BLOCK,
)
_RANK = {a: i for i, a in enumerate(SEVERITY)}
_CONTENT_CATEGORIES = (*LIST_CATEGORIES, MARKING, RED_HEADER, PERSONAL_DATA)
# 篇五 五 forbids red envelopes and gift vouchers in one sentence; the three settings are
# one rule family, so a finding of any of them carries the clauses of all three.
_MONEY = ("posting.red_envelopes_forbidden", "posting.transfers_forbidden",
          "posting.gift_vouchers_forbidden")  # fmt: skip
_MONEY_SETTING = dict(zip((RED_ENVELOPE, TRANSFER, GIFT_VOUCHER), _MONEY, strict=True))
_LINK_ACTION = {
    "allow_all": ContentAction.PASS,
    "hold_unknown": ContentAction.HOLD,
    "block_unknown": ContentAction.BLOCK,
}


# Named tuples, not frozen dataclasses: as immutable, and a check makes several of them,
# where a frozen dataclass's ``__init__`` costs a microsecond or two each.
class Span(NamedTuple):
    """What fired, where: offsets into the original text, ``text == original[start:end]``."""

    start: int
    end: int
    text: str
    category: str
    rule: str


class Verdict(NamedTuple):
    """The engine's answer: the most severe action of what fired, and why."""

    action: ContentAction
    categories: tuple[str, ...]
    clause_ids: tuple[str, ...]
    spans: tuple[Span, ...]

    @property
    def passed(self) -> bool:
        """Delivered as it is (recorded, perhaps)."""
        return self.action in (ContentAction.PASS, ContentAction.RECORD)


PASSED = Verdict(ContentAction.PASS, (), (), ())


class Finding(NamedTuple):
    """A span the scan found, before any policy: ``action`` is an entry's own override."""

    start: int
    end: int
    category: str
    rule: str
    action: ContentAction | None = None
    host: str = ""


def most_severe(actions: list[ContentAction]) -> ContentAction:
    if len(actions) == 1:
        return actions[0]
    return max(actions, key=_RANK.__getitem__, default=ContentAction.PASS)


def _field(category: str) -> str:
    return category.replace("-", "_")


def category_action(category: str, settings: Settings) -> ContentAction:
    posting = settings.posting
    if category in _CONTENT_CATEGORIES:
        action: ContentAction = getattr(posting.content, _field(category))
        return action
    if category == LINK:
        return _LINK_ACTION[posting.links.mode]
    if category in _MONEY_SETTING:
        forbidden = getattr(posting, _MONEY_SETTING[category].split(".")[1])
        return ContentAction.BLOCK if forbidden else ContentAction.PASS
    if category == FILE_UNREADABLE:
        return ContentAction.HOLD
    return ContentAction.BLOCK  # file type, file size


def setting_paths(category: str, in_file: bool) -> tuple[str, ...]:
    """The settings whose clauses a finding of this category carries."""
    if category in (MARKING, RED_HEADER):
        paths: tuple[str, ...] = (
            "posting.content",
            f"posting.content.{_field(category)}",
            "posting.content.confidential",
        )
    elif category in _CONTENT_CATEGORIES:
        paths = ("posting.content", f"posting.content.{_field(category)}")
    elif category == LINK:
        paths = ("posting.links", "posting.links.mode", "posting.links.trusted_domains")
    elif category in _MONEY_SETTING:
        paths = _MONEY
    else:
        paths = {
            FILE_TYPE: ("files.allowed_types",),
            FILE_SIZE: ("files.max_size_mb",),
            FILE_UNREADABLE: ("files.check_contents",),
        }.get(category, ())
    return (*paths, "files.check_contents") if in_file else paths


def clauses_for(policy: Policy, paths: set[str]) -> set[str]:
    targets = {f"setting:{p}" for p in paths}
    return {cid for cid, target in policy.clause_map.items() if target in targets}


class _Table:
    """Per policy and settings: each category's action and the clause ids it carries."""

    __slots__ = ("actions", "clauses", "in_file", "policy", "settings", "trusted_domains")

    def __init__(self, policy: Policy, settings: Settings, in_file: bool) -> None:
        self.policy = policy  # held, so that the ids keying the cache stay theirs
        self.settings = settings
        self.in_file = in_file
        self.trusted_domains = settings.posting.links.trusted_domains
        self.actions: dict[str, ContentAction] = {}
        self.clauses: dict[str, frozenset[str]] = {}
        for category in _ALL_CATEGORIES:
            self.actions[category] = category_action(category, settings)
            self.clauses[category] = frozenset(
                clauses_for(policy, set(setting_paths(category, in_file)))
            )

    def action(self, category: str) -> ContentAction:
        found = self.actions.get(category)
        return category_action(category, self.settings) if found is None else found

    def clause_ids(self, category: str) -> frozenset[str]:
        found = self.clauses.get(category)
        if found is None:
            paths = set(setting_paths(category, self.in_file))
            return frozenset(clauses_for(self.policy, paths))
        return found


_ALL_CATEGORIES = (*_CONTENT_CATEGORIES, LINK, *_MONEY_SETTING, FILE_TYPE, FILE_SIZE,
                   FILE_UNREADABLE)  # fmt: skip
# Policies and settings are immutable and shared (the policy versions service parses each published
# version once, ``settings_for_group_type`` merges each group type once): a check finds its
# table by their identity instead of walking the clause map again.
_TABLES: dict[tuple[int, int, bool], _Table] = {}


def _table(policy: Policy, settings: Settings, in_file: bool) -> _Table:
    table = _TABLES.get((id(policy), id(settings), in_file))
    if table is None or table.policy is not policy or table.settings is not settings:
        table = _Table(policy, settings, in_file)
        if len(_TABLES) > 256:
            _TABLES.clear()
        _TABLES[(id(policy), id(settings), in_file)] = table
    return table


def decide(
    findings: list[Finding], text: str, policy: Policy, settings: Settings, *, in_file: bool
) -> Verdict:
    """The verdict on ``text`` under ``settings``; a category the policy passes is dropped."""
    if not findings:
        return PASSED
    table = _table(policy, settings, in_file)
    spans: list[Span] = []
    actions: set[ContentAction] = set()
    for start, end, category, rule, own_action, host in findings:
        if category == LINK and trusted(host, table.trusted_domains):
            continue
        action = own_action or table.action(category)
        if category == RED_HEADER and not in_file and action is not ContentAction.PASS:
            # A message that cites a document number refers to it; a file that carries
            # one is the document.
            action = ContentAction.RECORD
        if action is ContentAction.PASS:
            continue
        actions.add(action)
        spans.append(Span(start, end, text[start:end], category, rule))
    if not spans:
        return PASSED
    if len(spans) > 1:
        spans = _without_nested(spans)
    categories = {s.category for s in spans}
    clause_ids: set[str] = set()
    for category in categories:
        clause_ids |= table.clause_ids(category)
    return Verdict(
        most_severe(list(actions)),
        tuple(sorted(categories)),
        tuple(sorted(clause_ids)),
        tuple(spans),
    )


def _without_nested(spans: list[Span]) -> list[Span]:
    """One span per place: drop a span inside another of the same category."""
    spans = sorted(set(spans), key=lambda s: (s.start, -s.end, s.category, s.rule))
    kept: list[Span] = []
    reach: dict[str, int] = {}  # per category, the furthest end of a kept span
    for s in spans:
        if reach.get(s.category, -1) >= s.end:
            continue  # sorted by start: the span that reaches this far also starts before
        kept.append(s)
        reach[s.category] = s.end
    return kept
