"""The content engine's term lists: read, import, export, edit, and try a text (security admin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.i18n import Translator
from qunguan.moderation import TermEntry, Verdict, explain
from qunguan.services import term_lists
from qunguan.services.messages.conversation import verdict_json
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database, UnitOfWork
from qunguan.web.api.directory import XLSX_TYPE, read_upload
from qunguan.web.api.encoding import files
from qunguan.web.deps import database, require, translator

router = APIRouter(prefix="/api/v1/content", tags=["content"])
T = TypeVar("T")


class EntryIn(BaseModel):
    text: str = Field(min_length=1, max_length=100)
    options: str = Field(default="", max_length=2000, description="e.g. `pinyin allow=大学生`")


class CheckIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000)


class TermList(BaseModel):
    category: str
    shipped_entries: int
    agency_entries: int
    source: str
    updated_at: datetime | None


class TermLists(BaseModel):
    lists: list[TermList]


class Entry(BaseModel):
    text: str
    category: str
    options: str


class Entries(BaseModel):
    category: str
    entries: list[Entry]


class Revision(BaseModel):
    revision: int = Field(description="the lists' revision after the change")


class ListsImported(BaseModel):
    file: str
    entries: dict[str, int] = Field(description="category -> entries imported")
    duplicates: int
    revision: int


class TextCheck(BaseModel):
    """The verdict on a text under the policy in force, with what matched."""

    action: str
    categories: list[str]
    clauses: list[str]
    spans: list[tuple[int, int, str, str, str]] = Field(
        description="[start, end, text, category, rule] per match"
    )
    explanation: str


def list_json(view: term_lists.ListView) -> TermList:
    return TermList(
        category=view.category,
        shipped_entries=view.shipped,
        agency_entries=view.agency,
        source=view.source,
        updated_at=view.updated_at,
    )


def entry_json(entry: TermEntry) -> Entry:
    return Entry(text=entry.text, category=entry.category, options=entry.options())


def report_json(report: term_lists.ImportReport) -> ListsImported:
    return ListsImported(
        file=report.filename,
        entries=report.categories,
        duplicates=report.duplicates,
        revision=report.revision,
    )


def change_lists(db: Database, change: Callable[[UnitOfWork], T]) -> T:
    """A change of the lists in its own transaction, then, once committed, the new lists
    put in use in this process (the others follow within a second, in the background)."""
    with db.unit_of_work() as uow:
        result = change(uow)
    with db.reading() as uow:
        term_lists.apply(uow)
    return result


def run_import(
    db: Database, principal: Principal, filename: str, data: bytes
) -> term_lists.ImportReport:
    actor = principal.actor()
    return change_lists(db, lambda uow: term_lists.import_file(uow, actor, filename, data))


def try_text(db: Database, text: str, t: Translator) -> dict[str, Any]:
    """The verdict on ``text`` under the policy in force, as the security admin reads it."""
    with db.reading() as uow:
        policy = policy_versions.require_current(uow).policy
        verdict: Verdict = term_lists.check(uow, text, policy)

    def translate(key: str, /, **params: Any) -> str:
        return t(key, **params)

    return {
        **verdict_json(verdict, with_text=True),
        "explanation": explain(verdict, policy, translate, "admin"),
    }


@router.get("/lists")
def get_lists(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> TermLists:
    with db.reading() as uow:
        views = term_lists.lists(uow)
    return TermLists(lists=[list_json(v) for v in views])


@router.get("/lists/{category}/entries")
def get_entries(
    category: str,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> Entries:
    with db.reading() as uow:
        found = term_lists.entries(uow, category)
    return Entries(category=category, entries=[entry_json(e) for e in found])


@router.post("/lists/{category}/entries")
def add_entry(
    category: str,
    body: EntryIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> Revision:
    actor = principal.actor()

    def add(uow: UnitOfWork) -> int:
        return term_lists.add_entry(uow, actor, category, body.text, body.options)

    return Revision(revision=change_lists(db, add))


@router.delete("/lists/{category}/entries")
def remove_entry(
    category: str,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    text: str = "",
) -> Revision:
    actor = principal.actor()
    return Revision(
        revision=change_lists(db, lambda uow: term_lists.remove_entry(uow, actor, category, text))
    )


@router.post("/imports")
async def import_lists(
    request: Request,
    file: UploadFile,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> ListsImported:
    """Import ``CATEGORY.txt`` or an xlsx of several: all lines or none."""
    data = await read_upload(request, file)
    filename = file.filename or "upload.txt"
    report = await run_in_threadpool(run_import, db, principal, filename, data)
    return report_json(report)


@router.get(
    "/export", response_class=Response, responses=files("text/plain; charset=utf-8", XLSX_TYPE)
)
def export_lists(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
    format: Literal["txt", "xlsx"] = "xlsx",
    category: str = "",
) -> Response:
    with db.unit_of_work() as uow:
        data = term_lists.export(uow, principal.actor(), format, category)
    name = f"{category}.txt" if format == "txt" else f"terms-{category or 'all'}.xlsx"
    media = "text/plain; charset=utf-8" if format == "txt" else XLSX_TYPE
    return Response(
        data, media_type=media, headers={"Content-Disposition": f"attachment; filename={name}"}
    )


@router.post("/check")
def check_text(
    body: CheckIn,
    db: Annotated[Database, Depends(database)],
    t: Annotated[Translator, Depends(translator)],
    _p: Annotated[Principal, Depends(require(Permission.CONTENT_MANAGE))],
) -> TextCheck:
    """Try a text against the lists in force; the answer shows what matched."""
    return TextCheck.model_validate(try_text(db, body.text, t))
