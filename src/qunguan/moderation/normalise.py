"""Normalisation that defeats the common evasions and still knows where every character came from.

A message becomes two views:

- ``plain``: NFKC (full-width to half-width), traditional to simplified (OpenCC's character
  table), case folding, look-alike letters to Latin, and with zero-width characters removed
  everywhere and separators removed between two Chinese characters. The detectors read it.
- ``keyed``: ``plain`` with separators between single Latin letters removed (``p o r n``),
  other separators between Latin words made one space, and digits that stand for letters
  folded (``p0rn``). The automaton reads it; term entries go through the same steps, so
  an entry and its evasions meet in one form.

Each view maps its offsets back to the original text. A message of simplified Chinese and
common punctuation costs two regex scans and one ``re.sub``: ``str.translate`` (slow on CJK
text) runs only when a character needs folding, and the offset tables are built only when
something was found, from the folded text kept for that purpose (nothing is folded twice).
Term entries are keyed in one batch (``keys``): one fold and one pass of each pattern over
all of them, instead of one per entry.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Removed wherever they stand: they are invisible, so they only ever hide a word.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d"
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067"
    "\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufe00\ufe01\ufe02\ufe03\ufe04"
    "\ufe05\ufe06\ufe07\ufe08\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\ufeff\uffa0\u2800"
)
# The one character every invisible one becomes, so a single pattern removes them all.
_GONE = "\x00"
# The one character every separator outside the BMP (emoji, pictographs) becomes.
_SYMBOL = "\x01"

# Letters of other scripts that look like Latin ones (Cyrillic, Greek).
_LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i",
    "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}  # fmt: skip
# Digits written for letters inside Latin words (``p0rn``). ``1`` stands for ``i`` here;
# entries holding ``l`` get an alias with ``i`` (``ki11``), see ``terms``.
_LETTER_DIGITS = str.maketrans("0134578", "oieastb")
# Kept out of the separators: ★ belongs to a classification marking (秘密★1年).
_NOT_SEPARATORS = "★☆"


def _is_separator(ch: str) -> bool:
    if ch in _NOT_SEPARATORS:
        return False
    category = unicodedata.category(ch)
    if category == "So" and unicodedata.category(unicodedata.normalize("NFKC", ch)[0]) != "So":
        return False  # a symbol that stands for a letter (⼈ is 人, Ⓐ is a)
    return category[0] in "PSZ" or category == "Cc"


def _opencc_characters() -> dict[str, str]:
    """OpenCC's traditional-to-simplified table, character by character (lengths kept)."""
    import opencc  # loaded once, when the tables are first needed

    ranges = [(0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2A6E0)]
    chars = [chr(cp) for lo, hi in ranges for cp in range(lo, hi)]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    return {t: s for t, s in zip(chars, converted, strict=True) if t != s and len(s) == 1}


def _fold_char(ch: str, t2s: dict[str, str]) -> str:
    out = unicodedata.normalize("NFKC", ch)
    if len(out) != 1:
        out = ch
    out = t2s.get(out, out)
    low = out.casefold()
    if len(low) == 1:
        out = low
    out = _LOOKALIKES.get(out, out)
    if "a" <= unicodedata.normalize("NFD", out)[0] <= "z":
        out = unicodedata.normalize("NFD", out)[0]  # é -> e: accents hide nothing
    elif unicodedata.category(out) in ("Mn", "Me", "Cf"):
        out = _GONE
    return out


# The planes where folding or separators happen: the BMP, mathematical letters, enclosed
# letters, emoji and pictographs.
_SCANNED = (*range(0x10000), *range(0x1D400, 0x1D800), *range(0x1F000, 0x1FC00))
# Separators that stay as they are: the ones ordinary text is full of (regex classes over
# them stay fast) and the ones the detectors read (brackets, dots, colons). Every other
# separator is folded to ``_SYMBOL``.
_COMMON_SEPARATOR_BLOCKS = ((0x00, 0x80), (0xA0, 0x100), (0x2010, 0x2060), (0x3000, 0x3040),
                            (0xFE10, 0xFE70), (0xFF00, 0xFF66))  # fmt: skip
