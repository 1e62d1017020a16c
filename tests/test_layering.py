"""The one-way import rules of the architecture, checked over the source's AST."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("propositions", "gumd", "tui")
# Platform and model libraries may only be imported inside functions, so that
# importing gumd works on every OS and without optional extras.
LAZY_ONLY = {"Xlib", "Quartz", "AppKit", "Foundation", "objc", "mlx", "mlx_lm", "mlx_vlm",
             "llama_cpp", "pynput", "rapidocr", "onnxruntime", "Vision"}
# What the thin adapters may see of the library: the facade and the types it returns.
SERVICE_SURFACE = {"propositions.service", "propositions.models", "propositions.serialize",
                   "propositions.errors", "propositions.timeparse",
                   # not the model: the helper every package's lazy exports share
                   "propositions.lazy"}
# The quality harness (and the old names of its modules). Only the commands that replay
# scenarios on purpose may import it; the runtime (daemon, inference, store, service, API,
# TUI...) reads without it.
HARNESS = ("propositions.eval", "propositions.scenario", "propositions.replay")
HARNESS_USERS = {"gumd/cli/eval.py", "gumd/demo.py", "propositions/scenario.py", "propositions/replay.py"}
# Entry points that hand parts built by gumd.wiring to a thin adapter.
ENTRY_POINTS = {"gumd/api/mcp_main.py"}
# The parts gumd builds from Settings: only gumd/wiring.py constructs them (the library
# builds its own internals; tests are exempt).
PARTS = {"Store", "Service", "make_backend", "ModelInferrer", "StatisticalInferrer", "ThreadInferrer",
         "Suggester", "PrivacyFilter", "PauseState", "ActionRunner", "Pipeline", "WindowObserver",
         "ScreenObserver", "InputObserver", "FilesObserver", "MacWindowSource", "X11WindowSource"}
PART_EXCEPTIONS = {
    "gumd/api/pool.py": {"Service"},  # a worker opens the ServiceSpec that wiring.service_spec made
    "gumd/doctor.py": {"X11WindowSource"},  # probing the display is the check itself
    "gumd/model_setup.py": {"Store", "StatisticalInferrer"},  # a scratch probe, never the user's database
}


def _modules() -> list[Path]:
    return [p for pkg in PACKAGES if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")]


def _package(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])


def _imports(path: Path, package: str) -> list[tuple[str, bool]]:
    """(imported module, is top level) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top_level = {id(n) for n in tree.body}
    for node in tree.body:  # imports under `if TYPE_CHECKING:` or try: at top level count too
        if isinstance(node, (ast.If, ast.Try)):
            top_level |= {id(n) for n in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top_level) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if node.module is None or node.level:
                found += [(f"{mod}.{a.name}" if node.module is None else mod, id(node) in top_level)
                          for a in node.names]
            else:
                found.append((mod, id(node) in top_level))
    return found


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("path", _modules(), ids=_rel)
def test_import_rules(path: Path) -> None:
    rel = _rel(path)
    for mod, top in _imports(path, _package(path)):
        head = mod.split(".")[0]
        if rel.startswith("propositions/"):
            assert head not in ("gumd", "tui"), f"{rel}: the library must not import {mod}"
        if rel.startswith(("tui/", "gumd/api/")):
            if head == "propositions":
                assert mod in SERVICE_SURFACE, f"{rel}: talk to propositions.service, not {mod}"
            if head == "gumd":
                allowed = ("gumd.settings", "gumd.paths", "gumd.errors", "gumd.api")
                if rel in ENTRY_POINTS:
                    allowed += ("gumd.wiring",)
                assert mod == "gumd" or mod.startswith(allowed), f"{rel}: imports {mod}"
        if not rel.startswith("propositions/eval/") and rel not in HARNESS_USERS:
            assert not (mod + ".").startswith(tuple(h + "." for h in HARNESS)), (
                f"{rel}: the runtime never imports the evaluation harness ({mod})"
            )
        if rel.startswith("gumd/observers/"):
            assert not mod.startswith(("propositions.infer", "propositions.backends")), (
                f"{rel}: observers never call a model ({mod})"
            )
        if top:
            assert head not in LAZY_ONLY, f"{rel}: import {mod} lazily, inside the function using it"


