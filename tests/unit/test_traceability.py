"""The clause marker, the clause report, and `qunguan clauses`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qunguan.cli.main import app
from qunguan.policy.catalog import presets

SAMPLE = """
import pytest

@pytest.mark.clause("s2-2.3.2")
def test_weekly_check():
    assert True

@pytest.mark.clause("s2-3.2", "s5-5")
def test_breaks():
    assert False

@pytest.mark.clause("s2-4")
def test_skipped():
    pytest.skip("later")

def test_unmarked():
    pass

class TestGroup:
    @pytest.mark.clause("s7-14.2")
    @pytest.mark.parametrize("n", [1, 2])
    def test_each(self, n):
        assert n
"""


class TestPlugin:
    def test_report_lists_marked_tests_with_outcomes(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(test_sample=SAMPLE)
        pytester.runpytest("--clause-report", "report.json", "-p", "no:cacheprovider")
        tests = json.loads((pytester.path / "report.json").read_text())["tests"]
        outcome = {t["nodeid"]: (t["clauses"], t["outcome"]) for t in tests}
        assert outcome == {
            "test_sample.py::test_weekly_check": (["s2-2.3.2"], "passed"),
            "test_sample.py::test_breaks": (["s2-3.2", "s5-5"], "failed"),
            "test_sample.py::test_skipped": (["s2-4"], "skipped"),
            "test_sample.py::TestGroup::test_each[1]": (["s7-14.2"], "passed"),
            "test_sample.py::TestGroup::test_each[2]": (["s7-14.2"], "passed"),
        }

    def test_report_is_written_under_xdist(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(test_sample=SAMPLE)
        pytester.runpytest_subprocess(
            "-n", "2", "--clause-report", "report.json", "-p", "no:cacheprovider"
        )
        tests = json.loads((pytester.path / "report.json").read_text())["tests"]
        assert len(tests) == 5
        assert {t["outcome"] for t in tests} == {"passed", "failed", "skipped"}

    def test_an_unknown_clause_id_stops_the_run(self, pytester: pytest.Pytester) -> None:
        pytester.makepyfile(
            test_bad='import pytest\n\n@pytest.mark.clause("s9-99")\ndef test_x():\n    pass\n'
        )
        result = pytester.runpytest("-p", "no:cacheprovider")
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(["*unknown clause id 's9-99'*"])


class TestClausesCommand:
    def test_json_lists_every_clause_with_mapping_tests_and_coverage(self, tmp_path: Path) -> None:
        tests = tmp_path / "tests"
        tests.mkdir()
        (tests / "test_sample.py").write_text(SAMPLE, encoding="utf-8")
        report = tmp_path / "report.json"
        report.write_text(
            json.dumps(
                {
                    "tests": [
                        {
                            "nodeid": "tests/test_sample.py::test_weekly_check",
                            "clauses": ["s2-2.3.2"],
                            "outcome": "passed",
                        },
                        {
                            "nodeid": "tests/test_sample.py::test_breaks",
                            "clauses": ["s2-3.2", "s5-5"],
                            "outcome": "failed",
                        },
                    ]
                }
            )
        )
        result = CliRunner().invoke(
            app, ["clauses", "--json", "--tests", str(tests), "--report", str(report)]
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)["presets"]
        assert set(data) == {f"s{i}" for i in range(1, 8)}
        s2 = data["s2"]
        assert s2["total"] == len(presets()["s2"].clauses)
        assert s2["covered"] == 1
        weekly = next(c for c in s2["clauses"] if c["id"] == "s2-2.3.2")
        assert weekly == {
            "id": "s2-2.3.2",
            "mode": "scheduled",
            "mapped_to": "job:membership_audit",
            "tests": ["tests/test_sample.py::test_weekly_check"],
        }
        s7 = next(c for c in data["s7"]["clauses"] if c["id"] == "s7-14.2")
        assert s7["tests"] == ["tests/test_sample.py::TestGroup::test_each"]
        assert data["s7"]["covered"] == 0  # tagged, but not in the report as passed

    def test_one_preset_and_the_table(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(
            app,
            [
                "clauses",
                "--preset",
                "s5",
                "--tests",
                str(tmp_path),
                "--report",
                str(tmp_path / "none.json"),
            ],
        )
        assert result.exit_code == 0
        assert "s5: 0/15 clauses proven" in result.output
        bad = CliRunner().invoke(app, ["clauses", "--preset", "s9"])
        assert bad.exit_code == 1
