"""The policy as a regulation document: numbered chapters and articles, page, .docx, PDF.

Every article is a clause of the regulation in its own words, followed by what the system
does about it under the policy in force (the setting's current value, the workflow, the
job, the report, or the record it keeps for people). Change a setting and the text changes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from qunguan.domain.errors import DomainError, ErrorKind
from qunguan.policy.capabilities import KINDS
from qunguan.policy.catalog import Clause, presets
from qunguan.policy.document import Policy, Settings, setting_value

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (article numbers)."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = (
        ""
        if rest == 0
        else (
            "零" + chinese_number(rest)
            if rest < 10
            else ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest))
        )
    )
    return _DIGITS[n // 100] + "百" + tail


@dataclass(frozen=True)
class Article:
    number: int
    clause_id: str
    text: str
    enforcement: str
    interpretation: str = ""

    @property
    def label(self) -> str:
        return f"第{chinese_number(self.number)}条"


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    articles: tuple[Article, ...]

    @property
    def label(self) -> str:
        return f"第{chinese_number(self.number)}章"


@dataclass(frozen=True)
class Regulation:
    title: str
    agency: str
    preset: str
    version: int | None
    chapters: tuple[Chapter, ...]

    def articles(self) -> list[Article]:
        return [a for c in self.chapters for a in c.articles]


_ON_OFF = {True: "是", False: "否"}
_ACTIONS = {
    "block": "拦截，不予发送",
    "hold": "暂缓发送，交管理员审核",
    "confirm": "提示发送人确认",
    "warn": "发送并提醒",
    "record": "发送并记录",
    "pass": "不作处理",
}
_CATEGORIES = {
    "political": "违法和反动内容",
    "obscene": "色情低俗内容",
    "violent": "暴力内容",
    "gambling_fraud": "赌博诈骗内容",
    "advertising": "商业广告",
    "abusive": "辱骂攻击言论",
    "rumour": "未经证实的消息",
    "confidential": "涉密内容",
    "classification_marking": "带密级标志的内容",
    "red_header_document": "红头文件和发文字号",
    "personal_data": "他人个人信息",
}
_APPROVERS = {
    "superior_unit": "上级单位",
    "department_head": "分管领导",
    "leader": "局领导",
    "office": "办公室",
}
_STEPS = {
    "warning": "警告",
    "mute": "禁言",
    "suspension": "暂停使用",
    "removal": "移出群聊",
    "public_criticism": "通报批评",
    "demotion": "降级处理",
    "escalation": "移交领导或人事部门",
}
_FORMATS = {
    "full_name": "姓名（全称）",
    "unit_name": "单位+姓名",
    "department_name": "部门+姓名",
    "unit_department_name": "单位+部门+姓名",
    "name_post": "姓名（职务）",
    "unit_name_post": "单位-姓名（职务）",
}
_PUBLISHERS = {
    "office": "办公室",
    "leader": "局领导",
    "authorised_department": "经局领导授权的股（室）",
}
_LINKS = {
    "allow_all": "不限制链接",
    "hold_unknown": "非可信域名的链接交管理员审核",
    "block_unknown": "拦截非可信域名的链接",
}


def _every(days: int | None, what: str) -> str:
    return f"每 {days} 天{what}" if days else f"不定期{what}"


def describe_setting(settings: Settings, path: str) -> str:
    """The system's side of an article, in words, from the settings in force."""
    s = settings
    g, m, p = s.groups, s.membership, s.posting
    content = p.content
    texts: dict[str, Any] = {
        "groups": lambda: f"建群须经{_APPROVERS[g.approver]}审批，申请须写明用途和类型",
        "groups.approver": lambda: f"建群申请由{_APPROVERS[g.approver]}审批",
        "groups.must_declare_purpose": lambda: "建群申请必须写明工作用途",
        "groups.types": lambda: "可设立的群类型：" + "、".join(g.types),
        "groups.owner_must_be_party_member": lambda: (
            "群主须为党员" if g.owner_must_be_party_member else "群主资格不限于党员"
        ),
        "groups.owner_from_office": lambda: (
            "群管理员须由办公室人员担任" if g.owner_from_office else "群管理员由群主指定"
        ),
        "groups.max_members": lambda: (
            f"每个群最多 {g.max_members} 人" if g.max_members else "群人数不设上限"
        ),
        "groups.naming": lambda: (
            f"群名称 {g.naming.min_length}–{g.naming.max_length} 字，不得重名"
            + ("，不得含敏感词" if g.naming.forbid_sensitive_words else "")
            + {
                "refuse": "，不得含通讯录人员姓名",
                "warn": "，含人员姓名时须确认并记录",
                "allow": "",
            }[g.naming.forbid_person_names]
        ),
        "membership": lambda: (
            "成员由"
            + "、".join({"owner": "群主", "group_admin": "群管理员"}[i] for i in m.inviters)
            + "邀请"
        ),
        "membership.inviters": lambda: (
            "只有"
            + "、".join({"owner": "群主", "group_admin": "群管理员"}[i] for i in m.inviters)
            + "可以邀请成员；其他成员只能提出申请"
        ),
        "membership.invitee_must_consent": lambda: (
            "被邀请人须本人同意后方可入群" if m.invitee_must_consent else "被邀请人直接入群"
        ),
        "membership.display_name_format": lambda: (
            f"群内显示名由通讯录生成，格式为“{_FORMATS[m.display_name_format]}”，不能自行修改"
        ),
        "membership.audit_every_days": lambda: _every(m.audit_every_days, "核查一次群成员"),
        "membership.onboarding": lambda: (
            "新成员须阅读并确认本制度后方可发言" + ("，并通过制度测验" if m.onboarding.quiz else "")
        ),
        "posting": lambda: (
            f"每人每分钟最多发送 {p.rate_limit_per_minute} 条消息"
            if p.rate_limit_per_minute
            else "不限制发送频率"
        ),
        "posting.rate_limit_per_minute": lambda: (
            f"每人每分钟最多发送 {p.rate_limit_per_minute} 条消息"
            if p.rate_limit_per_minute
            else "不限制发送频率"
        ),
        "posting.red_envelopes_forbidden": lambda: (
            "平台不提供红包、转账和电子礼券功能，相关请求一律拒绝"
        ),
        "posting.links": lambda: (
            _LINKS[p.links.mode] + "；可信域名：" + "、".join(p.links.trusted_domains)
        ),
        "posting.links.remind_to_verify_forwarded": lambda: "转发外部信息前提示发送人核实",
        "posting.content": lambda: (
            "发送前自动检查："
            + "；".join(
                f"{_CATEGORIES[k]}{_ACTIONS[v]}"
                for k, v in content.model_dump().items()
                if k in _CATEGORIES
            )
        ),
        "posting.content.off_topic_reports": lambda: "成员可将与工作无关的信息提交管理员处理",
        "files": lambda: f"单个文件不超过 {s.files.max_size_mb} MB，上传前检查文件名和内容",
        "files.max_size_mb": lambda: f"单个文件不超过 {s.files.max_size_mb} MB",
        "notices": lambda: (
            "通知由" + "、".join(_PUBLISHERS[x] for x in s.notices.publishers) + "发布"
        ),
        "notices.publishers": lambda: (
            "只有" + "、".join(_PUBLISHERS[x] for x in s.notices.publishers) + "可以发布通知和公告"
        ),
        "notices.reply_means_delivery": lambda: (
            "需回复的通知，成员一经确认即记为送达，系统保存送达记录"
        ),
        "notices.absorb_bare_acknowledgements": lambda: "无需回复的通知，单纯的“收到”回复不再刷屏",
        "notices.pin_until_deadline": lambda: "通知置顶至截止时间",
        "patrol.monthly_usage_report": lambda: (
            "每月向群管理员报送本群使用情况：活跃成员、消息数量、通知确认率、问询响应时长、违规次数"
        ),
        "notices.announcement_stale_days": lambda: (
            (
                "群公告须写明" + "、".join(s.notices.announcement_sections) + "，"
                if s.notices.announcement_sections
                else "群公告"
            )
            + (
                f"超过 {s.notices.announcement_stale_days} 天未更新的，提醒群管理员更新"
                if s.notices.announcement_stale_days
                else "由群管理员及时更新"
            )
        ),
        "notices.leader_approval_for_sensitive": lambda: "敏感通知须经局领导审批后发布",
        "notices.remind_every_hours": lambda: (
            f"每 {s.notices.remind_every_hours} 小时提醒未确认的成员"
        ),
        "responsiveness.respond_within_minutes": lambda: (
            f"工作问询须在 {s.responsiveness.respond_within_minutes} 分钟内回应，超时提醒并计入报表"
            if s.responsiveness.respond_within_minutes
            else "统计工作问询的响应时长"
        ),
        "responsiveness": lambda: "统计工作问询的响应时长",
        "responsiveness.questions_answer_within_hours": lambda: (
            f"成员在群内提出的问题和建议，群管理员须在 {s.responsiveness.questions_answer_within_hours} 个工作小时内答复，超时提醒并计入报表"
            if s.responsiveness.questions_answer_within_hours
            else "群管理员答复成员的问题和建议，系统记录答复时长"
        ),
        "sanctions.ladder": lambda: (
            "处理梯度：" + " → ".join(_STEPS[x] for x in s.sanctions.ladder)
        ),
        "reports.mode": lambda: (
            "举报人身份"
            + (
                "仅安全管理员可知，加密保存"
                if s.reports.mode == "confidential"
                else "完全匿名，不作记录"
            )
        ),
        "records": lambda: (
            f"群记录{'每日' if s.records.backup == 'daily' else '每周'}备份，保存不少于 {s.records.retention_days} 天"
            if s.records.backup != "off"
            else f"群记录保存不少于 {s.records.retention_days} 天"
        ),
        "governance": lambda: "制度修改由安全管理员提出、局领导批准，新版本须全体成员确认",
        "governance.approver": lambda: "制度的解释和修改由局领导批准",
        "governance.members_reacknowledge": lambda: (
            "制度更新后通知全体成员，成员确认新版本后方可继续发言"
        ),
    }
    maker = texts.get(path)
    if maker is not None:
        return str(maker())
    section, _, leaf = path.rpartition(".")
    if section == "posting.content" and leaf in _CATEGORIES:
        return f"发送前自动检查，{_CATEGORIES[leaf]}{_ACTIONS[getattr(content, leaf)]}"
    value = setting_value(settings, path)
    if isinstance(value, bool):
        value = _ON_OFF[value]
    return f"系统设置 {path}：{value}"


