"""Every key of every entry in one compiled Aho–Corasick automaton (``ahocorasick-rs``).

An entry contributes its normalised form, and when it asks, its pinyin spellings and
initials; all are computed here, once per build, so a message pays nothing for them. Allow
phrases are keys too: a hit that lies inside an allow phrase of its own entry is dropped.
Matching is overlapping, so an allow phrase can never hide another entry's hit.
See docs/decisions/0001-content-matcher.md for why this library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import product

import ahocorasick_rs

from qunguan.moderation.normalise import key
from qunguan.moderation.terms import TermEntry
from qunguan.policy.document import ContentAction

_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Pinyin of up to this many syllables gets every spacing (fa lun gong, falun gong, ...);
# longer ones only the joined and the fully spaced forms.
_SPACINGS_UP_TO = 4


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    rule: str
    action: ContentAction | None


@dataclass(frozen=True, slots=True)
class _Target:
    rule: int
    allow: bool
    left: bool  # the key starts with a Latin letter or digit: it must not continue a word
    right: bool


def _pinyin(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # its dictionaries load on first use, only if asked

    return [s for s in (p.strip() for p in lazy_pinyin(text)) if s]


def _spellings(syllables: list[str]) -> set[str]:
    if len(syllables) > _SPACINGS_UP_TO:
        return {"".join(syllables), " ".join(syllables)}
    out = set()
    for gaps in product(("", " "), repeat=len(syllables) - 1):
        out.add(syllables[0] + "".join(g + s for g, s in zip(gaps, syllables[1:], strict=True)))
    return out


def entry_keys(entry: TermEntry) -> set[str]:
    """The normalised forms that count as the entry: itself, and its pinyin if it asks."""
    keys = {key(entry.text)}
    if entry.pinyin or entry.initials:
        syllables = _pinyin(entry.text)
        if entry.pinyin and syllables:
            keys |= {key(s) for s in _spellings(syllables)}
        if entry.initials and len(syllables) >= 2:
            keys.add(key("".join(s[0] for s in syllables)))
    # ``1`` reads as ``i`` in the message, but people write it for ``l`` too (ki11).
    keys |= {k.replace("l", "i") for k in keys if "l" in k and k.isascii()}
    keys.discard("")
    return keys


class Automaton:
    """Built once from entries; ``find`` is safe to call from many threads at once."""

    def __init__(self, entries: Iterable[TermEntry]) -> None:
        rules: list[Rule] = []
        targets: dict[str, list[_Target]] = {}

        def add(k: str, rule: int, allow: bool) -> None:
            bucket = targets.setdefault(k, [])
            bucket.append(_Target(rule, allow, k[0] in _WORD, k[-1] in _WORD))

        for entry in entries:
            index = len(rules)
            rules.append(Rule(entry.category, entry.rule, entry.action))
            for k in entry_keys(entry):
                add(k, index, False)
            for phrase in entry.allow:
                if k := key(phrase):
                    add(k, index, True)
        self.rules = tuple(rules)
        self.patterns = list(targets)
        self._targets = [tuple(targets[p]) for p in self.patterns]
        self.raw = ahocorasick_rs.AhoCorasick(self.patterns) if self.patterns else None

    def find(self, keyed: str) -> list[tuple[int, int, int]]:
        """(rule index, start, end) of every hit in the keyed view, allow phrases applied."""
        if self.raw is None:
            return []
        matches = self.raw.find_matches_as_indexes(keyed, overlapping=True)
        if not matches:
            return []
        hits: list[tuple[int, int, int]] = []
        allowed: dict[int, list[tuple[int, int]]] = {}
        size = len(keyed)
        for pattern, start, end in matches:
            for t in self._targets[pattern]:
                if (t.left and start > 0 and keyed[start - 1] in _WORD) or (
                    t.right and end < size and keyed[end] in _WORD
                ):
                    continue
                if t.allow:
                    allowed.setdefault(t.rule, []).append((start, end))
                else:
                    hits.append((t.rule, start, end))
        if allowed:
            hits = [
                (r, s, e)
                for r, s, e in hits
                if not any(a <= s and e <= b for a, b in allowed.get(r, ()))
            ]
        return sorted(set(hits), key=lambda h: (h[1], h[2], h[0]))
