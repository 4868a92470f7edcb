"""The shapes the API answers in.

A route returns a service's view (a frozen dataclass, or a pydantic model such as
``MessageView``) and declares it as its return type: FastAPI takes it as the response
model, so the OpenAPI document names its fields, and writes dates and times as ISO
strings, tuples as lists and enums as their values. The small models here wrap views in
the answers many routes share.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Items(BaseModel, Generic[T]):
    """A list answer: ``{"items": [...]}``."""

    items: list[T]


class Counted(BaseModel, Generic[T]):
    """One page of a longer list, with how many there are in all."""

    total: int
    items: list[T]


class Status(BaseModel):
    """What became of a request that has nothing else to say."""

    status: str


def files(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entry of a download route: the file types it answers with, not JSON.
    Use with ``response_class=Response``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": "A file", "content": dict.fromkeys(media_types, binary)}}


def plain(obj: Any) -> dict[str, Any]:
    """A view dataclass as a dict, dates and times as ISO strings (for the pages)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in obj.__dict__.items()}
