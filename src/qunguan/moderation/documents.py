"""Classification markings (绝密, 机密, 秘密★1年, 内部资料) and the document numbers of
red-headed documents (京政发〔2024〕12号, with every bracket people type)."""

from __future__ import annotations

import re

from qunguan.moderation.terms import TermEntry

MARKING = "classification-marking"
RED_HEADER = "red-header-document"

# Matched by the automaton, so spaced, traditional and zero-width forms are caught too.
MARKING_TERMS = (
    TermEntry("绝密", MARKING, allow=("绝密性",)),
    TermEntry("机密", MARKING, allow=("机密性",)),
    TermEntry("内部资料", MARKING),
    TermEntry("内部文件", MARKING),
    TermEntry("注意保密", MARKING),
)
# 秘密 is an everyday word; it is a marking with a star and a period, or alone on a line.
_STARRED = re.compile(r"(?:绝密|机密|秘密)\s*[★☆*]\s*(?:\d+\s*(?:年|个月|月|天|日)|长期)?")
_ALONE = re.compile(
    r"(?m)^[ \t\u3000]*(?:绝密|机密|秘密)级?"
    r"(?:\s*[★☆*]\s*(?:\d+\s*(?:年|个月|月|天|日)|长期)?)?[ \t\u3000]*$"
)

_OPEN = "〔\\[(（【［﹝｛{〈《<"
_CLOSE = "〕\\])）】］﹞｝}〉》>"
# The bracketed year, the number and 号; the issuer is read backwards from the bracket
# (a pattern starting with the issuer would retry at every Chinese character).
_NUMBER_CORE = re.compile(rf"[{_OPEN}]\s*(?:19|20)\d{{2}}\s*[{_CLOSE}]\s*第?\s*\d{{1,5}}\s*号")
_ISSUER_CHARS = 10
# Words that precede a document number in a sentence but are not part of its issuer.
_LEAD = re.compile(
    ".*(?:根据|按照|依据|参照|转发|印发|落实|执行|贯彻|关于|详见|见|附|和|与|及|的|是|为|将)"
)


def _issuer_start(plain: str, bracket: int) -> int:
    i = bracket
    while i > 0 and plain[i - 1] == " ":
        i -= 1
    end = i
    while i > 0 and end - i < _ISSUER_CHARS and _issuer_char(plain[i - 1]):
        i -= 1
    if i == end:
        return -1
    lead = _LEAD.match(plain, i, end)
    return lead.end() if lead and lead.end() < end else i


def _issuer_char(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "a" <= ch <= "z"


def find_document_numbers(plain: str) -> list[tuple[int, int, str]]:
    if "号" not in plain:
        return []
    found = []
    for m in _NUMBER_CORE.finditer(plain):
        start = _issuer_start(plain, m.start())
        if start >= 0:
            found.append((start, m.end(), "document-number"))
    return found


def find_starred_markings(plain: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), "marking-starred") for m in _STARRED.finditer(plain)]


def find_markings_on_own_line(folded: str) -> list[tuple[int, int, str]]:
    """A marking alone on its line (the stamp of a document); offsets of the original text."""
    return [(m.start(), m.end(), "marking-line") for m in _ALONE.finditer(folded)]
