"""Term lists as data: one ``CATEGORY.txt`` per category, or one spreadsheet of every entry.

The text format, one entry per line::

    # a comment
    学生<TAB>allow=大学生|学生会
    法轮功<TAB>pinyin initials
    内部传阅<TAB>action=hold

Options after the tab, separated by spaces: ``pinyin`` (also match its pinyin spelling),
``initials`` (also match its pinyin initials, e.g. ``flg``), ``allow=A|B`` (phrases in which
the entry is not a hit), ``action=block|hold|confirm|warn|record`` (instead of the action the
policy gives the category).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qunguan.domain.errors import DomainError, ErrorDetail
from qunguan.policy.document import ContentAction

# The categories an agency's lists hold; each is a setting of ``posting.content``.
LIST_CATEGORIES = (
    "political",
    "obscene",
    "violent",
    "gambling-fraud",
    "advertising",
    "abusive",
    "confidential",
    "rumour",
)
# An entry is a word or a phrase; the list manager's table holds this many characters.
MAX_ENTRY_CHARS = 100
_ACTIONS = {a.value: a for a in ContentAction if a is not ContentAction.PASS}
_HEADERS = ("词条 entry", "类别 category", "处置 action", "选项 options", "例外 allow")


@dataclass(frozen=True)
class TermEntry:
    text: str
    category: str
    action: ContentAction | None = None
    pinyin: bool = False
    initials: bool = False
    allow: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return f"{self.category}:{self.text}"

    def options(self) -> str:
        parts = [name for name in ("pinyin", "initials") if getattr(self, name)]
        if self.allow:
            parts.append("allow=" + "|".join(self.allow))
        if self.action is not None:
            parts.append(f"action={self.action.value}")
        return " ".join(parts)


@dataclass(frozen=True)
class TermList:
    category: str
    entries: tuple[TermEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)


def _problem(source: str, row: int, code: str, value: str, **params: str) -> ErrorDetail:
    return ErrorDetail(code, field=source, row=row, value=value, params={"value": value, **params})


def _entry(
    text: str, category: str, options: Iterable[str], source: str, row: int
) -> tuple[TermEntry | None, list[ErrorDetail]]:
    problems: list[ErrorDetail] = []
    text = text.strip()
    if not text:
        return None, [_problem(source, row, "content.entry_empty", text)]
    if len(text) > MAX_ENTRY_CHARS:
        limit = str(MAX_ENTRY_CHARS)
        return None, [_problem(source, row, "content.entry_too_long", text[:20], limit=limit)]
    flags = {"pinyin": False, "initials": False}
    allow: tuple[str, ...] = ()
    action: ContentAction | None = None
    for option in options:
        name, _, value = option.partition("=")
        if name in flags and not value:
            flags[name] = True
        elif name == "allow" and value:
            allow = tuple(p.strip() for p in value.split("|") if p.strip())
        elif name == "action" and value in _ACTIONS:
            action = _ACTIONS[value]
        elif name == "action":
            problems.append(_problem(source, row, "content.action_unknown", value))
        else:
            problems.append(_problem(source, row, "content.option_unknown", option))
    entry = TermEntry(text, category, action, flags["pinyin"], flags["initials"], allow)
    return entry, problems


def _check_category(category: str, source: str) -> None:
    if category not in LIST_CATEGORIES:
        raise DomainError(
            "content.category_unknown",
            params={"value": category},
            details=[ErrorDetail("content.category_unknown", field=source, value=category)],
        )


def _raise(problems: list[ErrorDetail]) -> None:
    if problems:
        raise DomainError("content.list_invalid", details=problems)


def parse_list(category: str, text: str, source: str = "") -> TermList:
    """One category's entries from the text format; every bad line is named, nothing loads."""
    source = source or f"{category}.txt"
    _check_category(category, source)
    entries: list[TermEntry] = []
    problems: list[ErrorDetail] = []
    for row, line in enumerate(text.splitlines(), start=1):
        line = line.lstrip("\ufeff")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        term, _, options = line.partition("\t")
        entry, found = _entry(term, category, options.split(), source, row)
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
    _raise(problems)
    return TermList(category, tuple(entries))


def dump_list(terms: TermList) -> str:
    """The text format of a list; ``parse_list`` reads it back unchanged."""
    lines = [f"# {terms.category}"]
    for entry in terms.entries:
        options = entry.options()
        lines.append(f"{entry.text}\t{options}" if options else entry.text)
    return "\n".join(lines) + "\n"


def load_directory(directory: Path) -> tuple[TermList, ...]:
    """Every ``CATEGORY.txt`` in ``directory``; a file of an unknown category is refused."""
    if not directory.is_dir():
        raise DomainError("content.lists_missing", params={"path": directory.name})
    return tuple(
        parse_list(path.stem, path.read_text(encoding="utf-8"), path.name)
        for path in sorted(directory.glob("*.txt"))
    )


@cache
def default_lists() -> tuple[TermList, ...]:
    """The small lists shipped with Qunguan (``moderation/lists``), of our own writing."""
    return load_directory(Path(__file__).parent / "lists")


def _rows(lists: Iterable[TermList]) -> Iterator[list[str]]:
    for terms in lists:
        for e in terms.entries:
            options = " ".join(n for n in ("pinyin", "initials") if getattr(e, n))
            action = e.action.value if e.action else ""
            yield [e.text, e.category, action, options, "|".join(e.allow)]


def to_xlsx(lists: Iterable[TermList]) -> bytes:
    """Every entry of every list on one sheet: entry, category, action, options, allow."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "词库"
    sheet.append(list(_HEADERS))
    for row in _rows(lists):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def from_xlsx(data: bytes, source: str = "terms.xlsx") -> tuple[TermList, ...]:
    """The lists of a spreadsheet written by ``to_xlsx`` (or by hand in its layout)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise DomainError("file.unreadable", params={"reason": type(exc).__name__}) from None
    by_category: dict[str, list[TermEntry]] = {}
    problems: list[ErrorDetail] = []
    rows = book.worksheets[0].iter_rows(min_row=2, values_only=True)
    for row_number, row in enumerate(rows, start=2):
        cells = [("" if c is None else str(c)).strip() for c in (*row, "", "", "", "", "")[:5]]
        text, category, action, options, allow = cells
        if not any(cells):
            continue
        if category not in LIST_CATEGORIES:
            problems.append(_problem(source, row_number, "content.category_unknown", category))
            continue
        opts = options.split()
        if action:
            opts.append(f"action={action}")
        if allow:
            opts.append(f"allow={allow}")
        entry, found = _entry(text, category, opts, source, row_number)
        problems.extend(found)
        if entry is not None:
            by_category.setdefault(category, []).append(entry)
    book.close()
    _raise(problems)
    return tuple(TermList(c, tuple(by_category[c])) for c in LIST_CATEGORIES if c in by_category)
