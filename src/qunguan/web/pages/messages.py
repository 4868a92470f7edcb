"""The chat page: the groups with their unread counts, and one conversation beside them;
the inquiries page: what waits for my answer, and time to first answer where I manage.

The server renders the latest page of a conversation so it reads on first paint; then
``static/chat.js`` takes over from the same data and keeps it live over the stream.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup, escape

from qunguan.domain.access import Permission
from qunguan.domain.actor import Principal
from qunguan.i18n import DEFAULT_LOCALE, catalog, translate
from qunguan.services.conduct import sanctions
from qunguan.services.groups import lifecycle as groups
from qunguan.services.membership import members
from qunguan.services.messages import alerts, inquiries
from qunguan.services.messages import conversation as messages
from qunguan.services.notices import publishing as notices
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import Database
from qunguan.web.api.encoding import plain
from qunguan.web.deps import database, locale_of, require
from qunguan.web.pages.rendering import render

router = APIRouter(include_in_schema=False)
Member = Annotated[Principal, Depends(require(Permission.GROUPS))]
Db = Annotated[Database, Depends(database)]

# The same tokens chat.js recognises, so the first paint and the live page agree.
_TOKENS = re.compile(
    r"(?P<link>https?://[^\s<>\"'，。；！？（）【】、]+)"
    r"|\*\*(?P<bold>.+?)\*\*"
    r"|(?P<mention>(?<![A-Za-z0-9_.])@[^\s@，。,:：;；!！?？、]{1,20})"
)


def rich(text: str) -> Markup:
    """A message body as HTML: every piece of the text escaped, then line breaks, bold,
    http(s) links and @mentions wrapped around the escaped pieces."""
    lines = []
    for line in text.split("\n"):
        out, last = [], 0
        for match in _TOKENS.finditer(line):
            out.append(escape(line[last : match.start()]))
            if match.group("link"):
                url = escape(match.group("link"))
                out.append(
                    Markup(
                        '<a href="{0}" rel="noopener noreferrer" target="_blank">{0}</a>'
                    ).format(url)
                )
            elif match.group("bold"):
                out.append(Markup("<strong>{}</strong>").format(match.group("bold")))
            else:
                out.append(Markup('<span class="mention">{}</span>').format(match.group("mention")))
            last = match.end()
        out.append(escape(line[last:]))
        lines.append(Markup("").join(out))
    return Markup("<br>").join(lines)


def snippet(text: str, limit: int = 40) -> str:
    """One line of a body for quotes and the pinned bar, without its formatting marks."""
    flat = " ".join(re.sub(r"\*\*(.+?)\*\*", r"\1", text).split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _days(zone: str) -> dict[str, str]:
    now = datetime.now(UTC).astimezone(ZoneInfo(zone))
    return {
        "today": now.strftime("%Y-%m-%d"),
        "yesterday": (now - timedelta(days=1)).strftime("%Y-%m-%d"),
    }


def _strings(locale: str) -> dict[str, str]:
    """What the script says, unformatted: it fills in ``{n}`` and the like itself."""
    keys = [k for k in catalog(DEFAULT_LOCALE) if k.startswith(("chat.", "groups.types."))]
    return {k.removeprefix("chat."): translate(k, locale) for k in keys}


def _quotes(page: messages.Page) -> dict[int, dict[str, str]]:
    """What each reply quotes, where the quoted message is on the page."""
    by_seq = {m.seq: m for m in page.messages}
    out = {}
    for m in page.messages + page.held:
        quoted = by_seq.get(m.reply_to_seq)
        if quoted is not None and m.reply_to_seq is not None:
            out[m.reply_to_seq] = {"name": quoted.sender.name, "body": snippet(quoted.body)}
    return out


def _conversation(db: Database, principal: Principal, group_id: int) -> dict[str, Any]:
    with db.reading() as uow:
        group = groups.group_view(uow, principal, group_id)
        page = messages.history(uow, principal, group_id)
        mutes = [
            plain(r)
            for r in sanctions.restrictions_in_force(uow, principal, group_id)
            if r.person_id == principal.person_id
        ]
        roster = members.members(uow, principal, group_id)
        categories = messages.categories(uow, principal, group_id)
        can = groups.abilities(uow, principal, group_id)
    return {
        "group": plain(group),
        "page": {
            "messages": [m.wire for m in page.messages],
            "pinned": [m.wire for m in page.pinned],
            "held": [m.wire for m in page.held],
            "last_seq": page.last_seq,
            "read_seq": page.read_seq,
        },
        "quotes": _quotes(page),
        "mutes": mutes,
        "categories": categories,
        "roster": [{"person_id": m.person_id, "name": m.display_name} for m in roster],
        "can_post": can.post,
        "can_manage": can.manage,
    }


def _chat(request: Request, db: Database, principal: Principal, group_id: int | None) -> Response:
    with db.reading() as uow:
        mine = [plain(g) for g in groups.my_groups(uow, principal) if g.my_role is not None]
        unread = {str(g): n for g, n in messages.unread(uow, principal).items()}
        last = messages.latest(uow, principal, [g["id"] for g in mine])
        muted = alerts.muted_groups(uow, principal)
        acks = {
            str(n): at.isoformat() if at else None
            for n, at in notices.my_acknowledgements(uow, principal).items()
        }
    # Like any chat: the group with the newest message first, its last line shown.
    for g in mine:
        latest = last.get(g["id"])
        g["last"] = latest.wire if latest else None
    mine.sort(key=lambda g: g["last"]["created_at"] if g["last"] else "", reverse=True)
    current = _conversation(db, principal, group_id) if group_id is not None else None
    if current is not None and all(g["id"] != group_id for g in mine):
        mine.append(current["group"])  # the office reading a group it is not in
    zone = request.app.state.settings.display_timezone
    locale = locale_of(request)
    data = {
        "me": principal.person_id,
        "locale": locale,
        "timezone": zone,
        "groups": mine,
        "unread": unread,
        "current": current,
        # Notices delivered to me -> when I acknowledged them (null: not yet).
        "acks": acks,
        # Groups whose alerts I silenced (urgent notices alert all the same).
        "muted": muted,
    }
    context = {
        "data": data,
        "current": current,
        "strings": _strings(locale),
        "rich": rich,
        "snippet": snippet,
        "at": _parse,
        **_days(zone),
    }
    return render(request, "messages/index.html", context)


@router.get("/chat")
def chat_page(request: Request, db: Db, principal: Member) -> Response:
    return _chat(request, db, principal, None)


@router.get("/chat/{group_id}")
def conversation_page(group_id: int, request: Request, db: Db, principal: Member) -> Response:
    return _chat(request, db, principal, group_id)


@router.get("/inquiries")
def inquiries_page(
    request: Request, db: Db, principal: Member, group_id: int | None = None
) -> Response:
    with db.reading() as uow:
        settings = policy_versions.require_current(uow).policy.settings
        mine = inquiries.waiting_on_me(uow, principal, settings)
        managed = inquiries.managed_groups(uow, principal)
        chosen = group_id or (managed[0].id if managed else None)
        report = inquiries.report(uow, principal, settings, chosen) if chosen is not None else []
    context = {"mine": mine, "managed": managed, "chosen": chosen, "report": report}
    return render(request, "messages/inquiries.html", context)
