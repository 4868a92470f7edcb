"""The composition root: settings, database, routers, error mapping, static files."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from qunguan.config import Settings
from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.jobs import scheduler
from qunguan.realtime.hub import Hub
from qunguan.realtime.redis_relay import RedisRelay, channel_for
from qunguan.services import audit, online_time, term_lists
from qunguan.services.conduct import reports
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import check_durability, make_engine
from qunguan.web import errors, ws
from qunguan.web.api import audit as api_audit
from qunguan.web.api import directory as api_directory
from qunguan.web.api import health
from qunguan.web.api import membership as api_membership
from qunguan.web.api import notifications as api_notifications
from qunguan.web.api import online_time as api_online_time
from qunguan.web.api import policy as api_policy
from qunguan.web.api import term_lists as api_content
from qunguan.web.api import usage as api_usage
from qunguan.web.api.accounts import admin as api_users
from qunguan.web.api.accounts import own as api_account
from qunguan.web.api.accounts import sign_in as api_auth

# Keeping order: review queue, reports, sanctions, message administration.
from qunguan.web.api.conduct import message_admin as api_message_admin
from qunguan.web.api.conduct import reports as api_reports
from qunguan.web.api.conduct import review as api_review
from qunguan.web.api.conduct import sanctions as api_sanctions
from qunguan.web.api.groups import announcements as api_announcements
from qunguan.web.api.groups import lifecycle as api_groups
from qunguan.web.api.messages import alerts as api_alerts
from qunguan.web.api.messages import conversation as api_messages
from qunguan.web.api.messages import inquiries as api_inquiries
from qunguan.web.api.notices import acknowledgements as api_acknowledgements
from qunguan.web.api.notices import grants as api_notice_grants
from qunguan.web.api.notices import publishing as api_notices
from qunguan.web.api.notices import records as api_notice_records
from qunguan.web.pages import audit as pages_audit
from qunguan.web.pages import conduct as pages_review
from qunguan.web.pages import directory as pages_directory
from qunguan.web.pages import membership as pages_membership
from qunguan.web.pages import messages as pages_chat
from qunguan.web.pages import notices as pages_notices
from qunguan.web.pages import notifications as pages_notifications
from qunguan.web.pages import online_time as pages_online_time
from qunguan.web.pages import policy as pages_policy
from qunguan.web.pages import term_lists as pages_content
from qunguan.web.pages import usage as pages_usage
from qunguan.web.pages.accounts import admin as pages_admin
from qunguan.web.pages.accounts import own as pages_account
from qunguan.web.pages.accounts import sign_in as pages_auth
from qunguan.web.pages.groups import announcements as pages_announcements
from qunguan.web.pages.groups import lifecycle as pages_groups

_STATIC = Path(__file__).parent / "static"

# Every router of the app, API first; the route-permission test walks this list.
ROUTERS = (
    health.router,
    api_auth.router,
    api_account.router,
    api_directory.router,
    api_groups.router,
    api_membership.router,
    api_messages.router,
    api_notices.router,
    api_acknowledgements.router,
    api_notice_records.router,
    api_notice_grants.router,
    api_announcements.router,
    api_alerts.router,
    api_inquiries.router,
    api_notifications.router,
    api_online_time.router,
    api_usage.router,
    api_users.router,
    api_audit.router,
    api_policy.router,
    api_content.router,
    pages_auth.router,
    pages_account.router,
    pages_directory.router,
    pages_admin.router,
    pages_audit.router,
    pages_policy.router,
    pages_groups.router,
    pages_membership.router,
    pages_chat.router,
    pages_notices.router,
    pages_announcements.router,
    pages_notifications.router,
    pages_usage.router,
    pages_online_time.router,
    pages_content.router,
    api_review.router,
    api_reports.router,
    api_sanctions.router,
    api_message_admin.router,
    pages_review.router,
)
# WebSocket routes authenticate in their handler (``deps.socket_principal``).
SOCKETS = (ws.router,)


def check_database(database: Database) -> None:
    """Refuse to serve from a database that is out of date or would not keep its writes."""
    check_durability(database.engine)
    current, head = migrate.current_revision(database.engine), migrate.head_revision()
    if current != head:
        raise DomainError(
            "store.schema_outdated",
            ErrorKind.UNAVAILABLE,
            params={"current": current or "(empty)", "head": head},
        )


async def _presence_heartbeat(database: Database, open_intervals: set[int]) -> None:
    """Keep this process's open presence intervals alive, in one statement a minute."""
    while True:
        await asyncio.sleep(online_time.HEARTBEAT_SECONDS)
        ids = list(open_intervals)
        if ids:
            try:
                await asyncio.to_thread(_touch, database, ids)
            except Exception:
                logging.getLogger("qunguan.presence").exception("presence heartbeat failed")


def _touch(database: Database, ids: list[int]) -> None:
    with database.unit_of_work() as uow:
        online_time.heartbeat(uow, ids)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    audit.configure(settings.audit_hash)
    reports.configure_key(reports.load_key(settings))
    database = Database(make_engine(settings.database_url))
    hub = Hub()
    # With Redis, every process delivers what it hears on the channel, its own events too.
    relay = (
        RedisRelay(settings.redis_url, hub, channel_for(settings.database_url))
        if settings.redis_url
        else None
    )
    database.subscribe_live(relay.publish if relay else hub.publish)
    open_intervals: set[int] = set()  # presence intervals of this process's open streams

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        background: list[asyncio.Task[None]] = []
        try:
            check_database(database)
            with database.reading() as uow:  # the agency's lists, before the first message
                term_lists.apply(uow)
            hub.bind(asyncio.get_running_loop())
            if relay is not None:
                background.append(asyncio.create_task(relay.run()))
                await asyncio.wait_for(relay.ready.wait(), timeout=10)
            if settings.scheduler:
                background.append(asyncio.create_task(scheduler.run_forever(database)))
            background.append(asyncio.create_task(_presence_heartbeat(database, open_intervals)))
            yield
        finally:
            for task in background:
                task.cancel()
            if relay is not None:
                relay.close()
            database.engine.dispose()

    app = FastAPI(
        title="Qunguan API",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.hub = hub
    app.state.presence = open_intervals
    errors.install(app)
    limit = settings.max_upload_bytes + 64 * 1024  # an upload plus its form fields

    @app.middleware("http")
    async def refuse_oversized_bodies(request: Request, call_next: Any) -> Response:
        """Refuse a body larger than any upload we accept before anything reads it."""
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            error = DomainError(
                "file.too_large", params={"limit": settings.max_upload_bytes // (1024 * 1024)}
            )
            return errors.render_error(request, error)
        response: Response = await call_next(request)
        return response

    for router in ROUTERS + SOCKETS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    return app