def _constructed(path: Path) -> list[tuple[str, int]]:
    """(part, line) for each call that builds a part: ``Store(...)``, ``Service.open(...)``, ``x.Suggester(...)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Attribute) and f.attr == "open" and isinstance(f.value, ast.Name):
            name = f.value.id
        else:
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if name in PARTS:
            found.append((name, node.lineno))
    return found


@pytest.mark.parametrize("path", [p for p in _modules() if not _rel(p).startswith("propositions/")],
                         ids=_rel)
def test_only_wiring_builds_parts(path: Path) -> None:
    rel = _rel(path)
    if rel == "gumd/wiring.py":
        return
    built = [(n, line) for n, line in _constructed(path) if n not in PART_EXCEPTIONS.get(rel, set())]
    assert not built, f"{rel} builds {built}: build parts from Settings in gumd/wiring.py"


def test_the_checker_sees_construction(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("s = Service.open(p)\nt = Store(p)\nu = suggest.Suggester(s)\nv = Other(p)\n")
    assert _constructed(probe) == [("Service", 1), ("Store", 2), ("Suggester", 3)]


# The schema has one owner: SQL lives in the store package (and its migrations), and the
# ranking queries in retrieval, which reads the store's tables and indexes for search.
SQL_PACKAGE = "propositions/store/"
SQL_OWNERS = {"propositions/migrations.py", "propositions/retrieve.py"}
SQL = re.compile(r"SELECT |INSERT |UPDATE |DELETE |store\.read\(|\.execute\(")


def _owns_sql(rel: str) -> bool:
    return rel.startswith(SQL_PACKAGE) or rel in SQL_OWNERS


def _sql_lines(path: Path) -> list[int]:
    return [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if SQL.search(line)]


@pytest.mark.parametrize("path", [p for p in _modules() if not _owns_sql(_rel(p))], ids=_rel)
def test_sql_only_in_the_store(path: Path) -> None:
    found = _sql_lines(path)
    assert not found, f"{_rel(path)} runs SQL at lines {found}: name the read as a Store method"


def test_the_sql_rule_can_fail(tmp_path: Path) -> None:
    """Only the store package and the named modules own SQL; a SELECT anywhere else is seen."""
    rels = {_rel(p) for p in _modules()}
    assert "propositions/store/__init__.py" in rels and "propositions/service.py" in rels
    assert _owns_sql("propositions/store/queue.py") and _owns_sql("propositions/migrations.py")
    for rel in ("propositions/service.py", "propositions/store.py", "propositions/storage.py",
                "gumd/store/queue.py"):
        assert not _owns_sql(rel), rel
    probe = tmp_path / "service.py"
    probe.write_text('"""The facade."""\nrows = conn.execute("SELECT id FROM propositions")\n')
    assert _sql_lines(probe) == [2]


# Config does not depend on features: the settings build the library's config dataclasses
# and their own sections, and import nothing that does work.
CONFIG_LEVEL = {"propositions.config", "propositions.errors", "gumd.paths", "gumd.errors", "gumd.section",
                "gumd.privacy_config"}


def test_settings_import_only_config() -> None:
    for rel in ("gumd/settings.py", "gumd/privacy_config.py", "propositions/config.py"):
        path = ROOT / rel
        for mod, _ in _imports(path, _package(path)):
            if mod.split(".")[0] in PACKAGES:
                assert mod in CONFIG_LEVEL, f"{rel} imports {mod}: move the config it needs to a config module"


def test_the_checker_sees_violations(tmp_path: Path) -> None:
    """The AST walk finds relative, absolute and nested imports (so the rules can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text("from gumd import cli\nfrom . import store\n"
                     "def f():\n    import Xlib.display\n")
    found = dict(_imports(probe, "propositions"))
    assert found == {"gumd": True, "propositions.store": True, "Xlib.display": False}


def test_the_runtime_loads_without_the_harness() -> None:
    """Importing the daemon, the service, the API and the TUI pulls in no part of propositions.eval."""
    code = ("import sys, pkgutil, importlib, gumd.daemon, gumd.api, propositions.service, tui.app\n"
            "for i in pkgutil.walk_packages(gumd.api.__path__, 'gumd.api.'): importlib.import_module(i.name)\n"
            "print(sorted(m for m in sys.modules if m.startswith(%r)))" % (HARNESS,))
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "[]"


def test_every_module_imports() -> None:
    for pkg in PACKAGES:
        if not (ROOT / pkg).is_dir():
            continue
        module = importlib.import_module(pkg)
        for info in pkgutil.walk_packages(module.__path__, prefix=f"{pkg}."):
            importlib.import_module(info.name)