def _job_or_report(settings: Settings, kind: str, name: str) -> str | None:
    """Jobs and reports whose schedule or threshold the settings give."""
    s = settings
    texts: dict[tuple[str, str], str | None] = {
        ("job", "membership_audit"): _every(
            s.membership.audit_every_days,
            "核查群成员，列出不应在群内或未实名的人员，由管理员确认移出",
        )
        if s.membership.audit_every_days
        else None,
        ("job", "patrol"): _every(
            s.patrol.every_days,
            "生成巡查任务，逾期未完成的上报"
            + ("办公室" if s.patrol.overdue_escalates_to == "office" else "局领导"),
        )
        if s.patrol.every_days
        else None,
        ("job", "regulation_reannounce"): _every(
            s.records.reannounce_regulation_every_days, "在群内重申群规"
        )
        if s.records.reannounce_regulation_every_days
        else None,
        (
            "job",
            "inactivity_check",
        ): f"连续 {s.membership.inactivity_days} 天无活动的成员，提请群主与所在部门确认后移出"
        if s.membership.inactivity_days
        else None,
        ("workflow", "membership_requests"): "增减群成员由群主或群管理员提出并说明理由，经"
        + _APPROVERS[s.groups.approver.value]
        + "批准后生效"
        + ("（受邀人仍须本人同意）" if s.membership.invitee_must_consent else "")
        if s.membership.changes_need_approval
        else None,
        ("job", "backup"): {
            "daily": "每日自动备份群记录",
            "weekly": "每周自动备份群记录",
            "off": None,
        }[s.records.backup],
        (
            "job",
            "profile_confirmation",
        ): f"每 {s.membership.profile_confirm_every_days} 天提示成员核对本人姓名、职务和联系方式，{s.membership.profile_confirm_grace_days} 天内未确认的列入管理员报表"
        if s.membership.profile_confirm_every_days
        else None,
        ("job", "leaver_removal"): "人员在通讯录中标记为离职或调离后，"
        + (
            f"{s.membership.leaver_grace_hours} 小时内"
            if s.membership.leaver_grace_hours
            else "立即"
        )
        + "移出相关工作群并通知群主",
        (
            "report",
            "presence",
        ): f"按每个工作日不少于 {s.presence.min_online_hours_per_workday:g} 小时统计在线时长，报告未达标人员（仅统计，不作限制）"
        if s.presence.min_online_hours_per_workday
        else None,
        (
            "report",
            "responsiveness",
        ): f"统计工作问询的响应时长，超过 {s.responsiveness.respond_within_minutes} 分钟未回应的提醒并列入报表"
        if s.responsiveness.respond_within_minutes
        else None,
    }
    return texts.get((kind, name))


