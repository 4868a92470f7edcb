"""Messages: send, history, edit, recall, pin, categories, read state, search.

A 2xx answer to a send means the message is committed: the handler's unit of work
commits before FastAPI writes the response.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.rules import notices as notice_rules
from qunguan.services.messages import conversation as messages
from qunguan.services.messages.views import MessageView
from qunguan.services.notices.acknowledgements import Acknowledged
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items
from qunguan.web.deps import database, require
from qunguan.web.errors import error_with_citations

router = APIRouter(prefix="/api/v1", tags=["messages"])
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]


class FileRefIn(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=255)
    size: int = Field(ge=0)


class MessageIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=64, description="makes a retry idempotent")
    body: str = Field(default="", max_length=20_000)
    kind: str = Field(default="text", max_length=32)
    reply_to_seq: int | None = Field(default=None, ge=1)
    mentions: list[int] = Field(default_factory=list, max_length=100)
    file: FileRefIn | None = None
    confirmed: bool = Field(default=False, description="the sender confirms what was asked")
    expects: Literal["", "inquiry", "assignment", "question"] = Field(
        default="",
        description="waits for answers: from the mentioned (inquiry, assignment) or the admins",
    )


class BodyIn(BaseModel):
    body: str = Field(min_length=1, max_length=20_000)


class CategoryIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)


class CategoriseIn(BaseModel):
    category: str = Field(default="", max_length=40)
    tags: list[str] = Field(default_factory=list, max_length=20)


class ReadIn(BaseModel):
    seq: int = Field(ge=0)


class Found(BaseModel):
    items: list[MessageView]


class Citation(BaseModel):
    clause: str
    article: str
    quote: str


class Explanation(BaseModel):
    """A hold, a warning or an acknowledgement, explained as a refusal is: its message
    and the articles it enforces, quoted."""

    code: str
    message: str
    clauses: list[str]
    details: list[dict[str, Any]]
    citations: list[Citation]


class Sent(BaseModel):
    status: str = Field(description="stored (201) or held for review (202)")
    message: MessageView | None
    notice: Explanation | None = Field(
        default=None, description="why it was held, or the warning it was stored with"
    )


class AcknowledgedByReply(BaseModel):
    status: Literal["acknowledged"]
    acknowledged: Acknowledged
    notice: Explanation


class ReadPosition(BaseModel):
    seq: int


class Unread(BaseModel):
    groups: dict[str, int] = Field(description="group id -> messages unread")


def _explained(request: Request, code: str, clauses: list[str]) -> dict[str, Any]:
    """A hold or a request to confirm, explained like a refusal: message and articles."""
    return error_with_citations(request, DomainError(code, clause_ids=tuple(clauses)))


@router.post(
    "/groups/{group_id}/messages",
    status_code=201,
    response_model=Sent,
    responses={
        202: {"model": Sent, "description": "Held for review"},
        200: {"model": AcknowledgedByReply, "description": "A bare 收到 acknowledged a notice"},
    },
)
async def send(
    group_id: int, body: MessageIn, request: Request, db: Db, principal: Member
) -> JSONResponse:
    """Send a message. 201: stored, with its sequence number. 202: held for review. 409
    ``messages.confirm_required``: send again with ``confirmed`` true to go on."""
    draft = messages.Draft(
        body.client_id,
        body.body,
        body.kind,
        body.reply_to_seq,
        tuple(body.mentions),
        body.file.model_dump() if body.file else None,
        body.confirmed,
        body.expects,
    )
    # Group commit: concurrent sends share one transaction and one disk flush; each is
    # answered only after that commit.
    outcome = await db.batched_async(lambda uow: messages.send(uow, principal, group_id, draft))
    # The audit record of a refusal is committed; now say no.
    if outcome.refusal is not None:
        raise outcome.refusal
    clauses = list((outcome.verdict or {}).get("clauses", []))
    if outcome.status == "confirm":
        error = error_with_citations(
            request,
            DomainError("messages.confirm_required", ErrorKind.CONFLICT, clause_ids=tuple(clauses)),
        )
        error["verdict"] = outcome.verdict
        return JSONResponse({"error": error}, status_code=409)
    if outcome.status == "acknowledged":
        # A bare "收到" that acknowledged a notice: recorded, not posted (篇二 二.(二).4).
        return JSONResponse(
            {
                "status": "acknowledged",
                "acknowledged": outcome.acknowledged,
                "notice": _explained(
                    request, "notices.acknowledged_by_reply", list(notice_rules.DELIVERY_CLAUSES)
                ),
            },
            status_code=200,
        )
    answer: dict[str, Any] = {
        "status": outcome.status,
        "message": outcome.message.wire if outcome.message else None,
    }
    if outcome.status == "held":
        answer["notice"] = _explained(request, "messages.held", clauses)
        return JSONResponse(answer, status_code=202)
    if outcome.message and outcome.message.warning:
        answer["notice"] = _explained(request, "messages.warned", clauses)
    return JSONResponse(answer, status_code=201)


@router.get("/groups/{group_id}/messages")
def history(
    group_id: int,
    db: Db,
    principal: Member,
    after: int = 0,
    before: int | None = None,
    limit: int = 50,
) -> messages.Page:
    """A page of the conversation: its messages, what is pinned, the reader's own held
    messages, the group's last sequence number and where the reader stands."""
    with db.reading() as uow:
        return messages.history(uow, principal, group_id, after=after, before=before, limit=limit)


