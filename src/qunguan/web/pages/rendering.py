"""Template rendering with the locale, the principal and the CSRF token in reach."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from qunguan.domain.access import Permission
from qunguan.i18n import Translator
from qunguan.services import notices, notifications, policy_admin
from qunguan.web.deps import CSRF_FIELD, database, locale_of, principal_of

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


def _local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the agency's zone (the ``local`` filter)."""
    if value is None:
        return ""
    zone = ZoneInfo(templates.env.globals.get("display_timezone", "Asia/Shanghai"))  # type: ignore[arg-type]
    return value.replace(tzinfo=UTC).astimezone(zone).strftime(fmt)


templates.env.filters["local"] = _local_time


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    locale = locale_of(request)
    principal = principal_of(request)
    # Mid-way through sign-in the navigation offers nothing but the way out.
    complete = principal is not None and not (
        principal.second_factor_pending
        or principal.second_factor_setup_required
        or principal.must_change_password
    )
    granted = principal.permissions if principal and complete else frozenset()
    policy_pending = None
    notices_pending = unread = 0
    if principal is not None and complete:
        with database(request).reading() as uow:
            pending = policy_admin.pending_acknowledgement(uow, principal.user_id)
            if Permission.GROUPS in granted:
                notices_pending = notices.outstanding_count(uow, principal)
                unread = notifications.unread_count(uow, principal)
        policy_pending = pending.version if pending else None
    base = {
        "t": Translator(locale),
        "locale": locale,
        "principal": principal,
        "signed_in_fully": complete,
        "policy_pending": policy_pending,
        # Reply-required notices I have not acknowledged: the badge on the nav.
        "notices_pending": notices_pending,
        # Notifications not yet read: the badge on 提醒.
        "notifications_unread": unread,
        "can": lambda perm: Permission(perm) in granted,
        "csrf_field": CSRF_FIELD,
        "csrf_token": principal.csrf_token if principal else "",
        "path": request.url.path,
    }
    return templates.TemplateResponse(
        request, name, {**base, **(context or {})}, status_code=status
    )
