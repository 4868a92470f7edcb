"""Which clauses are proven, and by which tests.

Tests declare the clauses they prove with ``@pytest.mark.clause(...)``; this module finds
those markers by reading the test sources (no test is run) and, when a clause report from
``pytest --clause-report`` is at hand, takes each test's outcome from it. A clause counts
as *covered* when a test carrying it passed (or, without a report, when one carries it).
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qunguan.policy.catalog import presets
from qunguan.policy.presets import PRESET_IDS, load_preset


def _clause_args(node: ast.expr) -> list[str] | None:
    """The ids of a ``pytest.mark.clause(...)`` expression, or None if it is something else."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "clause":
        return [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
    return None


def _marks(decorators: list[ast.expr]) -> list[str]:
    ids: list[str] = []
    for dec in decorators:
        ids.extend(_clause_args(dec) or [])
    return ids


def _module_marks(tree: ast.Module) -> list[str]:
    ids: list[str] = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            values = (
                stmt.value.elts if isinstance(stmt.value, ast.List | ast.Tuple) else [stmt.value]
            )
            for value in values:
                ids.extend(_clause_args(value) or [])
    return ids


def scan_tests(root: Path) -> dict[str, list[str]]:
    """nodeid (without parameters) -> clause ids, for every marked test under root."""
    found: dict[str, list[str]] = {}
    base = root.parent
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_ids = _module_marks(tree)
        rel = path.relative_to(base).as_posix()

        def visit(body: list[ast.stmt], prefix: str, inherited: list[str]) -> None:
            for stmt in body:
                if isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
                    visit(
                        stmt.body, f"{prefix}::{stmt.name}", inherited + _marks(stmt.decorator_list)
                    )
                elif isinstance(
                    stmt, ast.FunctionDef | ast.AsyncFunctionDef
                ) and stmt.name.startswith("test"):
                    ids = inherited + _marks(stmt.decorator_list)
                    if ids:
                        found[f"{prefix}::{stmt.name}"] = sorted(set(ids))

        visit(tree.body, rel, module_ids)
    return found


@dataclass
class ClauseStatus:
    id: str
    mode: str
    mapped_to: str
    tests: list[str] = field(default_factory=list)
    passed: bool = False


def _outcomes(report: Path | None) -> dict[str, str] | None:
    if report is None or not report.exists():
        return None
    data = json.loads(report.read_text(encoding="utf-8"))
    outcomes: dict[str, str] = {}
    for test in data.get("tests", []):
        base = test["nodeid"].split("[", 1)[0]
        # A parametrised test counts as passed only if every case passed.
        previous = outcomes.get(base)
        outcome = test["outcome"]
        outcomes[base] = outcome if previous in (None, "passed") else previous
    return outcomes


def status(tests_root: Path, report: Path | None = None) -> dict[str, list[ClauseStatus]]:
    marked = scan_tests(tests_root) if tests_root.exists() else {}
    outcomes = _outcomes(report)
    by_clause: dict[str, list[str]] = {}
    for nodeid, ids in marked.items():
        for cid in ids:
            by_clause.setdefault(cid, []).append(nodeid)
    out: dict[str, list[ClauseStatus]] = {}
    for pid in PRESET_IDS:
        policy = load_preset(pid)
        rows = []
        for c in presets()[pid].clauses:
            tests = sorted(by_clause.get(c.id, []))
            passed = (
                bool(tests) if outcomes is None else any(outcomes.get(t) == "passed" for t in tests)
            )
            rows.append(ClauseStatus(c.id, c.mode, policy.clause_map[c.id], tests, passed))
        out[pid] = rows
    return out


def as_json(result: dict[str, list[ClauseStatus]]) -> dict[str, Any]:
    return {
        "presets": {
            pid: {
                "clauses": [
                    {"id": r.id, "mode": r.mode, "mapped_to": r.mapped_to, "tests": r.tests}
                    for r in rows
                ],
                "covered": sum(1 for r in rows if r.passed),
                "total": len(rows),
            }
            for pid, rows in result.items()
        }
    }
