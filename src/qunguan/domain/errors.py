"""One error type for every refusal the domain makes.

An error carries a stable machine code (``directory.row_invalid``), the parameters its
message needs, structured details (which field, which row) and the clause ids it enforces.
It carries no HTTP status: ``web/errors.py`` is the one place that maps a kind to a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from enum import Enum
from typing import Any


class ErrorKind(Enum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    CONFLICT = "conflict"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class ErrorDetail:
    """One precise thing that was wrong: a field, optionally in a row and column of a file."""

    code: str
    field: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, Any] = dc_field(default_factory=dict)


class DomainError(Exception):
    """A refusal with a stable code; the message text comes from the message catalogs."""

    def __init__(
        self,
        code: str,
        kind: ErrorKind = ErrorKind.INVALID,
        *,
        params: dict[str, Any] | None = None,
        details: list[ErrorDetail] | None = None,
        clause_ids: tuple[str, ...] = (),
    ) -> None:
        super().__init__(code)
        self.code = code
        self.kind = kind
        self.params = params or {}
        self.details = details or []
        self.clause_ids = clause_ids

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.kind.value}, details={len(self.details)})"


def not_found(what: str) -> DomainError:
    return DomainError(f"{what}.not_found", ErrorKind.NOT_FOUND)
