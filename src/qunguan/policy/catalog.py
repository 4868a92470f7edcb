"""The clause catalog: every requirement-bearing sentence of the seven regulations.

``clauses.yaml`` is the project's copy of the requirements (one entry per clause, with a
stable id such as ``s2-2.2.3``, the verbatim text, a mode and an acceptance check).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

_FILE = Path(__file__).parent / "clauses.yaml"
MODES = ("automatic", "workflow", "scheduled", "report", "human")


@dataclass(frozen=True)
class Clause:
    id: str
    preset: str
    text: str
    requirement: str
    area: str
    mode: str
    check: str

    @property
    def section(self) -> int:
        """The regulation's own section number (``s2-2.3.1`` → 2; ``s3-closing`` → 99)."""
        head = self.id.split("-", 1)[1].split(".")[0]
        digits = "".join(ch for ch in head if ch.isdigit())
        return int(digits) if digits else 99


@dataclass(frozen=True)
class PresetInfo:
    id: str
    variant: str
    title: str
    clauses: tuple[Clause, ...]


@cache
def presets() -> dict[str, PresetInfo]:
    data = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    out: dict[str, PresetInfo] = {}
    for entry in data["presets"]:
        clauses = tuple(
            Clause(
                id=c["id"],
                preset=entry["id"],
                text=" ".join(str(c["text"]).split()),
                requirement=c["requirement"],
                area=c["area"],
                mode=c["mode"],
                check=c["check"],
            )
            for c in entry["clauses"]
        )
        out[entry["id"]] = PresetInfo(entry["id"], entry["variant"], entry["title"], clauses)
    return out


@cache
def clauses() -> dict[str, Clause]:
    return {c.id: c for p in presets().values() for c in p.clauses}


def clause(clause_id: str) -> Clause:
    try:
        return clauses()[clause_id]
    except KeyError:
        raise KeyError(f"unknown clause id {clause_id!r}") from None
