"""The delivery ledger as files an office keeps: a spreadsheet, and a PDF certificate.

The certificate states the notice as published, its content hash and the audit record that
carries the same hash, and every acknowledgement with its time, exactly as in the database
when it was generated; it embeds its own CJK font, so it reads the same anywhere.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from qunguan.domain.actor import Principal
from qunguan.policy.render import pdf_escape, register_pdf_font
from qunguan.policy.rules import notices as rules
from qunguan.services import audit
from qunguan.services.notices import publishing as notices
from qunguan.services.notices.publishing import Ledger
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.repositories.notices import NoticeRepository
from qunguan.tabular import write_xlsx

_HOW = {"tap": "点击确认", "reply": "回复确认"}
LEDGER_HEADERS = ("姓名", "工号", "部门", "职务", "工作群", "确认时间", "确认方式")


def _local(at: datetime | None, zone: str) -> str:
    if at is None:
        return ""
    return at.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S")


def _full_ledger(uow: UnitOfWork, principal: Principal, notice_id: int) -> tuple[Ledger, str]:
    ledger = notices.ledger(uow, principal, notice_id, limit=None)
    zone = policy_versions.require_current(uow).policy.settings.calendar.timezone
    audit.record(
        uow,
        principal.actor(),
        "notice.ledger_exported",
        target_type="notice",
        target_id=notice_id,
        summary={"acknowledged": ledger.acknowledged, "recipients": ledger.recipients},
    )
    return ledger, zone


def _rows(ledger: Ledger, zone: str, *, acknowledged_first: bool = False) -> list[list[str]]:
    groups = {t.group_id: t.group_name for t in ledger.groups}
    people = ledger.rows
    if acknowledged_first:  # the certificate: the proof first, in the order it came
        acknowledged = sorted(
            (r for r in people if r.acknowledged_at is not None), key=attrgetter("acknowledged_at")
        )
        people = acknowledged + [r for r in people if r.acknowledged_at is None]
    return [
        [
            r.name,
            r.staff_no,
            r.department,
            r.post,
            groups.get(r.group_id, ""),
            _local(r.acknowledged_at, zone) or "未确认",
            _HOW.get(r.how or "", ""),
        ]
        for r in people
    ]


def ledger_xlsx(uow: UnitOfWork, principal: Principal, notice_id: int) -> bytes:
    ledger, zone = _full_ledger(uow, principal, notice_id)
    summary = [
        [t.group_name, t.recipients, t.acknowledged, t.recipients - t.acknowledged]
        for t in ledger.groups
    ]
    summary.append(
        [
            "合计（每人计一次）",
            ledger.recipients,
            ledger.acknowledged,
            ledger.recipients - ledger.acknowledged,
        ]
    )
    return write_xlsx(
        [
            ("送达名单", LEDGER_HEADERS, _rows(ledger, zone)),
            ("按工作群统计", ("工作群", "应确认", "已确认", "未确认"), summary),
        ]
    )


def certificate_pdf(
    uow: UnitOfWork, principal: Principal, notice_id: int, font_path: str = ""
) -> bytes:
    """The PDF delivery certificate of a notice (篇二 三.1: 与传统形式发布的信息具有同等效力)."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    ledger, zone = _full_ledger(uow, principal, notice_id)
    n = ledger.notice
    stored = NoticeRepository(uow.session).get(notice_id)
    intact = stored is not None and notices.recompute_hash(uow, stored) == n.content_hash
    font = register_pdf_font(font_path)
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=TA_CENTER)
    head = ParagraphStyle("head", parent=body, fontSize=12.5, leading=20, spaceBefore=8)

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(pdf_escape(text), style)

    facts = [
        ("通知标题", n.title),
        (
            "版本",
            f"第 {n.version} 版" + (f"（更正第 {n.version - 1} 版）" if n.supersedes_id else ""),
        ),
        ("发布单位", n.issuer),
        ("发布人", f"{n.publisher}（{rules.PUBLISHER_NAMES.get(n.authority, n.authority)}）"),
        ("发布时间", _local(n.published_at, zone)),
        (
            "回复要求",
            "须回复确认，一经回复即视为送达" if n.reply_required else "无需回复，遵照执行",
        ),
        ("截止时间", _local(n.deadline, zone) or "无"),
        ("内容哈希 (SHA-256)", n.content_hash),
        (
            "哈希核验",
            "按存档内容重新计算，一致"
            if intact
            else "按存档内容重新计算，不一致：内容可能已被改动",
        ),
        ("审计记录", f"第 {n.audit_seq} 条（记录同一哈希）" if n.audit_seq else ""),
        (
            "送达情况",
            f"应确认 {ledger.recipients} 人，已确认 {ledger.acknowledged} 人，"
            f"未确认 {ledger.recipients - ledger.acknowledged} 人",
        ),
    ]
    story: list[object] = [p("通知送达证明", title), Spacer(1, 4 * mm)]
    table = Table([[p(k, small), p(v, small)] for k, v in facts], colWidths=[38 * mm, 132 * mm])
    table.setStyle(_grid(header="column"))
    story += [table, p("通知正文", head)]
    story += [p(line) for line in n.body.splitlines() if line.strip()]
    if n.attachments:
        story.append(p("附件", head))
        story += [p(f"{a['name']}（{a['size']} 字节）", small) for a in n.attachments]
    story.append(p("确认名单", head))
    rows = [[p(h, small) for h in LEDGER_HEADERS]]
    rows += [
        [p(str(c), small) for c in row] for row in _rows(ledger, zone, acknowledged_first=True)
    ]
    widths = [20 * mm, 18 * mm, 28 * mm, 22 * mm, 32 * mm, 32 * mm, 18 * mm]
    listing = Table(rows, colWidths=widths, repeatRows=1)
    listing.setStyle(_grid(header="row"))
    story += [listing, Spacer(1, 6 * mm)]
    story.append(
        p(
            f"本证明由群管系统于 {_local(ledger.generated_at, zone)} 根据数据库中的送达记录生成；"
            "内容哈希可由通知内容重新计算核对，并与审计日志中的发布记录一致。",
            small,
        )
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"通知送达证明 - {n.title}",
        author="群管 Qunguan",
    )
    doc.build(story)
    return out.getvalue()


def _grid(header: str) -> Any:
    """Thin grey rules; the first column (a facts table) or row (a listing) shaded."""
    from reportlab.lib import colors
    from reportlab.platypus import TableStyle

    shaded = (0, -1) if header == "column" else (-1, 0)
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), shaded, colors.HexColor("#f0f3f7")),
        ]
    )
