"""The content engine (pure): normalise, match, detect, decide by policy.

The message path, notices, group names and uploads call ``default_engine().check(...)`` or
``check_file(...)`` with the group's settings and get a ``Verdict``.
"""

from qunguan.moderation.engine import ContentEngine, EngineSlot, default_engine, default_slot
from qunguan.moderation.explain import explain
from qunguan.moderation.terms import (
    LIST_CATEGORIES,
    TermEntry,
    TermList,
    default_lists,
    dump_list,
    from_xlsx,
    load_directory,
    parse_list,
    to_xlsx,
)
from qunguan.moderation.verdict import Span, Verdict

__all__ = [
    "LIST_CATEGORIES",
    "ContentEngine",
    "EngineSlot",
    "Span",
    "TermEntry",
    "TermList",
    "Verdict",
    "default_engine",
    "default_lists",
    "default_slot",
    "dump_list",
    "explain",
    "from_xlsx",
    "load_directory",
    "parse_list",
    "to_xlsx",
]
