"""One name per feature through every layer (docs/conventions.md).

A feature's stem names its package or module in each layer it spans, its templates and its
tests: ``services/notices/`` → ``store/repositories/notices.py`` → ``web/api/notices/`` →
``web/pages/notices.py`` → ``templates/notices/`` → ``tests/*/test_notices*.py``. Every
top-level module of those layers is a feature or one of the few shared pieces named here,
so a new module with a name of its own fails this test until it joins a feature.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qunguan

ROOT = Path(qunguan.__file__).parent
TESTS = Path(__file__).parent

LAYERS = {
    "services": ROOT / "services",
    "repositories": ROOT / "store" / "repositories",
    "api": ROOT / "web" / "api",
    "pages": ROOT / "web" / "pages",
    "templates": ROOT / "web" / "templates",
}
EVERY = frozenset({*LAYERS, "tests"})

# feature stem -> the layers it spans
FEATURES: dict[str, frozenset[str]] = {
    "accounts": EVERY,
    "audit": EVERY,
    "conduct": EVERY,
    "directory": EVERY,
    "groups": EVERY,
    "membership": EVERY - {"templates"},
    "messages": EVERY,
    "notices": EVERY,
    "notifications": EVERY,
    "online_time": EVERY,
    "policy": EVERY,
    "term_lists": EVERY,
    "usage": EVERY,
}

# Shared pieces that are no feature, per layer.
SHARED = {
    "services": {"uow", "access", "demo"},
    "repositories": {"jobs", "outbox", "status"},
    "api": {"encoding", "health"},
    "pages": {"rendering"},
    "templates": set(),
}


def stems_in(folder: Path) -> set[str]:
    found = set()
    for child in folder.iterdir():
        if child.name.startswith(("_", ".")):
            continue
        if (child.is_dir() and (child / "__init__.py").exists()) or folder.name == "templates":
            found.add(child.name if child.is_dir() else "")
        elif child.suffix == ".py":
            found.add(child.stem)
    return found - {""}


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_a_feature_has_its_stem_in_every_layer_it_spans(feature: str) -> None:
    missing = [
        layer
        for layer in sorted(FEATURES[feature] - {"tests"})
        if feature not in stems_in(LAYERS[layer])
    ]
    if "tests" in FEATURES[feature] and not list(TESTS.glob(f"*/test_{feature}*.py")):
        missing.append("tests")
    assert missing == []


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_every_module_of_a_layer_belongs_to_a_feature(layer: str) -> None:
    known = {f for f, spans in FEATURES.items() if layer in spans} | SHARED[layer]
    assert stems_in(LAYERS[layer]) - known == set()


def test_the_stem_checker_reads_packages_and_modules(tmp_path: Path) -> None:
    (tmp_path / "notices").mkdir()
    (tmp_path / "notices" / "__init__.py").write_text("")
    (tmp_path / "usage.py").write_text("")
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "loose").mkdir()
    assert stems_in(tmp_path) == {"notices", "usage"}
