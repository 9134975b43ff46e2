"""The core stays pure: nothing under core/ imports Qt or gui/ (napari's
rule), checked on the source and at run time."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

FORBIDDEN = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "gui")


def _imported_modules(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_core_module_imports_qt_or_gui() -> None:
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        for name in _imported_modules(path.read_text(encoding="utf-8")):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_checker_sees_a_forbidden_import() -> None:
    assert "PySide6.QtCore" in _imported_modules("from PySide6.QtCore import QObject")
    assert "gui.app" in _imported_modules("def f():\n    import gui.app\n")


def test_importing_all_of_core_loads_no_qt() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "core").rglob("*.py")
        if p.name != "__init__.py" or p.parent != ROOT / "core"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'gui')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the layering contract (issue 10): data flows down, imports point up -------------
# model <- calc <- formats / reports / importer <- cli / gui. A module may import
# from its own layer or a lower one; cli and gui are peers that never import each
# other; core/paths.py and core/version.py (no project imports) serve every layer.
LAYERS: dict[str, int] = {
    "core.paths": 0,
    "core.version": 0,
    "core.model": 0,
    "core.calc": 1,
    "core.formats": 2,
    "core.reports": 2,
    "core.importer": 2,
    "cli": 3,
    "gui": 3,
}


def _layer_of(module: str) -> str | None:
    """The layer key a dotted module name belongs to (longest match), or None
    for a module outside the project (numpy, PySide6, ...)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return key
    return None


def _project_modules() -> dict[str, str]:
    """Every project module's dotted name and source, main.py left out (it is
    the entry point, allowed to see every layer)."""
    found: dict[str, str] = {}
    for top in ("core", "cli", "gui"):
        for path in sorted((ROOT / top).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path.read_text(encoding="utf-8")
    return found


def layering_breaches(modules: dict[str, str]) -> list[str]:
    breaches = []
    for name, source in modules.items():
        own = _layer_of(name)
        if own is None:
            continue
        for imported in _imported_modules(source):
            target = _layer_of(imported)
            if target is None or target == own:
                continue
            peers = {own.split(".")[0], target.split(".")[0]} == {"cli", "gui"}
            if LAYERS[target] > LAYERS[own] or peers:
                breaches.append(f"{name} imports {imported}")
    return breaches


def test_every_module_belongs_to_a_layer() -> None:
    assert [name for name in _project_modules() if _layer_of(name) is None and name != "core"] == []


def test_imports_only_point_up_the_layers() -> None:
    assert layering_breaches(_project_modules()) == []


def test_the_layering_check_sees_a_breach() -> None:
    modules = {
        "core.calc.engine": "from core.formats.plan_json import read\n",
        "core.model.plan": "def f():\n    from core.calc import engine\n",
        "cli.commands": "from gui.app import run\n",
        "core.reports.text": "from core.calc.figures import figures\nfrom core.importer import x\n",
    }
    assert layering_breaches(modules) == [
        "core.calc.engine imports core.formats.plan_json",
        "core.model.plan imports core.calc",
        "cli.commands imports gui.app",
    ]
