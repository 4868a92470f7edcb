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


def module_name(path: Path, root: Path = ROOT) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a file imports, by its full dotted name: ``import a.b``,
    ``from a import b`` (``a.b``, which may name a module), and relative imports
    resolved against the file's own package."""
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return found


def our_imports(path: Path, root: Path = ROOT) -> set[str]:
    """The layers of ours a file imports (``qunguan.X``: layer X)."""
    layers: set[str] = set()
    for name in imported_modules(path, root):
        parts = name.split(".")
        if parts[0] == "qunguan" and len(parts) > 1 and parts[1] != "*":
            layers.add(parts[1])
    return layers


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


def test_the_checker_sees_every_form_of_import(tmp_path: Path) -> None:
    """The forms that once slipped through: ``from qunguan import store`` and relative
    imports, resolved against the importing module's package."""
    root = tmp_path / "qunguan"
    probe = root / "services" / "feature" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "from qunguan import store\n"
        "from ...web import app\n"
        "from .. import uow\n"
        "from . import sibling\n"
        "import qunguan.domain.errors\n",
        encoding="utf-8",
    )
    assert our_imports(probe, root) == {"store", "web", "services", "domain"}


def test_services_read_the_time_from_their_unit_of_work() -> None:
    """``uow.now()`` reads the clock the database was made with, so a test moves time by
    handing in a ``ManualClock`` instead of sleeping or patching a module."""
    breaches = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "utcnow":
                breaches.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert breaches == []
