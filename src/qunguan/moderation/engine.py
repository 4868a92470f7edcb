"""The content engine: normalise, match, detect, decide. Built once, shared by every check.

``ContentEngine`` is immutable; an agency's new lists make a new engine, built beside the one
in use and swapped in by one assignment (``EngineSlot``), so checks never wait on a build.
(The automaton's constructor holds the interpreter lock while it runs, about a second for
100,000 entries; every other step of a build lets checks run between its steps.)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from functools import cache

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
        """The engine of the lists shipped with Qunguan (built once: it never changes)."""
        return _shipped()

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


@cache
def _shipped() -> ContentEngine:
    return ContentEngine.from_lists(default_lists())


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
    """The engine in use, and the revision of the lists it was built from.

    ``get`` never waits (but for the very first build of the shipped lists). A new revision
    is ``offer``-ed with a way to load its lists; a background thread loads them and builds
    the engine of the shipped lists plus those, beside the one in use, and swaps it in by
    one assignment. Offers that arrive during a build are merged: the thread then builds
    the latest one. ``install`` builds in the caller's thread (the request that changed
    the lists pays, so that its own process is up to date when it answers).
    """

    def __init__(self, engine: ContentEngine | None = None, *, interval: float = 1.0) -> None:
        self._engine = engine
        self._revision: Hashable = None
        self._lock = threading.Lock()
        # (generation, revision, load): generations order offers and installs, so a slow
        # background build never replaces what a later ``install`` put in.
        self._wanted: tuple[int, Hashable, Callable[[], Iterable[TermList]]] | None = None
        self._generation = 0
        self._in_use = 0
        self._building: Hashable = None
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._interval = interval
        self._checked = -interval
        self.last_error: BaseException | None = None

    def get(self) -> ContentEngine:
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = ContentEngine.default()
                engine = self._engine
        return engine

    @property
    def revision(self) -> Hashable:
        """What ``offer`` or ``install`` named the lists of the engine in use (None: shipped)."""
        return self._revision

    def due(self) -> bool:
        """True at most once per interval: time to ask whether the lists moved."""
        now = time.monotonic()
        if now - self._checked < self._interval:
            return False
        self._checked = now
        return True

    def expire(self) -> None:
        """Make the next ``due`` true."""
        self._checked = -self._interval

    def swap(self, engine: ContentEngine, revision: Hashable = None) -> None:
        # One assignment each: a check sees the old engine or the new, never half of one.
        self._engine = engine
        self._revision = revision

    def rebuild(self, lists: Iterable[TermList]) -> ContentEngine:
        """An engine of exactly ``lists`` (no shipped lists added), swapped in now."""
        engine = ContentEngine.from_lists(lists)
        self.swap(engine)
        return engine

    def install(self, revision: Hashable, lists: Iterable[TermList]) -> ContentEngine:
        """The shipped lists plus ``lists``, built in this thread and swapped in."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        lists = tuple(lists)
        engine = ContentEngine.from_lists((*default_lists(), *lists)) if lists else _shipped()
        with self._lock:
            if generation > self._in_use:
                self._in_use = generation
                self.swap(engine, revision)
        return engine

    def offer(self, revision: Hashable, load: Callable[[], Iterable[TermList]]) -> bool:
        """The lists are at ``revision``; build them in the background unless the engine in
        use (or the one being built) is of it already. Returns at once: True if it builds."""
        with self._lock:
            if revision in (self._revision, self._building):
                return False
            self._generation += 1
            self._wanted = (self._generation, revision, load)
            if self._thread is None:
                self._idle.clear()
                self._thread = threading.Thread(
                    target=self._build_wanted, name="qunguan-content-build", daemon=True
                )
                self._thread.start()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Until no build is under way; False if ``timeout`` passed first."""
        return self._idle.wait(timeout)

    def _build_wanted(self) -> None:
        while True:
            with self._lock:
                wanted, self._wanted = self._wanted, None
                if wanted is None:
                    self._thread, self._building = None, None
                    self._idle.set()
                    return
                generation, revision, load = wanted
                self._building = revision
            try:
                engine = ContentEngine.from_lists((*default_lists(), *load()))
            except Exception as exc:  # keep the engine in use; the next offer tries again
                self.last_error = exc
                with self._lock:
                    self._building = None
                continue
            with self._lock:
                if generation > self._in_use:
                    self._in_use = generation
                    self.swap(engine, revision)
                self._building = None


_default = EngineSlot()


def default_slot() -> EngineSlot:
    """The process's slot: the message path's engine, refreshed from the agency's lists."""
    return _default


def default_engine() -> ContentEngine:
    """The process's engine in use: the shipped lists, plus the agency's once offered."""
    return _default.get()
