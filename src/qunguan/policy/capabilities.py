"""What carries out a clause besides a setting: workflows, scheduled jobs, reports, people.

Each name here is a capability the platform has or is building; the clause map may name
only these (and real setting paths), so a typo cannot hide an unmapped clause.
The descriptions are what the generated regulation says the system does.
"""

from __future__ import annotations

WORKFLOWS: dict[str, str] = {
    "group_application": "建群申请须经审批，审批通过后方可建群，并指定群主负责",
    "group_dissolution": "工作完成或到期的群由群主或办公室解散并归档，归档后只读",
    "ownership_transfer": "群主变更须明确交接并记录，群主离职时由办公室指定继任者",
    "membership_requests": "成员只能提出入群申请，由群主或群管理员审核",
    "review_queue": "待审内容、举报、申诉和检查发现统一进入审核队列，由管理员处理并留痕",
    "sanctions": "违规处理按处分梯度提出建议，由管理员决定并记录所依据的条款",
    "reports": "成员可以举报违规内容，举报人身份受保护，举报在期限内处理",
    "message_admin": "管理员可删除、隐去或标注不当信息，原文留存供审计",
    "policy_change": "制度修改由安全管理员提出、局领导批准，发布新版本并通知全体成员确认",
    "notice_publication": "通知由授权人员发布，需回复的通知一经回复即视为送达",
    "case_escalation": "严重违规形成案卷，移交领导或人事部门处理",
    "backup_restore": "群记录定期备份，可按需恢复",
    "activities": "群内活动由管理员组织并记录",
}

JOBS: dict[str, str] = {
    "membership_audit": "定期核查群成员，发现不应在群内或未实名的人员",
    "leaver_removal": "人员离职或调离后自动移出工作群并通知群主",
    "group_expiry": "到期的群自动提醒复核，按制度冻结或解散",
    "patrol": "定期生成巡查任务，逾期未完成的上报办公室",
    "inactivity_check": "长期不活跃的成员提请群主与所在部门确认后移出",
    "notice_reminders": "只提醒尚未确认的成员，逾期名单报送发布人和部门负责人",
    "regulation_reannounce": "定期在群内重申群规",
    "backup": "按计划自动备份群记录",
    "policy_review": "定期提示管理员检查和评估制度执行情况",
    "profile_confirmation": "定期提示成员核对本人姓名、职务和联系方式，逾期未确认的列入管理员报表",
}

REPORTS: dict[str, str] = {
    "compliance": "合规情况统计报表",
    "responsiveness": "工作问询响应时长统计",
    "presence": "工作日在线时长统计（仅统计，不作限制）",
    "membership": "群成员变动和核查结果报表",
    "policy_feedback": "成员对制度的意见建议汇总",
}

# For clauses only people can carry out: what the system does instead.
HUMAN: dict[str, str] = {
    "training": "系统在成员入群和制度更新时推送制度全文并记录确认，培训由单位组织",
    "conduct": "系统在显著位置展示该要求，违规行为按制度处理并留有记录",
    "organisation": "系统记录承担该职责的机构和人员，供检查",
    "legal": "系统保存相关记录作为证据，移交有关部门依法处理",
    "review": "系统保存制度版本和修改记录，供定期评估",
}

KINDS: dict[str, dict[str, str]] = {
    "workflow": WORKFLOWS,
    "job": JOBS,
    "report": REPORTS,
    "human": HUMAN,
}
