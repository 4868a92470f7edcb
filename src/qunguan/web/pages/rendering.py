"""Template rendering with the locale, the principal and the CSRF token in reach."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qunguan.domain.access import Permission
from qunguan.i18n import Translator
from qunguan.web.deps import CSRF_FIELD, locale_of, principal_of

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    principal = principal_of(request)
    granted = principal.permissions if principal else frozenset()
    base = {
        "t": Translator(locale),
        "locale": locale,
        "principal": principal,
        "can": lambda perm: Permission(perm) in granted,
        "csrf_field": CSRF_FIELD,
        "csrf_token": principal.csrf_token if principal else "",
        "path": request.url.path,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
