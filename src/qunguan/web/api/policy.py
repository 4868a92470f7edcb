"""The regulation in force, its versions, governed change and acknowledgement."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.policy.document import Policy
from qunguan.policy.render import Regulation, build, to_docx, to_pdf
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.api.encoding import Items, Status, files
from qunguan.web.deps import database, require

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ProposalIn(BaseModel):
    document: str = Field(min_length=1, max_length=200_000, description="the whole policy, YAML")
    reason: str = Field(default="", max_length=2000)


class DocumentIn(BaseModel):
    document: str = Field(min_length=1, max_length=200_000)


class DecisionIn(BaseModel):
    note: str = Field(default="", max_length=2000)


class AckIn(BaseModel):
    version: int


class ArticleText(BaseModel):
    number: int
    label: str = Field(description="第一条, …")
    clause_id: str
    text: str
    enforcement: str
    interpretation: str


class ChapterText(BaseModel):
    number: int
    label: str = Field(description="第一章, …")
    title: str
    articles: list[ArticleText]


class RegulationText(BaseModel):
    """The regulation as people read it, rendered from the policy document."""

    title: str
    agency: str
    preset: str
    version: int | None
    chapters: list[ChapterText]


class PolicyInForce(BaseModel):
    version: int | None
    document: str = Field(description="the whole policy, YAML")
    regulation: RegulationText


class Preview(BaseModel):
    regulation: RegulationText


class PolicyVersion(BaseModel):
    version: int


class PendingAcknowledgement(BaseModel):
    pending_version: int | None = Field(description="the version to acknowledge, if any")


class PolicyAcknowledged(BaseModel):
    version: int
    first: bool


class AcknowledgementStatus(BaseModel):
    version: int
    acknowledged: int
    total: int
    items: list[policy_versions.AckRow]


def regulation_json(reg: Regulation) -> RegulationText:
    return RegulationText(
        title=reg.title,
        agency=reg.agency,
        preset=reg.preset,
        version=reg.version,
        chapters=[
            ChapterText(
                number=ch.number,
                label=ch.label,
                title=ch.title,
                articles=[
                    ArticleText(
                        number=a.number,
                        label=a.label,
                        clause_id=a.clause_id,
                        text=a.text,
                        enforcement=a.enforcement,
                        interpretation=a.interpretation,
                    )
                    for a in ch.articles
                ],
            )
            for ch in reg.chapters
        ],
    )


def regulation_for(db: Database, number: int | None) -> tuple[Regulation, Policy]:
    with db.reading() as uow:
        if number is None:
            in_force = policy_versions.require_current(uow)
            number, policy = in_force.version, in_force.policy
        else:
            _view, policy = policy_versions.version(uow, number)
    return build(policy, number), policy


def download(reg: Regulation, fmt: Literal["docx", "pdf"]) -> Response:
    filename = f"regulation-v{reg.version}.{fmt}"
    data, media = (to_docx(reg), DOCX_TYPE) if fmt == "docx" else (to_pdf(reg), "application/pdf")
    return Response(
        data, media_type=media, headers={"Content-Disposition": f"attachment; filename={filename}"}
    )


@router.get("")
def current_policy(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
    version: int | None = None,
) -> PolicyInForce:
    reg, policy = regulation_for(db, version)
    return PolicyInForce(
        version=reg.version,
        document=policy_versions.to_yaml(policy),
        regulation=regulation_json(reg),
    )


@router.get(
    "/regulation.{fmt}", response_class=Response, responses=files(DOCX_TYPE, "application/pdf")
)
def regulation_file(
    fmt: Literal["docx", "pdf"],
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
    version: int | None = None,
) -> Response:
    reg, _policy = regulation_for(db, version)
    return download(reg, fmt)


@router.get("/versions")
def versions(
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_READ))],
) -> Items[policy_versions.VersionView]:
    with db.reading() as uow:
        return Items(items=policy_versions.history(uow))


@router.post("/preview")
def preview(
    body: DocumentIn,
    _p: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
) -> Preview:
    """Validate a document and render it, saving nothing."""
    return Preview(regulation=regulation_json(build(policy_versions.parse_yaml(body.document))))


@router.post("/proposals", status_code=201)
def propose(
    body: ProposalIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
) -> policy_versions.VersionView:
    with db.unit_of_work() as uow:
        return policy_versions.propose(uow, principal, body.document, body.reason)


@router.post("/proposals/{proposal_id}/approval")
def approve(
    proposal_id: int,
    body: DecisionIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_APPROVE))],
) -> PolicyVersion:
    with db.unit_of_work() as uow:
        number = policy_versions.approve(uow, principal, proposal_id, body.note)
    return PolicyVersion(version=number)


@router.post("/proposals/{proposal_id}/refusal")
def refuse(
    proposal_id: int,
    body: DecisionIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_APPROVE))],
) -> Status:
    with db.unit_of_work() as uow:
        policy_versions.refuse(uow, principal, proposal_id, body.note)
    return Status(status="refused")


@router.get("/acknowledgement")
def my_acknowledgement(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> PendingAcknowledgement:
    """Which version (if any) this account must still acknowledge before posting."""
    with db.reading() as uow:
        pending = policy_versions.pending_acknowledgement(uow, principal.user_id)
    return PendingAcknowledgement(pending_version=pending.version if pending else None)


@router.post("/acknowledgement")
def acknowledge(
    body: AckIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> PolicyAcknowledged:
    with db.unit_of_work() as uow:
        first = policy_versions.acknowledge(uow, principal, body.version)
    return PolicyAcknowledged(version=body.version, first=first)


@router.get("/versions/{number}/acknowledgements")
def acknowledgements(
    number: int,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_STATUS))],
) -> AcknowledgementStatus:
    with db.reading() as uow:
        rows = policy_versions.acknowledgement_status(uow, number)
    done = [r for r in rows if r.acknowledged_at]
    return AcknowledgementStatus(
        version=number, acknowledged=len(done), total=len(rows), items=rows
    )
