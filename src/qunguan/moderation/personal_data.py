"""Personal data: resident ID numbers (with their check digit), mobiles, bank cards (Luhn),
home addresses. Each finder reads the ``plain`` view and returns spans in it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10x98765432"
_CN_DIGITS = str.maketrans("零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖", "001234567891123456789")
# Seven digits in a row (separators allowed): below that there is nothing to find.
_LONG_NUMBER = re.compile("[0-9](?:[ -]?[0-9]){6}")
_LONG_NUMERALS = re.compile("[零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖]{7}")
_RESIDENT_ID = re.compile(r"(?<![0-9a-z])(\d{6})[ -]?(\d{8})[ -]?(\d{3}[0-9x])(?![0-9a-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
_CARD = re.compile(r"(?<![0-9])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?![0-9])")
_ADDRESS_HINT = ("栋", "幢", "号楼", "单元")
_ADDRESS = re.compile(
    r"[\u4e00-\u9fff]{2,12}(?:小区|花园|公寓|家园|新村|苑|里)\s?\d{1,4}\s?(?:栋|幢|号楼)"
    r"(?:\s?\d{1,3}\s?单元)?\s?\d{1,5}\s?(?:室|号|户)"
)


def resident_id_valid(number: str) -> bool:
    """An 18-character resident ID: a real birth date and the ISO 7064 check character."""
    number = number.lower()
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not 1900 <= born.year <= datetime.now(UTC).astimezone().year:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17]


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch == "x")


# Whatever any finder here needs before it can find anything, and the characters these
# start with (the engine tries them first, with the link finder's, so that ordinary
# messages skip both finders).
PRECONDITIONS = (_LONG_NUMBER.pattern, _LONG_NUMERALS.pattern, *_ADDRESS_HINT)
PRECONDITION_STARTS = "0-9零〇一二三四五六七八九幺壹贰叁肆伍陆柒捌玖栋幢号单"


def find_personal_data(plain: str) -> list[tuple[int, int, str]]:
    """(start, end, rule) of every piece of personal data in ``plain``."""
    found: list[tuple[int, int, str]] = []
    if any(hint in plain for hint in _ADDRESS_HINT):
        found.extend((m.start(), m.end(), "address") for m in _ADDRESS.finditer(plain))
    if _LONG_NUMERALS.search(plain):
        # Digits written as Chinese numerals (一三八…) read as digits; the length is unchanged.
        text = plain.translate(_CN_DIGITS)
    elif _LONG_NUMBER.search(plain):
        text = plain
    else:
        return found
    taken: list[tuple[int, int]] = []
    for m in _RESIDENT_ID.finditer(text):
        if resident_id_valid(_digits(m.group())):
            found.append((m.start(), m.end(), "resident-id"))
            taken.append(m.span())
    for m in _MOBILE.finditer(text):
        found.append((m.start(), m.end(), "mobile"))
        taken.append(m.span())
    for m in _CARD.finditer(text):
        inside = any(a <= m.start() < b or a < m.end() <= b for a, b in taken)
        if not inside and 16 <= len(digits := _digits(m.group())) <= 19 and luhn_valid(digits):
            found.append((m.start(), m.end(), "bank-card"))
    return found
