"""``qunguan content check``: one message per line in, one JSON verdict per line out."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qunguan.cli.main import app

runner = CliRunner()


def run(stdin: str, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = runner.invoke(app, ["content", "check", *args], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines()]


def test_each_line_gets_its_verdict_with_offsets_into_the_line() -> None:
    code, out = run("各位同事，明天开会\n请看 法 ，轮·功\n发个红包\n")
    assert code == 0
    assert out[0] == {"action": "pass", "categories": [], "clauses": [], "spans": []}
    assert out[1] == {
        "action": "block",
        "categories": ["political"],
        "clauses": ["s2-2.2.1"],
        "spans": [[3, 9, "法 ，轮·功"]],
    }
    assert out[2]["action"] == "block"
    assert out[2]["categories"] == ["red-envelope"]


def test_another_preset_decides_differently() -> None:
    _, out = run("请看 www.example.com\n", "--preset", "s6")
    assert out[0]["action"] == "block"
    assert out[0]["clauses"] == ["s6-5.4"]


def test_a_folder_of_lists_replaces_the_shipped_ones(tmp_path: Path) -> None:
    (tmp_path / "abusive.txt").write_text("测试脏话\tpinyin\n", encoding="utf-8")
    _, out = run("ce shi zang hua\n法轮功\n", "--lists", str(tmp_path))
    assert out[0]["categories"] == ["abusive"]
    assert out[0]["action"] == "hold"
    assert out[1]["action"] == "pass"


def test_a_bad_list_is_refused_naming_its_line(tmp_path: Path) -> None:
    (tmp_path / "abusive.txt").write_text("好\n坏\tshout\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["content", "check", "--lists", str(tmp_path)],
        input="x\n",
        env={"QUNGUAN_LOCALE": "zh"},
    )
    assert result.exit_code == 1
    assert "未知选项“shout”" in result.output
