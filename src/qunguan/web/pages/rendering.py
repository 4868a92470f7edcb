"""Template rendering with the locale, the principal and the CSRF token in reach."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from qunguan.domain.access import Permission
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.i18n import Translator
from qunguan.services import notifications
from qunguan.services.notices import publishing as notices
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.web.deps import CSRF_FIELD, database, locale_of, principal_of
from qunguan.web.errors import STATUS_OF, error_with_citations, render_error

T = TypeVar("T")

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


# The display zone of the app rendering the page now: two apps in one process each keep
# their own (the filter cannot see the request inside an imported macro).
_display_zone: ContextVar[str] = ContextVar("display_zone", default="Asia/Shanghai")


def _local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time in the agency's zone (the ``local`` filter)."""
    if value is None:
        return ""
    zone = ZoneInfo(_display_zone.get())
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
            pending = policy_versions.pending_acknowledgement(uow, principal.user_id)
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
    zone = _display_zone.set(request.app.state.settings.display_timezone)
    try:  # the template is rendered here, in this call
        return templates.TemplateResponse(
            request, name, {**base, **(context or {})}, status_code=status
        )
    finally:
        _display_zone.reset(zone)


def local_today(request: Request) -> date:
    """Today in the agency's display time zone."""
    zone = ZoneInfo(request.app.state.settings.display_timezone)
    return database(request).clock.now().replace(tzinfo=UTC).astimezone(zone).date()


def act(
    request: Request,
    action: Callable[[UnitOfWork], T],
    *,
    done: str | Callable[[T], str],
    on_error: Callable[[dict[str, Any], int], Response] | None = None,
) -> Response:
    """Run one use case in its own transaction; on success, 303 to ``done`` (a path, or a
    function of the outcome).

    A refusal keeps the status the API gives it (``web.errors.STATUS_OF``, the one table):
    ``on_error(error, status)`` draws the form's page again with the error and its
    citations; without it, or when the refusal is "not found" or "sign in first", the
    error page answers exactly as for any other request, so a form never tells more.
    """
    try:
        with database(request).unit_of_work() as uow:
            outcome = action(uow)
    except DomainError as exc:
        if on_error is None or exc.kind in (ErrorKind.NOT_FOUND, ErrorKind.UNAUTHENTICATED):
            return render_error(request, exc)
        return on_error(error_with_citations(request, exc), STATUS_OF[exc.kind])
    return RedirectResponse(done(outcome) if callable(done) else done, status_code=303)
