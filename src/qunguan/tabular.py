"""Reading and writing spreadsheets (.xlsx) and CSV as plain sheets of cells.

Pure file-format code: no database, no rules. Chinese Excel saves CSV as GB18030 or as
UTF-8 with a byte-order mark; both are read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from qunguan.domain.directory import RawRow, RawSheet
from qunguan.domain.errors import DomainError

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")


def read_sheets(filename: str, data: bytes) -> list[RawSheet]:
    lowered = filename.lower()
    if lowered.endswith(XLSX_SUFFIXES):
        return _read_xlsx(data)
    if lowered.endswith(CSV_SUFFIXES):
        return [_read_csv(data)]
    raise DomainError("file.format_unsupported", params={"filename": filename})


def _read_xlsx(data: bytes) -> list[RawSheet]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise DomainError("file.unreadable", params={"reason": type(exc).__name__}) from exc
    sheets: list[RawSheet] = []
    try:
        for ws in book.worksheets:
            rows_iter = ws.iter_rows(values_only=True)
            header_row = next(rows_iter, None)
            if header_row is None:
                sheets.append(RawSheet(ws.title, [], []))
                continue
            headers = [str(h).strip() if h is not None else "" for h in header_row]
            letters = {h: get_column_letter(i + 1) for i, h in enumerate(headers) if h}
            rows = [
                RawRow(
                    number,
                    {h: values[i] if i < len(values) else None for i, h in enumerate(headers) if h},
                )
                for number, values in enumerate(rows_iter, start=2)
            ]
            sheets.append(RawSheet(ws.title, headers, rows, letters))
    finally:
        book.close()
    return sheets


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("file.encoding_unknown")


def _read_csv(data: bytes) -> RawSheet:
    reader = csv.reader(io.StringIO(_decode(data)))
    header_row = next(reader, None)
    if header_row is None:
        return RawSheet("csv", [], [])
    headers = [h.strip() for h in header_row]
    rows = [
        RawRow(
            number, {h: values[i] if i < len(values) else "" for i, h in enumerate(headers) if h}
        )
        for number, values in enumerate(reader, start=2)
    ]
    return RawSheet("csv", headers, rows)


# A cell starting with one of these is a formula to Excel, whatever format carries it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that Excel would run as a formula is written as text (a leading apostrophe).

    Exports carry what people typed (a failed sign-in's user name lands in the audit
    export), so a value like ``=HYPERLINK(…)`` must never become a live formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_xlsx(sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]]) -> bytes:
    """Write named sheets with a bold, shaded header row and sensible column widths."""
    book = Workbook()
    book.remove(book.active)
    for title, headers, rows in sheets:
        ws = book.create_sheet(title)
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for row in rows:
            ws.append([safe_cell(v) for v in row])
        for i, header in enumerate(headers, start=1):
            width = max([len(str(header)) * 2] + [len(str(r[i - 1])) + 2 for r in rows[:200]])
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 8), 40)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
