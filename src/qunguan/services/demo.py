"""The demo agency: a county bureau with its units, departments, people and accounts.

Built through the same services as real data: the people arrive by a directory import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from qunguan.domain.access import Role
from qunguan.domain.actor import Actor, Principal
from qunguan.domain.directory import ORG_COLUMNS, ORG_SHEET, PEOPLE_COLUMNS, PEOPLE_SHEET
from qunguan.policy.rules.membership import GroupRole
from qunguan.policy.workcalendar import add_working_minutes, workday_bounds
from qunguan.services import online_time
from qunguan.services.accounts import management as accounts
from qunguan.services.accounts.credentials import principal_of
from qunguan.services.conduct import message_admin, patrols, reports
from qunguan.services.directory import people as directory
from qunguan.services.groups import announcements
from qunguan.services.groups import lifecycle as groups
from qunguan.services.membership import members
from qunguan.services.messages import conversation as messages
from qunguan.services.notices import acknowledgements
from qunguan.services.notices import grants as notice_grants
from qunguan.services.notices import publishing as notices
from qunguan.services.policy import versions as policy_versions
from qunguan.services.uow import UnitOfWork
from qunguan.store.models import PresenceInterval
from qunguan.store.repositories.accounts import AccountRepository
from qunguan.store.repositories.conduct import ConductRepository
from qunguan.store.repositories.directory import DirectoryRepository
from qunguan.store.repositories.groups import GroupRepository
from qunguan.store.repositories.messages import MessageRepository
from qunguan.store.repositories.notices import NoticeRepository
from qunguan.store.repositories.online_time import OnlineTimeRepository
from qunguan.tabular import write_xlsx

DEMO_PASSWORD = "Qunguan@2026"

ORG = [
    ("青山县人民政府", "", ""),
    ("青山县财政局", "办公室", "青山县人民政府"),
    ("青山县财政局", "预算股", "青山县人民政府"),
    ("青山县财政局", "国库股", "青山县人民政府"),
    ("青山县财政局", "信息中心", "青山县人民政府"),
    ("青山县财政局", "局领导", "青山县人民政府"),
    ("城关街道办事处", "党政办", "青山县人民政府"),
    ("城关街道办事处", "社会事务办", "青山县人民政府"),
]

# staff no, name, unit, department, post, mobile, party member, status, status date
PEOPLE = [
    ("CZ001", "周建国", "青山县财政局", "局领导", "局长", "13907310001", True),
    ("CZ002", "刘海燕", "青山县财政局", "局领导", "副局长", "13907310002", True),
    ("CZ003", "陈晓峰", "青山县财政局", "办公室", "办公室主任", "13907310003", True),
    ("CZ004", "王丽娟", "青山县财政局", "办公室", "科员", "13907310004", False),
    ("CZ005", "李明辉", "青山县财政局", "办公室", "文书", "13907310005", True),
    ("CZ006", "张伟", "青山县财政局", "预算股", "股长", "13907310006", True),
    ("CZ007", "赵静怡", "青山县财政局", "预算股", "副股长", "13907310007", True),
    ("CZ008", "孙浩然", "青山县财政局", "预算股", "科员", "13907310008", False),
    ("CZ009", "吴晓敏", "青山县财政局", "预算股", "科员", "13907310009", False),
    ("CZ010", "郑国强", "青山县财政局", "国库股", "股长", "13907310010", True),
    ("CZ011", "冯雪梅", "青山县财政局", "国库股", "会计", "13907310011", False),
    ("CZ012", "黄志勇", "青山县财政局", "国库股", "出纳", "13907310012", False),
    ("CZ013", "林小雨", "青山县财政局", "国库股", "科员", "13907310013", True),
    ("CZ014", "何俊杰", "青山县财政局", "信息中心", "主任", "13907310014", True),
    ("CZ015", "马艳红", "青山县财政局", "信息中心", "安全管理员", "13907310015", True),
    ("CZ016", "罗文斌", "青山县财政局", "信息中心", "审计管理员", "13907310016", True),
    ("CZ017", "高婷婷", "青山县财政局", "信息中心", "系统管理员", "13907310017", False),
    ("CZ018", "谢振华", "青山县财政局", "预算股", "科员", "13907310018", False),
    ("CZ019", "宋佳琪", "青山县财政局", "办公室", "科员", "13907310019", False),
    ("CZ020", "唐国庆", "青山县财政局", "国库股", "科员", "13907310020", True),
    ("JD001", "韩卫东", "城关街道办事处", "党政办", "主任", "13807320001", True),
    ("JD002", "曹丽萍", "城关街道办事处", "党政办", "副主任", "13807320002", True),
    ("JD003", "彭志明", "城关街道办事处", "党政办", "干事", "13807320003", False),
    ("JD004", "邓晓燕", "城关街道办事处", "社会事务办", "主任", "13807320004", True),
    ("JD005", "许文杰", "城关街道办事处", "社会事务办", "干事", "13807320005", False),
    ("JD006", "傅海涛", "城关街道办事处", "社会事务办", "网格员", "13807320006", False),
    ("JD007", "沈梦琪", "城关街道办事处", "社会事务办", "网格员", "13807320007", False),
    ("JD008", "曾庆华", "城关街道办事处", "党政办", "干事", "13807320008", True),
    ("JD009", "吕春燕", "城关街道办事处", "社会事务办", "干事", "13807320009", False),
    ("JD010", "苏建平", "城关街道办事处", "党政办", "干事", "13807320010", False),
]
# One person who has already left, so the directory shows every status.
LEAVER = ("CZ021", "蒋振宇", "青山县财政局", "预算股", "科员", "13907310021", False)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    staff_no: str
    label: str


DEMO_LOGINS = [
    DemoLogin("leader", Role.LEADER, "CZ001", "局领导 周建国"),
    DemoLogin("office", Role.OFFICE, "CZ004", "办公室 王丽娟（群主）"),
    DemoLogin("owner", Role.MEMBER, "CZ006", "预算股股长 张伟（群管理员）"),
    DemoLogin("member", Role.MEMBER, "CZ008", "预算股科员 孙浩然"),
    DemoLogin("admin", Role.SYSTEM_ADMIN, "CZ017", "系统管理员 高婷婷"),
    DemoLogin("security", Role.SECURITY_ADMIN, "CZ015", "安全管理员 马艳红"),
    DemoLogin("auditor", Role.AUDITOR, "CZ016", "审计管理员 罗文斌"),
]


def demo_workbook() -> bytes:
    people = [
        [no, name, unit, dept, post, mobile, "是" if party else "否", "在职", ""]
        for no, name, unit, dept, post, mobile, party in PEOPLE
    ]
    no, name, unit, dept, post, mobile, _party = LEAVER
    people.append([no, name, unit, dept, post, mobile, "否", "离职", "2026-09-30"])
    units_only = [[u, d, p] for u, d, p in ORG if d]
    return write_xlsx(
        [
            (PEOPLE_SHEET, [c.header_zh for c in PEOPLE_COLUMNS], people),
            (ORG_SHEET, [c.header_zh for c in ORG_COLUMNS], units_only),
        ]
    )


DEMO_PRESET = "s2"


def seed_demo(uow: UnitOfWork) -> bool:
    """Create what the demo agency lacks; return False if it was all there already.

    Each part is seeded on its own, so a database from an older demo gains what later
    versions of the demo added (the regulation, for one).
    """
    repo = DirectoryRepository(uow.session)
    actor = Actor.system("demo")
    created = False
    if repo.count_people() == 0:
        # The county government is the superior unit that the import's parent column names.
        if repo.unit_by_name("青山县人民政府") is None:
            repo.add_unit("青山县人民政府")
        directory.import_directory(uow, actor, "demo.xlsx", demo_workbook())
        created = True
    existing = AccountRepository(uow.session)
    for login in DEMO_LOGINS:
        if existing.by_username(login.username) is None:
            accounts.create_user(
                uow,
                actor,
                login.username,
                DEMO_PASSWORD,
                [login.role.value],
                staff_no=login.staff_no,
                must_change_password=False,
            )
            created = True
    if policy_versions.current(uow) is None:
        policy_versions.adopt_preset(uow, actor, DEMO_PRESET, agency="青山县财政局")
        created = True
    if not GroupRepository(uow.session).groups():
        _seed_groups(uow)
        created = True
    if not MessageRepository(uow.session).any_message():
        _seed_conversation(uow)
        created = True
    if not ConductRepository(uow.session).any_report():
        _seed_keeping_order(uow)
        created = True
    if not NoticeRepository(uow.session).recent(1):
        _seed_notices(uow)
        created = True
    return created


def _as(uow: UnitOfWork, username: str) -> Principal:
    user = AccountRepository(uow.session).by_username(username)
    assert user is not None
    return principal_of(user)


def _seed_groups(uow: UnitOfWork) -> None:
    """A budget group with its members, one invitation still open, one application pending."""
    owner, office, member = (_as(uow, n) for n in ("owner", "office", "member"))
    everyone = groups.apply(
        uow,
        owner,
        groups.ApplicationForm(
            "青山县财政局-全体干部职工",
            "department",
            "全局工作通知、公告与日常联络",
            "CZ004",
            scope_unit="青山县财政局",
            unit_wide=True,
        ),
    )
    groups.decide(uow, office, everyone.id, approve=True, note="按制度建立全员工作群")
    application = groups.apply(
        uow,
        owner,
        groups.ApplicationForm(
            "预算股-年度预算编制", "department", "2027 年度部门预算编制、审核和报送", "CZ004"
        ),
    )
    group = groups.decide(uow, office, application.id, approve=True, note="同意建群")
    assert group is not None
    for user, staff_no in ((owner, "CZ006"), (member, "CZ008")):
        invitation = members.invite(uow, office, group.id, staff_no, "预算编制工作需要")
        members.respond(uow, user, invitation.id, accept=True)
    members.set_role(uow, office, group.id, "CZ006", GroupRole.GROUP_ADMIN)
    members.invite(uow, office, group.id, "CZ001", "请局领导掌握预算编制进度")
    groups.apply(
        uow,
        member,
        groups.ApplicationForm(
            "预算股-预算执行分析",
            "project",
            "按月分析预算执行进度，形成分析报告",
            "CZ004",
            end_date=uow.now().date() + timedelta(days=120),
        ),
    )


# The budget group's conversation: (sender, text, reply to seq).
CONVERSATION = (
    (
        "office",
        "各位好，2027 年度部门预算编制工作启动，请各股室于 12 月 10 日前报送基础数据表。",
        None,
    ),
    ("owner", "收到。基础数据表模板已放在共享盘“预算编制/2027”目录。", 1),
    ("member", "请问人员经费按 11 月底在编人数测算吗？", None),
    ("owner", "是的，按 11 月 30 日在编在岗人数，退休人员单列。", 3),
    ("office", "本周四下午 3 点在三楼会议室召开预算编制推进会，请各股室负责人参加。", None),
    ("member", "好的，我们股室按时参会。", 5),
    ("owner", "推进会材料已汇总，会前请大家先看第二部分的项目支出说明。", None),
)


def _seed_conversation(uow: UnitOfWork) -> None:
    """A conversation in the budget group, a pinned meeting notice filed under 会议, and one
    message held for review (the content engine held it: abusive language)."""
    by_name = {g.name: g for g in GroupRepository(uow.session).groups()}
    group = by_name["预算股-年度预算编制"]
    people = {n: _as(uow, n) for n in ("office", "owner", "member")}
    in_force = policy_versions.require_current(uow)
    for principal in people.values():
        policy_versions.acknowledge(uow, principal, in_force.version)
    messages.send(
        uow,
        people["office"],
        by_name["青山县财政局-全体干部职工"].id,
        messages.Draft("demo-all-1", "请各股室本周五前完成年底安全检查自查，并将自查表报办公室。"),
    )
    for i, (who, text, reply) in enumerate(CONVERSATION, start=1):
        messages.send(
            uow, people[who], group.id, messages.Draft(f"demo-{i}", text, reply_to_seq=reply)
        )
    owner = people["owner"]
    messages.set_pin(uow, owner, group.id, 5, True)
    messages.define_category(uow, owner, group.id, "会议")
    messages.categorise(uow, owner, group.id, 5, "会议", ("推进会",))
    messages.send(
        uow, people["member"], group.id, messages.Draft("demo-held", "这种表格谁设计的，真是脑残")
    )


def _seed_notices(uow: UnitOfWork) -> None:
    """A reply-required notice to everyone with some acknowledgements still outstanding, a
    no-reply duty roster on top of the budget group, a leader's authorisation of the budget
    department, an assignment waiting for an answer, and a day of online time."""
    by_name = {g.name: g for g in GroupRepository(uow.session).groups()}
    everyone, budget = by_name["青山县财政局-全体干部职工"], by_name["预算股-年度预算编制"]
    office, leader, owner = (_as(uow, n) for n in ("office", "leader", "owner"))
    in_force = policy_versions.require_current(uow)
    policy_versions.acknowledge(uow, leader, in_force.version)
    summary = notices.publish(
        uow,
        office,
        notices.NoticeDraft(
            "关于做好 2026 年度工作总结的通知",
            "各股室：\n请于本月 20 日前将本股室 2026 年度工作总结（3000 字以内）报办公室，"
            "同时抄送分管局领导。总结须包括主要工作、存在问题和 2027 年工作打算。\n"
            "收到请点击“确认收到”。",
            (everyone.id,),
            reply_required=True,
            deadline=uow.now() + timedelta(days=5),
        ),
    )
    acknowledgements.acknowledge(uow, owner, summary.id)
    acknowledgements.acknowledge(uow, leader, summary.id)
    notices.publish(
        uow,
        office,
        notices.NoticeDraft(
            "元旦假期值班安排",
            "1 月 1 日至 1 月 3 日由预算股张伟、国库股郑国强轮流值班，值班电话 0731-5550123。"
            "无需回复，请值班人员遵照执行。",
            (budget.id,),
            reply_required=False,
            deadline=uow.now() + timedelta(days=25),
        ),
    )
    announcements.save(
        uow,
        owner,
        budget.id,
        {
            "公告": "本群用于 2027 年度部门预算编制、审核和报送。12 月 10 日前报基础数据表，"
            "12 月 20 日前完成初审。资料统一放共享盘“预算编制/2027”。"
        },
    )
    department = DirectoryRepository(uow.session).person_by_staff_no("CZ006")
    assert department is not None
    notice_grants.grant(
        uow,
        leader,
        department.department_id,
        90,
        "年度预算编制期间由预算股直接发布相关通知",
        [budget.id],
    )
    member = DirectoryRepository(uow.session).person_by_staff_no("CZ008")
    assert member is not None
    messages.send(
        uow,
        owner,
        budget.id,
        messages.Draft(
            "demo-assignment",
            "@孙浩然 请今天下班前把人员经费测算表发我，谢谢。",
            mentions=(member.id,),
            expects="assignment",
        ),
    )
    _seed_presence(uow)


def _seed_presence(uow: UnitOfWork) -> None:
    """The last workday's connections of a few people, so the online-time report has a day."""
    settings = policy_versions.require_current(uow).policy.settings
    if not online_time.tracking(settings):
        return
    day = online_time.last_workday(settings, uow.now().date())
    bounds = workday_bounds(settings.calendar, day)
    if bounds is None:
        return
    repo = OnlineTimeRepository(uow.session)
    people = DirectoryRepository(uow.session)
    for staff_no, minutes in (("CZ004", 420), ("CZ006", 330), ("CZ008", 190), ("CZ001", 90)):
        person = people.person_by_staff_no(staff_no)
        if person is None:
            continue
        end = add_working_minutes(settings.calendar, bounds[0], minutes)
        repo.add(
            PresenceInterval(
                person_id=person.id, started_at=bounds[0], last_seen_at=end, ended_at=end
            )
        )


def _seed_keeping_order(uow: UnitOfWork) -> None:
    """Keeping order in the budget group: ``member`` reports an off-topic message of the
    group admin (the queue shows the report, never who filed it), the meeting notice is a
    decision record, and this week's patrol is open with its checklist."""
    group = next(
        g for g in GroupRepository(uow.session).groups() if g.name == "预算股-年度预算编制"
    )
    owner, office, member = (_as(uow, n) for n in ("owner", "office", "member"))
    sent = messages.send(
        uow, owner, group.id, messages.Draft("demo-off-topic", "周五下班后聚餐，AA 制，报名接龙～")
    )
    assert sent.message is not None
    form = reports.ReportForm(
        "message", "上班时间在工作群组织聚餐", sent.message.seq, "", "off_topic"
    )
    reports.file_report(uow, member, group.id, form)
    message_admin.mark_decision(uow, office, group.id, 5, "预算编制推进会：周四 15:00 三楼会议室")
    patrols.schedule(uow)
