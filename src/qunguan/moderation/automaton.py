"""Every key of every entry in one compiled Aho–Corasick automaton (``ahocorasick-rs``).

An entry contributes its normalised form, and when it asks, its pinyin spellings and
initials; all are computed here, once per build, so a message pays nothing for them. Allow
phrases are keys too: a hit that lies inside an allow phrase of its own entry is dropped.
Matching is overlapping, so an allow phrase can never hide another entry's hit.
See docs/decisions/0001-content-matcher.md for why this library.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from itertools import product
from operator import itemgetter
from typing import NamedTuple

import ahocorasick_rs

from qunguan.moderation.normalise import key, keys
from qunguan.moderation.terms import TermEntry
from qunguan.policy.document import ContentAction

_WORD = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# Pinyin of up to this many syllables gets every spacing (fa lun gong, falun gong, ...);
# longer ones only the joined and the fully spaced forms.
_SPACINGS_UP_TO = 4


class Rule(NamedTuple):
    category: str
    rule: str
    action: ContentAction | None


# What a key stands for: (rule index, allow phrase?, must not continue a Latin word on the
# left, on the right). A tuple, not an object: a build makes one per key.
_Target = tuple[int, bool, bool, bool]
_BY_PLACE = itemgetter(1, 2, 0)


@lru_cache(maxsize=200_000)
def _pinyin(text: str) -> tuple[str, ...]:
    """Cached across builds: a list edited and rebuilt spells only its new entries anew."""
    from pypinyin import lazy_pinyin  # its dictionaries load on first use, only if asked

    return tuple(s for s in (p.strip() for p in lazy_pinyin(text)) if s)


def _spellings(syllables: tuple[str, ...]) -> set[str]:
    if len(syllables) > _SPACINGS_UP_TO:
        return {"".join(syllables), " ".join(syllables)}
    out = set()
    for gaps in product(("", " "), repeat=len(syllables) - 1):
        out.add(syllables[0] + "".join(g + s for g, s in zip(gaps, syllables[1:], strict=True)))
    return out


def _aliases(entry: TermEntry) -> set[str]:
    """The entry's pinyin spellings and initials, keyed, when it asks for them."""
    out: set[str] = set()
    syllables = _pinyin(entry.text)
    if entry.pinyin and syllables:
        out |= {key(s) for s in _spellings(syllables)}
    if entry.initials and len(syllables) >= 2:
        out.add(key("".join(s[0] for s in syllables)))
    return out


def _with_l_for_i(found: set[str]) -> set[str]:
    # ``1`` reads as ``i`` in the message, but people write it for ``l`` too (ki11).
    found |= {k.replace("l", "i") for k in found if "l" in k and k.isascii()}
    found.discard("")
    return found


class Automaton:
    """Built once from entries; ``find`` is safe to call from many threads at once."""

    def __init__(self, entries: Iterable[TermEntry]) -> None:
        entries = list(entries)
        rules: list[Rule] = []
        targets: dict[str, list[_Target]] = {}

        def add(k: str, rule: int, allow: bool) -> None:
            target = (rule, allow, k[0] in _WORD, k[-1] in _WORD)
            bucket = targets.get(k)
            if bucket is None:
                targets[k] = [target]
            else:
                bucket.append(target)

        # Every entry text and allow phrase keyed in one batch (see ``normalise.keys``).
        phrases = [p for e in entries for p in e.allow]
        keyed = keys([e.text for e in entries] + phrases)
        keyed_allow = iter(keyed[len(entries) :])
        for index, entry in enumerate(entries):
            rules.append(Rule(entry.category, entry.rule, entry.action))
            # The forms that count as the entry: itself, and its pinyin if it asks.
            own = keyed[index]
            if entry.pinyin or entry.initials:
                for k in _with_l_for_i({own} | _aliases(entry)):
                    add(k, index, False)
            elif "l" in own:
                for k in _with_l_for_i({own}):
                    add(k, index, False)
            elif own:
                add(own, index, False)
            for _phrase in entry.allow:
                if k := next(keyed_allow):
                    add(k, index, True)
        self.rules = tuple(rules)
        self.patterns = list(targets)
        self._targets = [tuple(targets[p]) for p in self.patterns]
        # A key of one entry, not an allow phrase, not ending in a Latin letter or digit (a
        # Chinese key, nearly always): its hit needs no further look.
        self._plain = [
            t[0][0] if len(t) == 1 and not (t[0][1] or t[0][2] or t[0][3]) else -1
            for t in self._targets
        ]
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
        plain = self._plain
        for pattern, start, end in matches:
            rule = plain[pattern]
            if rule >= 0:
                hits.append((rule, start, end))
                continue
            for index, allow, left, right in self._targets[pattern]:
                if (left and start > 0 and keyed[start - 1] in _WORD) or (
                    right and end < size and keyed[end] in _WORD
                ):
                    continue
                if allow:
                    allowed.setdefault(index, []).append((start, end))
                else:
                    hits.append((index, start, end))
        if allowed:
            hits = [
                (r, s, e)
                for r, s, e in hits
                if not any(a <= s and e <= b for a, b in allowed.get(r, ()))
            ]
        if len(hits) == 1:
            return hits
        return sorted(set(hits), key=_BY_PLACE)
