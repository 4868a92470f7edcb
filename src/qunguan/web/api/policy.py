"""The regulation in force, its versions, governed change and acknowledgement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.policy.document import Policy
from qunguan.policy.render import Regulation, build, to_docx, to_pdf
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
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


def regulation_json(reg: Regulation) -> dict[str, Any]:
    return {
        "title": reg.title,
        "agency": reg.agency,
        "preset": reg.preset,
        "version": reg.version,
        "chapters": [
            {
                "number": ch.number,
                "label": ch.label,
                "title": ch.title,
                "articles": [
                    {
                        "number": a.number,
                        "label": a.label,
                        "clause_id": a.clause_id,
                        "text": a.text,
                        "enforcement": a.enforcement,
                        "interpretation": a.interpretation,
                    }
                    for a in ch.articles
                ],
            }
            for ch in reg.chapters
        ],
    }


def version_json(view: policy_versions.VersionView) -> dict[str, Any]:
    out = dict(view.__dict__)
    for key in ("proposed_at", "decided_at", "published_at"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


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
) -> dict[str, Any]:
    reg, policy = regulation_for(db, version)
    return {
        "version": reg.version,
        "document": policy_versions.to_yaml(policy),
        "regulation": regulation_json(reg),
    }


@router.get("/regulation.{fmt}")
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
) -> dict[str, Any]:
    with db.reading() as uow:
        rows = policy_versions.history(uow)
    return {"items": [version_json(v) for v in rows]}


@router.post("/preview")
def preview(
    body: DocumentIn,
    _p: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
) -> dict[str, Any]:
    """Validate a document and render it, saving nothing."""
    return {"regulation": regulation_json(build(policy_versions.parse_yaml(body.document)))}


@router.post("/proposals", status_code=201)
def propose(
    body: ProposalIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_PROPOSE))],
) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        view = policy_versions.propose(uow, principal, body.document, body.reason)
    return version_json(view)


@router.post("/proposals/{proposal_id}/approval")
def approve(
    proposal_id: int,
    body: DecisionIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_APPROVE))],
) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        number = policy_versions.approve(uow, principal, proposal_id, body.note)
    return {"version": number}


@router.post("/proposals/{proposal_id}/refusal")
def refuse(
    proposal_id: int,
    body: DecisionIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.POLICY_APPROVE))],
) -> dict[str, str]:
    with db.unit_of_work() as uow:
        policy_versions.refuse(uow, principal, proposal_id, body.note)
    return {"status": "refused"}


@router.get("/acknowledgement")
def my_acknowledgement(
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> dict[str, Any]:
    """Which version (if any) this account must still acknowledge before posting."""
    with db.reading() as uow:
        pending = policy_versions.pending_acknowledgement(uow, principal.user_id)
    return {"pending_version": pending.version if pending else None}


@router.post("/acknowledgement")
def acknowledge(
    body: AckIn,
    db: Annotated[Database, Depends(database)],
    principal: Annotated[Principal, Depends(require(Permission.SELF_SERVICE))],
) -> dict[str, Any]:
    with db.unit_of_work() as uow:
        first = policy_versions.acknowledge(uow, principal, body.version)
    return {"version": body.version, "first": first}


@router.get("/versions/{number}/acknowledgements")
def acknowledgements(
    number: int,
    db: Annotated[Database, Depends(database)],
    _p: Annotated[Principal, Depends(require(Permission.POLICY_STATUS))],
) -> dict[str, Any]:
    with db.reading() as uow:
        rows = policy_versions.acknowledgement_status(uow, number)
    done = [r for r in rows if r.acknowledged_at]
    return {
        "version": number,
        "acknowledged": len(done),
        "total": len(rows),
        "items": [
            {
                "username": r.username,
                "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
            }
            for r in rows
        ],
    }
