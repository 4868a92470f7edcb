"""Every route declares the permission it needs, in one place."""

from __future__ import annotations

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from qunguan.web.app import ROUTERS
from qunguan.web.deps import Require


def declared(dependant: Dependant) -> list[Require]:
    found = [d.call for d in dependant.dependencies if isinstance(d.call, Require)]
    for sub in dependant.dependencies:
        found += declared(sub)
    return found


def test_every_route_declares_exactly_one_permission() -> None:
    routes = [r for router in ROUTERS for r in router.routes]
    assert len(routes) > 10
    assert all(isinstance(r, APIRoute) for r in routes)
    missing = [
        f"{sorted(r.methods or ())} {r.path}"
        for r in routes
        if isinstance(r, APIRoute) and len(declared(r.dependant)) != 1
    ]
    assert missing == []