def describe_target(policy: Policy, target: str) -> str:
    kind, _, name = target.partition(":")
    if kind == "setting":
        return describe_setting(policy.settings, name)
    specific = _job_or_report(policy.settings, kind, name)
    if specific:
        return specific if kind == "workflow" else "系统" + specific
    return {"job": "系统", "report": "系统提供", "workflow": "", "human": ""}[kind] + KINDS[kind][
        name
    ]


def build(policy: Policy, version: int | None = None) -> Regulation:
    regulation = presets()[policy.preset]
    by_section: dict[int, list[Clause]] = {}
    for c in regulation.clauses:
        by_section.setdefault(c.section, []).append(c)
    chapters: list[Chapter] = []
    number = 0
    for index, section in enumerate(sorted(by_section), start=1):
        articles = []
        for c in by_section[section]:
            number += 1
            articles.append(
                Article(
                    number,
                    c.id,
                    c.text,
                    describe_target(policy, policy.clause_map[c.id]),
                    policy.interpretations.get(c.id, ""),
                )
            )
        title = policy.chapters.get(section) or ("附则" if section == 99 else f"第{section}部分")
        chapters.append(Chapter(index, title, tuple(articles)))
    return Regulation(policy.title, policy.agency, policy.preset, version, tuple(chapters))