_CJK_BMP = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ALNUM = re.compile("[a-z0-9]")
# A token of letters and digits mixed: ``p0rn``, ``s3x``; only these get digits folded.
_MIXED = re.compile("[a-z][0-9]|[0-9][a-z]")
_MIXED_TOKEN = re.compile("[a-z0-9]*(?:[a-z][0-9]|[0-9][a-z])[a-z0-9]*")


def _char_class(chars: set[str]) -> str:
    """A regex character class body, as ranges."""
    points = sorted(ord(c) for c in chars)
    parts: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = re.escape(chr(points[i])), re.escape(chr(points[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return "".join(parts)


def _common_separator(cp: int) -> bool:
    return any(lo <= cp < hi for lo, hi in _COMMON_SEPARATOR_BLOCKS)


class _Tables:
    def __init__(self) -> None:
        t2s = _opencc_characters()
        fold: dict[int, str] = {}
        separators: set[str] = {_SYMBOL}
        for cp in (*_SCANNED, *(ord(c) for c in t2s if ord(c) > 0xFFFF)):
            ch = chr(cp)
            if ch in _INVISIBLE:
                fold[cp] = _GONE
            elif _is_separator(ch):
                if _common_separator(cp):
                    separators.add(ch)
                else:
                    fold[cp] = _SYMBOL
            elif (out := _fold_char(ch, t2s)) != ch:
                fold[cp] = out
        self.fold = fold
        self.separators = frozenset(separators)
        self.needs_fold = re.compile(
            f"[{_char_class({chr(cp) for cp in fold if cp <= 0xFFFF})}\U00010000-\U0010ffff]"
        )
        sep = _char_class(separators)
        # A separator first, then the look-behind: a pattern that starts with a class lets
        # the regex engine skip ahead, which a leading look-behind does not.
        self.cjk_gap = re.compile(f"(?s)[{sep}](?<=[{_CJK_BMP}].)[{sep}]*(?=[{_CJK_BMP}])")
        self.latin_gap = re.compile(f"[{sep}](?<=[a-z0-9].)[{sep}]*(?=[a-z0-9])")

    def fold_text(self, text: str) -> str:
        """``str.translate`` is slow on CJK text; most messages need no folding at all."""
        return text.translate(self.fold) if self.needs_fold.search(text) else text


@cache
def tables() -> _Tables:
    """Built once per process (about 0.3 s): every character's folded form and the gaps."""
    return _Tables()


_GONE_RUN = re.compile(f"{_GONE}+")


def _without_runs(positions: list[int], pattern: re.Pattern[str], text: str) -> list[int]:
    """``positions`` (one per character of ``text``) less those of the runs ``pattern`` finds.
    Built piece by piece, so a long text with many runs stays linear."""
    out: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        out += positions[last:start]
        last = end
    out += positions[last:]
    return out


class Normalised:
    """The views of one text; ``plain_span``/``keyed_span`` map a span back to the original.

    The maps back are lists, one original offset per character of the view, built on the
    first span asked for (a text with no finding never builds them); a span then costs two
    list reads, however many a text has.
    """

    __slots__ = ("_folded", "_kept", "_keyed_origin", "_latin_edits", "_plain_origin", "alnum",
                 "keyed", "original", "plain")  # fmt: skip

    def __init__(self, original: str) -> None:
        t = tables()
        self.original = original
        folded = kept = t.fold_text(original)
        if _GONE in folded:
            kept = folded.replace(_GONE, "")
        plain = t.cjk_gap.sub("", kept)
        self.plain = plain
        # Kept for the maps back, which only a text with a finding needs.
        self._folded = folded
        self._kept = kept
        self._plain_origin: list[int] | None = None
        self._keyed_origin: list[int] | None = None
        self._latin_edits: list[tuple[int, int, int]] = []
        keyed = plain
        # No Latin letter or digit: nothing for the Latin steps, nor for most detectors.
        self.alnum = _ALNUM.search(plain) is not None
        if self.alnum:
            keyed, self._latin_edits = _close_latin_gaps(plain, t.latin_gap)
            if _MIXED.search(keyed):
                keyed = _MIXED_TOKEN.sub(_fold_digits, keyed)  # letter for digit: same length
        self.keyed = keyed

    @property
    def folded(self) -> str:
        """The original folded character for character (same offsets), nothing removed."""
        return self._folded

    def plain_origin(self) -> list[int]:
        """For each character of ``plain``, its offset in the original text."""
        if self._plain_origin is None:
            origin = list(range(len(self._folded)))
            if self._kept is not self._folded:
                origin = _without_runs(origin, _GONE_RUN, self._folded)
            if len(self.plain) != len(self._kept):
                origin = _without_runs(origin, tables().cjk_gap, self._kept)
            self._plain_origin = origin
        return self._plain_origin

    def keyed_origin(self) -> list[int]:
        """For each character of ``keyed``, its offset in the original text."""
        if self._keyed_origin is None:
            origin = self.plain_origin()
            if self._latin_edits:
                plain, origin, last = origin, [], 0
                # A gap became nothing or one space; the space stands where the gap began.
                for start, end, length in self._latin_edits:
                    origin += plain[last : start + length]
                    last = end
                origin += plain[last:]
            self._keyed_origin = origin
        return self._keyed_origin

    def plain_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of ``plain`` as a span of the original text."""
        origin = self.plain_origin()
        return origin[start], origin[end - 1] + 1

    def keyed_span(self, start: int, end: int) -> tuple[int, int]:
        """A span of ``keyed`` as a span of the original text."""
        origin = self.keyed_origin()
        return origin[start], origin[end - 1] + 1


def _fold_digits(match: re.Match[str]) -> str:
    return match.group().translate(_LETTER_DIGITS)


def _alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _close_latin_gaps(
    text: str, pattern: re.Pattern[str]
) -> tuple[str, list[tuple[int, int, int]]]:
    """``p o r n`` -> ``porn``; ``fa-lun  gong`` -> ``fa lun gong``; ``a b.cd`` keeps a space."""
    parts: list[str] = []
    edits: list[tuple[int, int, int]] = []
    last = 0
    for gap in pattern.finditer(text):
        start, end = gap.span()
        # The gap sits between two alphanumerics; is each the whole of its token?
        single = (start < 2 or not _alnum(text[start - 2])) and (
            end + 1 >= len(text) or not _alnum(text[end + 1])
        )
        replacement = "" if single else " "
        if text[start:end] == replacement:
            continue
        parts.append(text[last:start])
        parts.append(replacement)
        edits.append((start, end, len(replacement)))
        last = end
    parts.append(text[last:])
    return "".join(parts), edits


def normalise(text: str) -> Normalised:
    return Normalised(text)


def key(text: str) -> str:
    """The form an entry is matched in: the keyed view, trimmed."""
    return normalise(text.strip()).keyed.strip()


# Joins entries for ``keys``: not folded, not a separator, not a letter, digit or Chinese
# character, so no step of the normalisation reaches across it.
_JOIN = "\ue000"


def keys(texts: list[str]) -> list[str]:
    """``[key(t) for t in texts]``, normalising all of them as one text (a build of 100,000
    entries pays one fold and one pass of each pattern, not 100,000 of each)."""
    stripped = [t.strip() for t in texts]
    if any(_JOIN in t for t in stripped):
        return [key(t) for t in texts]
    parts = normalise(_JOIN.join(stripped)).keyed.split(_JOIN)
    if len(parts) != len(texts):  # cannot happen; but never key an entry wrongly
        return [key(t) for t in texts]
    return [p.strip() for p in parts]
