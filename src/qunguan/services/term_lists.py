"""The term lists the security admin manages: import, export, add, remove, try.

The engine in force is the shipped lists plus the agency's lists in the database. Every
change moves the lists' revision on, in the change's transaction, with an audit record.
Each server process compares that revision with its engine's at most once a second
(``engine``, on the message path) and, when it moved, rebuilds in the background while
checks go on with the engine in use. The process that made the change does not wait for
that: its edge calls ``apply`` after the commit, so its next message already meets the
new lists.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.orm import Session

from qunguan.domain.actor import Actor
from qunguan.domain.errors import DomainError, ErrorDetail, ErrorKind, not_found
from qunguan.moderation import (
    LIST_CATEGORIES,
    ContentEngine,
    TermEntry,
    TermList,
    Verdict,
    default_lists,
    default_slot,
    dump_list,
    from_xlsx,
    parse_list,
    to_xlsx,
)
from qunguan.policy.document import ContentAction, Policy
from qunguan.services import audit
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import TermRow
from qunguan.store.repositories.term_lists import TermListRepository

ExportFormat = Literal["txt", "xlsx"]


@dataclass(frozen=True)
class ListView:
    category: str
    shipped: int  # entries of the list shipped with Qunguan (always in force)
    agency: int  # entries the agency added
    source: str
    updated_at: datetime | None


@dataclass(frozen=True)
class ImportReport:
    filename: str
    categories: dict[str, int]  # category -> entries now in the agency's list
    duplicates: int  # lines that repeated an entry of the same file (the first one counts)
    revision: int


def _entry(category: str, row: TermRow) -> TermEntry:
    action = ContentAction(row.action) if row.action else None
    return TermEntry(row.text, category, action, row.pinyin, row.initials, tuple(row.allow))


def _values(list_id: int, entry: TermEntry, at: datetime) -> dict[str, object]:
    return {
        "list_id": list_id,
        "text": entry.text,
        "action": entry.action.value if entry.action else None,
        "pinyin": entry.pinyin,
        "initials": entry.initials,
        "allow": list(entry.allow),
        "created_at": at,
    }


def agency_lists(session: Session) -> tuple[TermList, ...]:
    """The agency's lists as the engine reads them."""
    by_category: dict[str, list[TermEntry]] = {}
    for category, row in TermListRepository(session).entries():
        by_category.setdefault(category, []).append(_entry(category, row))
    return tuple(TermList(c, tuple(by_category[c])) for c in LIST_CATEGORIES if c in by_category)


def _revision_key(session: Session, revision: int) -> Hashable:
    # The database is part of the name: one process may serve (or test) more than one.
    return (session.get_bind().engine.url.render_as_string(hide_password=True), revision)


def engine(uow: UnitOfWork) -> ContentEngine:
    """The engine for a check now. Never waits on a build: at most once a second it reads
    the lists' revision and, when it moved, starts a background rebuild."""
    slot = default_slot()
    if slot.due():
        session = uow.session
        revision = TermListRepository(session).revision()
        key = _revision_key(session, revision)
        if key != slot.revision and not (revision == 0 and slot.revision is None):
            bind = session.get_bind().engine

            def load() -> tuple[TermList, ...]:
                with Session(bind) as own:  # the background build reads in its own session
                    return agency_lists(own)

            slot.offer(key, load)
    return slot.get()


def listed_word(uow: UnitOfWork, text: str) -> str | None:
    """The first word of the lists in force that ``text`` holds, in any form the engine
    recognises (spaced, traditional, pinyin …): what makes a group name improper. An entry
    whose own action only warns or records does not count."""
    text = text.strip()
    for found in engine(uow).scan(text):
        if found.category in LIST_CATEGORIES and found.action not in _NOT_REFUSING:
            return text[found.start : found.end]
    return None


_NOT_REFUSING = (ContentAction.WARN, ContentAction.RECORD)


def apply(uow: UnitOfWork) -> ContentEngine:
    """Build the lists in force now, in this thread, and put them in use in this process.
    For the edge that changed them, after its commit (and for ``check``)."""
    session = uow.session
    key = _revision_key(session, TermListRepository(session).revision())
    slot = default_slot()
    if key == slot.revision:
        return slot.get()
    return slot.install(key, agency_lists(session))


def lists(uow: UnitOfWork) -> list[ListView]:
    repo = TermListRepository(uow.session)
    counts = repo.counts()
    rows = {r.category: r for r in repo.lists()}
    shipped = {t.category: len(t) for t in default_lists()}
    return [
        ListView(
            c,
            shipped.get(c, 0),
            counts.get(c, 0),
            rows[c].source if c in rows else "",
            rows[c].updated_at if c in rows else None,
        )
        for c in LIST_CATEGORIES
    ]


def entries(uow: UnitOfWork, category: str) -> list[TermEntry]:
    """The agency's entries of one category."""
    _check_category(category)
    repo = TermListRepository(uow.session)
    row = repo.list_of(category)
    if row is None:
        return []
    return [_entry(category, e) for _c, e in repo.entries([row.id])]


