"""The content engine: normalise, match, detect, decide. Built once, shared by every check.

``ContentEngine`` is immutable; an agency's new lists make a new engine, built beside the one
in use and swapped in by one assignment (``EngineSlot``), so checks never wait on a build.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from qunguan.moderation import documents, files, links, personal_data
from qunguan.moderation.automaton import Automaton
from qunguan.moderation.documents import MARKING, MARKING_TERMS, RED_HEADER
from qunguan.moderation.normalise import normalise, tables
from qunguan.moderation.payments import PAYMENT_TERMS
from qunguan.moderation.terms import TermEntry, TermList, default_lists
from qunguan.moderation.verdict import (
    FILE_SIZE,
    FILE_TYPE,
    FILE_UNREADABLE,
    PERSONAL_DATA,
    Finding,
    Verdict,
    decide,
    most_severe,
)
from qunguan.policy.document import Policy, Settings

_BUILT_IN: tuple[TermEntry, ...] = (*MARKING_TERMS, *PAYMENT_TERMS)
# One pattern for what personal data or a link needs before either finder can find anything.
# It starts with a look at the first character, so the regex engine skips ahead to one
# that can begin any of them (an alternation alone makes it try each at every character).
_DETECTABLE = re.compile(
    f"(?=[{personal_data.PRECONDITION_STARTS}{links.PRECONDITION_STARTS}])"
    f"(?:{'|'.join((*personal_data.PRECONDITIONS, links.PRECONDITION))})"
)


class ContentEngine:
    """Checks text and files against term lists and the detectors, under a policy."""

    def __init__(self, automaton: Automaton, entries: int) -> None:
        self.automaton = automaton
        self.entries = entries

    @classmethod
    def from_lists(cls, lists: Iterable[TermList]) -> ContentEngine:
        entries = [e for terms in lists for e in terms.entries]
        tables()  # built here, not in the first check
        return cls(Automaton([*entries, *_BUILT_IN]), len(entries))

    @classmethod
    def default(cls) -> ContentEngine:
        """An engine of the lists shipped with Qunguan."""
        return cls.from_lists(default_lists())

    def scan(self, text: str) -> list[Finding]:
        """Everything found in ``text``, before any policy, in offsets of ``text``."""
        n = normalise(text)
        found: list[Finding] = []
        hits = self.automaton.find(n.keyed)
        if hits:
            rules = self.automaton.rules
            origin = n.keyed_origin()
            for index, start, end in hits:
                category, rule, action = rules[index]
                found.append(Finding(origin[start], origin[end - 1] + 1, category, rule, action))
        plain = n.plain
        # A document number has digits; without them there is none to look for.
        if n.alnum and "号" in plain:
            for start, end, rule in documents.find_document_numbers(plain):
                a, b = n.plain_span(start, end)
                # The issuer is on the number's own line; the plain view joined the lines.
                a = max(a, text.rfind("\n", a, b) + 1)
                found.append(Finding(a, b, RED_HEADER, rule))
        if "密" in plain:
            for start, end, rule in documents.find_starred_markings(plain):
                a, b = n.plain_span(start, end)
                found.append(Finding(a, b, MARKING, rule))
            found.extend(
                Finding(a, b, MARKING, rule)
                for a, b, rule in documents.find_markings_on_own_line(n.folded)
            )
        if _DETECTABLE.search(plain) is None:  # most messages: nothing for the two below
            return found
        for start, end, rule in personal_data.find_personal_data(plain):
            a, b = n.plain_span(start, end)
            found.append(Finding(a, b, PERSONAL_DATA, rule))
        for link in links.find_links(plain):
            a, b = n.plain_span(link.start, link.end)
            found.extend(Finding(a, b, kind, f"link:{kind}", host=link.host) for kind in link.kinds)
        return found

    def check(self, text: str, policy: Policy, settings: Settings) -> Verdict:
        """The verdict on a message (or notice, or group name) under the group's settings."""
        return decide(self.scan(text), text, policy, settings, in_file=False)

    def check_file(self, name: str, data: bytes, policy: Policy, settings: Settings) -> Verdict:
        """The verdict on an upload: its type and size, its name, and the text inside it.

        Spans of the name are offsets into ``name``; spans of the contents are offsets into
        the extracted text (their ``text`` shows what was found).
        """
        rules = settings.files
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in rules.allowed_types:
            return _file_refusal(name, FILE_TYPE, policy, settings)
        if len(data) > rules.max_size_mb * 1024 * 1024:
            return _file_refusal(name, FILE_SIZE, policy, settings)
        findings = self.scan(name)
        verdicts = [decide(findings, name, policy, settings, in_file=True)]
        if rules.check_contents and suffix in files.READABLE:
            try:
                body = files.extract_text(suffix, data)
            except files.Unreadable:
                verdicts.append(_file_refusal(name, FILE_UNREADABLE, policy, settings))
            else:
                verdicts.append(decide(self.scan(body), body, policy, settings, in_file=True))
        return _combine(verdicts)


def _file_refusal(name: str, category: str, policy: Policy, settings: Settings) -> Verdict:
    finding = Finding(0, len(name), category, category)
    return decide([finding], name, policy, settings, in_file=True)


def _combine(verdicts: list[Verdict]) -> Verdict:
    return Verdict(
        most_severe([v.action for v in verdicts]),
        tuple(sorted({c for v in verdicts for c in v.categories})),
        tuple(sorted({c for v in verdicts for c in v.clause_ids})),
        tuple(s for v in verdicts for s in v.spans),
    )


class EngineSlot:
    """The engine in use. ``get`` never waits; ``rebuild`` builds aside, then swaps."""

    def __init__(self, engine: ContentEngine | None = None) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def get(self) -> ContentEngine:
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = ContentEngine.default()
                engine = self._engine
        return engine

    def swap(self, engine: ContentEngine) -> None:
        self._engine = engine  # one reference assignment: a check sees the old or the new

    def rebuild(self, lists: Iterable[TermList]) -> ContentEngine:
        engine = ContentEngine.from_lists(lists)
        self.swap(engine)
        return engine


_default = EngineSlot()


def default_engine() -> ContentEngine:
    """The process's engine of the shipped lists, built on first use (thread-safe)."""
    return _default.get()
