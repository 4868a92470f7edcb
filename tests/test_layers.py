"""The import arrows of docs/architecture.md, checked by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import qunguan

ROOT = Path(qunguan.__file__).parent

# layer -> the layers of ours it may import (itself always allowed)
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "policy": {"domain"},
    # The content engine is pure like the policy: text and bytes in, verdicts out.
    "moderation": {"policy", "domain"},
    "testing": {"policy", "domain"},
    "i18n": set(),
    "config": set(),
    "tabular": {"domain"},
    "store": {"domain", "config"},
    "services": {"domain", "policy", "moderation", "store", "tabular", "config", "realtime"},
    "realtime": {"domain", "config"},
    # Pages render the regulation and quote it: policy is pure, like the domain.
    "web": {"services", "domain", "policy", "moderation", "config", "i18n", "jobs", "realtime"},
    "cli": {
        "services",
        "domain",
        "policy",
        "moderation",
        "config",
        "i18n",
        "web",
        "testing",
        "jobs",
    },
    "jobs": {"services", "domain", "policy", "config"},
}
# The composition roots also build the engine and check the schema.
COMPOSITION_ROOTS = {"web/app.py", "web/api/health.py", "cli/main.py"}


def layer_of(path: Path) -> str:
    rel = path.relative_to(ROOT)
    return rel.parts[0].removesuffix(".py")


def our_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "qunguan" and len(parts) > 1:
                found.add(parts[1])
    return found


def test_layers_import_only_what_they_may() -> None:
    breaches = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.parent == ROOT and path.name == "__init__.py":
            continue
        layer = layer_of(path)
        allowed = ALLOWED[layer] | {layer}
        if str(path.relative_to(ROOT)) in COMPOSITION_ROOTS:
            allowed |= {"store"}
        for imported in our_imports(path) - allowed:
            breaches.append(f"{path.relative_to(ROOT)} ({layer}) imports {imported}")
    assert breaches == []


def test_the_domain_imports_no_web_or_database_library() -> None:
    forbidden = {"sqlalchemy", "fastapi", "starlette", "alembic", "jinja2", "openpyxl"}
    breaches = []
    for path in sorted((ROOT / "domain").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mod = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                if mod and mod.split(".")[0] in forbidden:
                    breaches.append(f"{path.name} imports {mod}")
    assert breaches == []