def _check_category(category: str) -> None:
    if category not in LIST_CATEGORIES:
        raise DomainError("content.category_unknown", params={"value": category})


def _parse_file(filename: str, data: bytes) -> tuple[TermList, ...]:
    name = filename.rsplit("/", 1)[-1]
    stem, _, suffix = name.rpartition(".")
    if suffix.lower() == "xlsx":
        return from_xlsx(data, name)
    if suffix.lower() != "txt":
        raise DomainError("content.file_type", params={"value": name})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("content.file_encoding", params={"value": name}) from None
    return (parse_list(stem, text, name),)


def _unique(terms: TermList) -> tuple[list[TermEntry], int]:
    seen: dict[str, TermEntry] = {}
    for entry in terms.entries:
        seen.setdefault(entry.text, entry)
    return list(seen.values()), len(terms.entries) - len(seen)


def import_file(uow: UnitOfWork, actor: Actor, filename: str, data: bytes) -> ImportReport:
    """Replace the agency's list of each category in the file (``CATEGORY.txt``, or an xlsx
    of several). All or nothing: one bad line or row names every bad one, and nothing is
    written."""
    parsed = _parse_file(filename, data)
    if not any(len(t) for t in parsed):
        raise DomainError("content.file_empty", params={"value": filename})
    repo = TermListRepository(uow.session)
    categories: dict[str, int] = {}
    duplicates = 0
    for terms in parsed:
        unique, repeated = _unique(terms)
        duplicates += repeated
        row = repo.ensure_list(terms.category, actor.user_id, filename[:200])
        repo.replace_entries(row.id, [_values(row.id, e, uow.now()) for e in unique])
        categories[terms.category] = len(unique)
    revision = repo.bump()
    audit.record(
        uow,
        actor,
        "content.lists_imported",
        target_type="term_list",
        target_id=",".join(categories),
        summary={"file": filename, "entries": categories, "duplicates": duplicates},
    )
    return ImportReport(filename, categories, duplicates, revision)


def export(uow: UnitOfWork, actor: Actor, fmt: ExportFormat, category: str = "") -> bytes:
    """The agency's lists as a file: one category as ``CATEGORY.txt``, or all as xlsx.
    The lists are sensitive themselves: the export is audited."""
    if fmt == "txt":
        _check_category(category)
        data = dump_list(TermList(category, tuple(entries(uow, category)))).encode("utf-8")
    else:
        if category:
            _check_category(category)
        chosen = [t for t in agency_lists(uow.session) if not category or t.category == category]
        data = to_xlsx(chosen)
    audit.record(
        uow,
        actor,
        "content.lists_exported",
        target_type="term_list",
        target_id=category or "all",
        summary={"format": fmt},
    )
    return data


def add_entry(uow: UnitOfWork, actor: Actor, category: str, text: str, options: str = "") -> int:
    """Add one entry, in the text format's terms (``options``: ``pinyin allow=A|B`` …); an
    entry already listed takes the new options. Returns the new revision."""
    _check_category(category)
    line = f"{text.strip()}\t{options.strip()}" if options.strip() else text.strip()
    if "\n" in line or not text.strip():
        raise DomainError(
            "content.list_invalid",
            details=[ErrorDetail("content.entry_empty", field="text", value=text)],
        )
    (entry,) = parse_list(category, line, f"{category}.txt").entries
    repo = TermListRepository(uow.session)
    row = repo.ensure_list(category, actor.user_id)
    existing = repo.entry(row.id, entry.text)
    if existing is not None:
        repo.remove_entry(existing)
    repo.add_entry(TermRow(**_values(row.id, entry, uow.now())))
    revision = repo.bump()
    audit.record(
        uow,
        actor,
        "content.entry_added",
        target_type="term_list",
        target_id=category,
        summary={"text": entry.text, "options": entry.options(), "replaced": bool(existing)},
    )
    return revision


def remove_entry(uow: UnitOfWork, actor: Actor, category: str, text: str) -> int:
    """Remove one of the agency's entries (the shipped lists stay). Returns the revision."""
    _check_category(category)
    repo = TermListRepository(uow.session)
    row = repo.list_of(category)
    existing = repo.entry(row.id, text.strip()) if row is not None else None
    if row is None or existing is None:
        raise not_found("content.entry")
    repo.remove_entry(existing)
    row.updated_by = actor.user_id
    revision = repo.bump()
    audit.record(
        uow,
        actor,
        "content.entry_removed",
        target_type="term_list",
        target_id=category,
        summary={"text": existing.text},
    )
    return revision


def check(uow: UnitOfWork, text: str, policy: Policy) -> Verdict:
    """Try a text against the lists in force now, under the agency's settings."""
    if not text.strip():
        raise DomainError("content.text_empty", ErrorKind.INVALID)
    return apply(uow).check(text, policy, policy.settings)
