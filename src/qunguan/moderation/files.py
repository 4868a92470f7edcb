"""The text inside an upload: bytes in, text out, within bounds (no file is written).

Word and Excel files are zip archives; their declared uncompressed size is checked before
anything is parsed, so a small file that inflates to gigabytes is refused, not opened.
Document properties (title, subject, keywords, comments) are text too: a confidentiality
tag often sits there and nowhere else.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

READABLE = frozenset({"docx", "xlsx", "pdf", "txt"})
MAX_TEXT_CHARS = 2_000_000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_PDF_PAGES = 500


class Unreadable(Exception):
    """The file is not what its name says, is damaged, or is larger inside than allowed."""


def extract_text(suffix: str, data: bytes) -> str:
    """Every piece of text in the file, one per line, cut at ``MAX_TEXT_CHARS``."""
    reader = {"docx": _docx, "xlsx": _xlsx, "pdf": _pdf, "txt": _txt}[suffix]
    if suffix in ("docx", "xlsx"):
        _check_archive(data)
    parts: list[str] = []
    size = 0
    try:
        for part in reader(data):
            if part:
                parts.append(part)
                size += len(part) + 1
                if size >= MAX_TEXT_CHARS:
                    break
    except Unreadable:
        raise
    except Exception as exc:  # each library raises its own kinds for a damaged file
        raise Unreadable(type(exc).__name__) from None
    return "\n".join(parts)[:MAX_TEXT_CHARS]


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(i.file_size for i in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise Unreadable("archive too large when unpacked")
    except zipfile.BadZipFile:
        raise Unreadable("not a zip archive") from None


def _properties(props: Any, names: tuple[str, ...]) -> Iterator[str]:
    for name in names:
        value = getattr(props, name, None)
        if isinstance(value, str):
            yield value


def _docx(data: bytes) -> Iterator[str]:
    from docx import Document

    doc = Document(io.BytesIO(data))
    yield from _properties(
        doc.core_properties, ("title", "subject", "keywords", "comments", "category")
    )
    for section in doc.sections:
        for part in (section.header, section.first_page_header, section.footer):
            yield from (p.text for p in part.paragraphs)
    yield from (p.text for p in doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            yield "\t".join(cell.text for cell in row.cells)


def _xlsx(data: bytes) -> Iterator[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        yield from _properties(
            book.properties, ("title", "subject", "keywords", "description", "category")
        )
        for sheet in book.worksheets:
            yield sheet.title
            for row in sheet.iter_rows(values_only=True):
                yield "\t".join(str(v) for v in row if v is not None)
    finally:
        book.close()


def _pdf(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.metadata:
        yield from (str(v) for v in reader.metadata.values() if isinstance(v, str))
    for page in reader.pages[:MAX_PDF_PAGES]:
        yield page.extract_text() or ""


def _txt(data: bytes) -> Iterator[str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            yield data.decode(encoding)
            return
        except UnicodeDecodeError:
            continue
    raise Unreadable("unknown text encoding")
