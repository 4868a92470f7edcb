"""The ``clause`` marker and the ``--clause-report`` option.

``@pytest.mark.clause("s2-2.2.3", ...)`` on a test says it proves those clauses. Ids must be
clause ids of the catalog: an unknown one stops the run. ``--clause-report PATH`` writes
``{"tests": [{"nodeid", "clauses", "outcome"}]}`` for every marked test, and works under
pytest-xdist (the ids travel with each report as a user property).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qunguan.policy.catalog import clauses

_PROPERTY = "qunguan_clauses"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clause-report",
        metavar="PATH",
        default=None,
        help="write the outcome of every clause-marked test to PATH as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clause(*ids): the test proves these regulation clauses (e.g. s2-2.2.3)"
    )
    config.pluginmanager.register(ClauseRecorder(config), "qunguan-clause-recorder")


def clause_ids(item: pytest.Item) -> list[str]:
    ids: list[str] = []
    for marker in item.iter_markers("clause"):
        ids.extend(str(a) for a in marker.args)
    return sorted(set(ids))


class ClauseRecorder:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, dict[str, Any]] = {}

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        known = clauses()
        bad = []
        for item in items:
            markers = list(item.iter_markers("clause"))
            ids = clause_ids(item)
            if markers and not ids:
                bad.append(f"{item.nodeid}: clause marker without ids")
            bad.extend(
                f"{item.nodeid}: unknown clause id {cid!r}" for cid in ids if cid not in known
            )
            if ids:
                item.user_properties.append((_PROPERTY, ids))
        if bad:
            raise pytest.UsageError("clause markers name unknown clauses:\n" + "\n".join(bad))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        ids = next((v for k, v in report.user_properties if k == _PROPERTY), None)
        if not isinstance(ids, list):
            return
        entry = self.results.setdefault(
            report.nodeid, {"nodeid": report.nodeid, "clauses": list(ids), "outcome": "passed"}
        )
        if report.failed:
            entry["outcome"] = "failed"
        elif report.skipped and entry["outcome"] != "failed":
            entry["outcome"] = "skipped"

    def pytest_sessionfinish(self) -> None:
        path = self.config.getoption("--clause-report")
        if not path or hasattr(self.config, "workerinput"):
            return  # xdist workers send their reports to the controller, which writes
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tests = sorted(self.results.values(), key=lambda e: e["nodeid"])
        out.write_text(json.dumps({"tests": tests}, ensure_ascii=False, indent=1), encoding="utf-8")
