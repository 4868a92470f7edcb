"""The qunguan command, as an administrator types it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from qunguan.cli.main import app
from tests.factories import PASSWORD, org_workbook
from tests.factories import REPORT_KEY_HEX as KEY

runner = CliRunner()


def qunguan(url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        app,
        list(args),
        env={"QUNGUAN_DATABASE_URL": url, "QUNGUAN_LOCALE": "zh", "QUNGUAN_REPORT_KEY": KEY},
        input=stdin,
    )
    return result.exit_code, result.output


class TestInitAndDemo:
    def test_init_demo_and_again_reuse_the_database(self, tmp_path: Path) -> None:
        """The real console script, as `make run` calls it."""
        env = {
            **os.environ,
            "QUNGUAN_DATABASE_URL": f"sqlite:///{tmp_path}/q.db",
            "QUNGUAN_REPORT_KEY": KEY,
        }
        for _ in range(2):
            for command in (["init"], ["demo"]):
                done = subprocess.run(
                    [sys.executable, "-m", "qunguan.cli.main", *command],
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=120,
                    check=False,
                )
                assert done.returncode == 0, done.stderr
        assert "演示数据已存在" in done.stdout
        assert "office" in done.stdout
        assert "Qunguan@2026" in done.stdout

    def test_commands_refuse_an_uninitialised_database(self, database_url: str) -> None:
        code, output = qunguan(database_url, "directory", "export", "x.xlsx")
        assert code == 1
        assert "qunguan init" in output


class TestDirectoryCommands:
    def test_import_bad_file_exits_non_zero_and_names_rows(
        self, migrated_url: str, tmp_path: Path
    ) -> None:
        bad = tmp_path / "bad.csv"
        bad.write_text(
            "工号,姓名,单位,部门,手机号\nX1,赵六,无此单位,办公室,123\n", encoding="utf-8"
        )
        code, output = qunguan(migrated_url, "directory", "import", str(bad))
        assert code == 1
        assert "行 2 列 单位" in output
        assert "单位“无此单位”不存在" in output
        assert "行 2 列 手机号" in output

    def test_import_then_export_round_trip(self, migrated_url: str, tmp_path: Path) -> None:
        source = tmp_path / "people.xlsx"
        source.write_bytes(org_workbook())
        code, output = qunguan(migrated_url, "directory", "import", str(source))
        assert code == 0
        assert "新增 6 人" in output
        exported = tmp_path / "out.csv"
        assert qunguan(migrated_url, "directory", "export", str(exported))[0] == 0
        code, output = qunguan(migrated_url, "directory", "import", "--dry-run", str(exported))
        assert code == 0
        assert "未变化 6 人" in output

    def test_unsupported_export_format(self, migrated_url: str, tmp_path: Path) -> None:
        code, output = qunguan(migrated_url, "directory", "export", str(tmp_path / "x.pdf"))
        assert code == 1
        assert "不支持的文件格式" in output


class TestUserCommands:
    def test_create_and_reset_password(self, migrated_url: str, tmp_path: Path) -> None:
        source = tmp_path / "people.xlsx"
        source.write_bytes(org_workbook())
        qunguan(migrated_url, "directory", "import", str(source))
        code, output = qunguan(
            migrated_url,
            "user",
            "create",
            "clerk",
            "-r",
            "office",
            "--staff-no",
            "O01",
            stdin=PASSWORD + "\n",
        )
        assert code == 0, output
        code, output = qunguan(
            migrated_url, "user", "reset-password", "clerk", "--password", "short"
        )
        assert code == 1
        assert "至少需要 10 位" in output
        code, _ = qunguan(
            migrated_url, "user", "reset-password", "clerk", "--password", "Another-Long-Secret"
        )
        assert code == 0

    def test_separated_duties_are_refused(self, migrated_url: str) -> None:
        code, output = qunguan(
            migrated_url,
            "user",
            "create",
            "boss",
            "-r",
            "system_admin",
            "-r",
            "auditor",
            "--password",
            PASSWORD,
        )
        assert code == 1
        assert "三员分立" in output


class TestAuditCommands:
    def test_verify_names_the_first_broken_record(self, migrated_url: str, tmp_path: Path) -> None:
        from sqlalchemy import text

        from qunguan.store.db import make_engine

        source = tmp_path / "people.xlsx"
        source.write_bytes(org_workbook())
        qunguan(migrated_url, "directory", "import", str(source))
        qunguan(migrated_url, "user", "create", "clerk", "-r", "office", "--password", PASSWORD)
        code, output = qunguan(migrated_url, "audit", "verify")
        assert code == 0
        assert "已校验 2 条记录" in output

        engine = make_engine(migrated_url)
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
                )
            else:
                conn.execute(text("DROP TRIGGER audit_records_no_update"))
            conn.execute(text("UPDATE audit_records SET target_id = 'forged' WHERE seq = 2"))
        engine.dispose()
        code, output = qunguan(migrated_url, "audit", "verify")
        assert code == 1
        assert "第 2 条记录" in output
        assert "记录内容被修改" in output

    def test_export_writes_a_workbook(self, migrated_url: str, tmp_path: Path) -> None:
        qunguan(migrated_url, "user", "create", "clerk", "-r", "office", "--password", PASSWORD)
        target = tmp_path / "audit.csv"
        code, _ = qunguan(migrated_url, "audit", "export", str(target))
        assert code == 0
        assert "account.created" in target.read_bytes().decode("utf-8-sig")