def article_of(regulation: Regulation, clause_id: str) -> Article:
    for article in regulation.articles():
        if article.clause_id == clause_id:
            return article
    raise KeyError(clause_id)


# .docx ---------------------------------------------------------------------------------


def to_docx(regulation: Regulation) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"{regulation.agency}{regulation.title}")
    run.bold = True
    run.font.size = Pt(20)
    if regulation.version is not None:
        sub = doc.add_paragraph(f"（第 {regulation.version} 版）")
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for chapter in regulation.chapters:
        head = doc.add_paragraph()
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        head_run = head.add_run(f"{chapter.label}　{chapter.title}")
        head_run.bold = True
        head_run.font.size = Pt(15)
        for article in chapter.articles:
            para = doc.add_paragraph()
            label = para.add_run(f"{article.label}　")
            label.bold = True
            para.add_run(article.text)
            note = doc.add_paragraph()
            note_run = note.add_run(
                f"【系统执行】{article.enforcement}（条款 {article.clause_id}）"
            )
            note_run.font.size = Pt(10)
            if article.interpretation:
                doc.add_paragraph().add_run(f"【释义】{article.interpretation}").font.size = Pt(10)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# PDF -----------------------------------------------------------------------------------

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def find_cjk_font(configured: str = "") -> str:
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    raise DomainError("policy.pdf_font_missing", ErrorKind.UNAVAILABLE)


PDF_FONT = "QunguanCJK"


def register_pdf_font(font_path: str = "") -> str:
    """Register the CJK font reportlab embeds (a subset of) in every PDF, once; its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(PDF_FONT, find_cjk_font(font_path), subfontIndex=0))
    return PDF_FONT


def to_pdf(regulation: Regulation, font_path: str = "") -> bytes:
    """A PDF that embeds (a subset of) its own CJK font, so it reads the same anywhere."""
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    font = register_pdf_font(font_path)
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    note = ParagraphStyle(
        "note", parent=body, fontSize=9, leading=14, textColor="#555555", leftIndent=8 * mm
    )
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=TA_CENTER)
    chapter = ParagraphStyle(
        "chapter",
        parent=body,
        fontSize=13,
        leading=22,
        alignment=TA_CENTER,
        spaceBefore=8,
        spaceAfter=4,
    )
    story: list[Any] = [Paragraph(f"{regulation.agency}{regulation.title}", title)]
    if regulation.version is not None:
        story.append(Paragraph(f"（第 {regulation.version} 版）", chapter))
    story.append(Spacer(1, 6 * mm))
    for ch in regulation.chapters:
        story.append(Paragraph(f"{ch.label}　{ch.title}", chapter))
        for article in ch.articles:
            story.append(Paragraph(f"<b>{article.label}</b>　{pdf_escape(article.text)}", body))
            story.append(
                Paragraph(
                    f"【系统执行】{pdf_escape(article.enforcement)}（条款 {article.clause_id}）",
                    note,
                )
            )
            if article.interpretation:
                story.append(Paragraph(f"【释义】{pdf_escape(article.interpretation)}", note))
    out = io.BytesIO()
    generated = datetime.now(UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=regulation.title,
        author="Qunguan",
        subject=f"{regulation.preset} · {generated}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    pdf.build(story)
    return out.getvalue()


def pdf_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
