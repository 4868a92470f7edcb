"""Benchmark: directory import, audit verification and sign-in, on SQLite. Prints JSON.

    .venv/bin/python bench/directory_and_auth.py [--people 10000]

Measures, on a fresh database in a temporary folder:
- importing N people from .xlsx (validate + diff + write, one transaction), and again (no-op);
- re-importing the file with 1% of the rows changed (the diff path);
- exporting the directory to .xlsx;
- verifying an audit chain of N records;
- one password sign-in with the production argon2id parameters (p50 of 20).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from qunguan.config import Settings
from qunguan.domain.actor import Actor
from qunguan.services import audit
from qunguan.services.accounts import management as accounts
from qunguan.services.accounts import sessions
from qunguan.services.directory import people as directory
from qunguan.services.uow import Database
from qunguan.store import migrate
from qunguan.store.db import make_engine
from qunguan.tabular import write_xlsx

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
HEADERS = ["工号", "姓名", "单位", "部门", "职务", "手机号", "党员", "在职状态", "状态日期"]
ORG = [[f"单位{u}", f"股室{d}", ""] for u in range(10) for d in range(10)]
ACTOR = Actor.system("bench")


def people(n: int, changed_every: int = 0) -> list[list[object]]:
    rows = []
    for i in range(n):
        name = SURNAMES[i % 20] + GIVEN[(i // 20) % 24] + GIVEN[(i // 480) % 24]
        post = "股长" if changed_every and i % changed_every == 0 else "科员"
        rows.append(
            [
                f"P{i:06d}",
                name,
                f"单位{i % 10}",
                f"股室{(i // 10) % 10}",
                post,
                f"139{i:08d}",
                "是" if i % 3 == 0 else "否",
                "在职",
                "",
            ]
        )
    return rows


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    n = args.people
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        db = Database(engine)
        first = write_xlsx(
            [("人员", HEADERS, people(n)), ("单位部门", ["单位", "部门", "上级单位"], ORG)]
        )
        changed = write_xlsx(
            [("人员", HEADERS, people(n, 100)), ("单位部门", ["单位", "部门", "上级单位"], ORG)]
        )

        def run(data: bytes) -> directory.ImportReport:
            with db.unit_of_work() as uow:
                return directory.import_directory(uow, ACTOR, "people.xlsx", data)

        report, t_first = timed(lambda: run(first))
        assert len(report.diff.created) == n
        report, t_again = timed(lambda: run(first))
        assert report.diff.is_empty
        report, t_diff = timed(lambda: run(changed))
        assert len(report.diff.updated) == n // 100

        def export() -> bytes:
            with db.unit_of_work() as uow:
                return directory.export_directory(uow, ACTOR, "xlsx")

        _, t_export = timed(export)

        with db.unit_of_work() as uow:
            for i in range(n):
                audit.record(
                    uow, ACTOR, "bench.event", target_type="bench", target_id=i, summary={"i": i}
                )

        def verify() -> audit.Verification:
            with db.reading() as uow:
                return audit.verify(uow)

        result, t_verify = timed(verify)
        assert result.broken is None

        with db.unit_of_work() as uow:
            accounts.create_user(
                uow, ACTOR, "bencher", "Bench-Password-2026", ["member"], must_change_password=False
            )
        settings = Settings(database_url=url)
        sign_ins = []
        for _ in range(20):

            def sign_in() -> sessions.SignInOutcome:
                with db.unit_of_work() as uow:
                    return sessions.sign_in(uow, settings, "bencher", "Bench-Password-2026")

            outcome, t = timed(sign_in)
            assert outcome.session is not None
            sign_ins.append(t)
        engine.dispose()
    print(
        json.dumps(
            {
                "people": n,
                "import_first_s": round(t_first, 3),
                "import_first_rows_per_s": round(n / t_first),
                "reimport_unchanged_s": round(t_again, 3),
                "reimport_1pct_changed_s": round(t_diff, 3),
                "export_xlsx_s": round(t_export, 3),
                "audit_verify_records": result.checked,
                "audit_verify_s": round(t_verify, 3),
                "audit_verify_records_per_s": round(result.checked / t_verify),
                "sign_in_p50_ms": round(statistics.median(sign_ins) * 1000, 1),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