@router.patch("/groups/{group_id}/messages/{seq}")
def edit(group_id: int, seq: int, body: BodyIn, db: Db, principal: Member) -> MessageView:
    with db.unit_of_work() as uow:
        return messages.edit(uow, principal, group_id, seq, body.body)


@router.post("/groups/{group_id}/messages/{seq}/recall", status_code=204)
def recall(group_id: int, seq: int, db: Db, principal: Member) -> None:
    with db.unit_of_work() as uow:
        messages.recall(uow, principal, group_id, seq)


@router.put("/groups/{group_id}/messages/{seq}/pin")
def pin(group_id: int, seq: int, db: Db, principal: Member) -> MessageView:
    with db.unit_of_work() as uow:
        return messages.set_pin(uow, principal, group_id, seq, True)


@router.delete("/groups/{group_id}/messages/{seq}/pin")
def unpin(group_id: int, seq: int, db: Db, principal: Member) -> MessageView:
    with db.unit_of_work() as uow:
        return messages.set_pin(uow, principal, group_id, seq, False)


@router.put("/groups/{group_id}/messages/{seq}/category")
def categorise(
    group_id: int, seq: int, body: CategoriseIn, db: Db, principal: Member
) -> MessageView:
    with db.unit_of_work() as uow:
        return messages.categorise(uow, principal, group_id, seq, body.category, tuple(body.tags))


@router.get("/groups/{group_id}/categories")
def categories(group_id: int, db: Db, principal: Member) -> Items[str]:
    with db.reading() as uow:
        return Items(items=messages.categories(uow, principal, group_id))


@router.post("/groups/{group_id}/categories", status_code=201)
def define_category(group_id: int, body: CategoryIn, db: Db, principal: Member) -> Items[str]:
    with db.unit_of_work() as uow:
        messages.define_category(uow, principal, group_id, body.name)
        return Items(items=messages.categories(uow, principal, group_id))


@router.post("/groups/{group_id}/read")
def mark_read(group_id: int, body: ReadIn, db: Db, principal: Member) -> ReadPosition:
    with db.unit_of_work() as uow:
        return ReadPosition(seq=messages.mark_read(uow, principal, group_id, body.seq))


@router.get("/unread")
def unread(db: Db, principal: Member) -> Unread:
    with db.reading() as uow:
        return Unread(groups={str(g): n for g, n in messages.unread(uow, principal).items()})


@router.get("/search")
def search(
    db: Db,
    principal: Member,
    q: str = "",
    group_id: int | None = None,
    sender: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    category: str = "",
    limit: int = 50,
) -> Found:
    """Messages containing ``q`` in the groups one belongs to; filters narrow it."""
    query = messages.SearchQuery(q[:100], group_id, sender, since, until, category, limit)
    with db.reading() as uow:
        return Found(items=messages.search(uow, principal, query))
