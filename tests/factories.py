"""Test data made through the services, with the personas the tests speak of."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pyotp

from qunguan.config import Settings
from qunguan.domain.access import Role, needs_second_factor
from qunguan.domain.actor import Actor, Principal
from qunguan.services.accounts import management as accounts
from qunguan.services.accounts import second_factor
from qunguan.services.directory import people as directory
from qunguan.services.uow import Database
from qunguan.tabular import write_xlsx

PASSWORD = "Kx7!harbour-lamp"
# The key that seals confidential reporters, for every app, server and command the suite
# starts: given to each, so that none creates (or races another process to create) a key
# file in the working directory, and the test process can read what a server sealed.
REPORT_KEY = bytes(range(32))
REPORT_KEY_HEX = REPORT_KEY.hex()


def app_settings(database_url: str) -> Settings:
    """The settings of an app the suite starts in its own process."""
    return Settings(database_url=database_url, report_key=REPORT_KEY_HEX)


HEADERS = ["工号", "姓名", "单位", "部门", "职务", "手机号", "党员", "在职状态", "状态日期"]
ORG = [
    ["青山县财政局", "办公室", ""],
    ["青山县财政局", "预算股", ""],
    ["青山县财政局", "信息中心", ""],
    ["城关街道办事处", "党政办", ""],
]
PEOPLE = [
    ["L01", "周建国", "青山县财政局", "办公室", "局长", "13907310001", "是", "在职", ""],
    ["O01", "王丽娟", "青山县财政局", "办公室", "科员", "13907310004", "否", "在职", ""],
    ["M01", "孙浩然", "青山县财政局", "预算股", "科员", "13907310008", "否", "在职", ""],
    ["M02", "吴晓敏", "青山县财政局", "预算股", "科员", "13907310009", "是", "在职", ""],
    ["A01", "高婷婷", "青山县财政局", "信息中心", "系统管理员", "13907310017", "否", "在职", ""],
    ["U01", "罗文斌", "青山县财政局", "信息中心", "审计管理员", "13907310016", "是", "在职", ""],
]
# username -> (roles, staff number)
PERSONAS: dict[str, tuple[list[str], str]] = {
    "leader": (["leader"], "L01"),
    "office": (["office"], "O01"),
    "member": (["member"], "M01"),
    "admin": (["system_admin"], "A01"),
    "auditor": (["auditor"], "U01"),
    "security": (["security_admin"], ""),
}


def org_workbook(people: Sequence[Sequence[object]] | None = None) -> bytes:
    return write_xlsx(
        [
            ("人员", HEADERS, people if people is not None else PEOPLE),
            ("单位部门", ["单位", "部门", "上级单位"], ORG),
        ]
    )


SETUP = Actor.system("test-setup")
# username -> TOTP secret, for the personas whose role requires a second factor
TOTP_SECRETS: dict[str, str] = {}


def totp_code(username: str) -> str:
    """What the persona's authenticator app shows half a minute from now: the enrolment
    spent the current step, and each step is accepted once."""
    return pyotp.TOTP(TOTP_SECRETS[username]).at(time.time() + 30)


def enrol_second_factor(db: Database, username: str) -> str:
    """Enrol TOTP the way the page does: issue a secret, confirm it with a code."""
    with db.unit_of_work() as uow:
        view = next(u for u in accounts.list_accounts(uow) if u.username == username)
        roles = frozenset(Role(r) for r in view.roles)
        principal = Principal(view.id, username, roles, view.person_id)
        secret = second_factor.begin_enrolment(uow, principal).secret
        second_factor.confirm_enrolment(uow, principal, pyotp.TOTP(secret).now())
    TOTP_SECRETS[username] = secret
    return secret


def seed_agency(db: Database, *, must_change_password: bool = False) -> None:
    """The directory and one account per persona; governing personas enrolled in TOTP."""
    with db.unit_of_work() as uow:
        directory.import_directory(uow, SETUP, "seed.xlsx", org_workbook())
        for username, (roles, staff_no) in PERSONAS.items():
            accounts.create_user(
                uow,
                SETUP,
                username,
                PASSWORD,
                roles,
                staff_no=staff_no or None,
                must_change_password=must_change_password,
            )
    for username, (roles, _staff_no) in PERSONAS.items():
        if needs_second_factor(Role(r) for r in roles):
            enrol_second_factor(db, username)


def principal(db: Database, username: str) -> Principal:
    """The persona as a service sees them (no session)."""
    with db.reading() as uow:
        view = next(u for u in accounts.list_accounts(uow) if u.username == username)
    return Principal(view.id, username, frozenset(Role(r) for r in view.roles), view.person_id)
