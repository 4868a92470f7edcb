"""JSON of the services' view dataclasses."""

from __future__ import annotations

from typing import Any


def plain(obj: Any) -> dict[str, Any]:
    """A view dataclass as JSON: dates and times as ISO strings."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in obj.__dict__.items()}
