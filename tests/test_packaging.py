"""The wheel `pip install .` builds: every module and every data file the code reads, and it runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gumd", "propositions", "tui")
# Build outputs and caches of a working checkout: not sources.
IGNORE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
                                ".venv", ".pytest_cache", ".hypothesis", ".benchmarks", "_data")


def _sources(dest: Path) -> Path:
    """A copy of the checkout, so building leaves nothing in it (setuptools writes build/)."""
    shutil.copytree(ROOT, dest, ignore=IGNORE)
    return dest


def _build_wheel(src: Path, out: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--quiet",
           "--disable-pip-version-check", "-w", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        # Offline, pip cannot fetch the build backend into an isolated environment:
        # build with the setuptools already installed instead.
        pytest.importorskip("setuptools", reason="no setuptools to build the wheel offline")
        done = subprocess.run([*cmd, "--no-build-isolation"], capture_output=True, text=True,
                              timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    wheels = list(out.glob("gumd-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    return _build_wheel(_sources(tmp / "src"), tmp / "dist")


def _package_files(suffix_filter) -> set[str]:
    out = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and suffix_filter(path):
                out.add(path.relative_to(ROOT).as_posix())
    return out


def test_every_module_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _package_files(lambda p: p.suffix == ".py") - names
    assert not missing, f"modules left out of the wheel (a folder without __init__.py?): {sorted(missing)}"


def test_every_data_file_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    data = _package_files(lambda p: p.suffix not in (".py", ".pyc"))
    # what the code opens at run time: the example days, the place names, the activity cues
    assert {f"gumd/examples/{p.name}" for p in (ROOT / "gumd" / "examples").glob("*.json")} <= data
    assert {"propositions/data/places.tsv.gz", "propositions/data/activities.toml",
            "propositions/data/events.toml"} <= data
    missing = data - names
    assert not missing, f"data files left out of the wheel ([tool.setuptools.package-data]): {sorted(missing)}"
    assert any(n.endswith("entry_points.txt") for n in names)


def test_the_installed_wheel_runs_the_shipped_examples(wheel: Path, tmp_path: Path) -> None:
    """Unpacked on its own (no checkout on sys.path): examples and place names load from the package."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "GUMD_HOME": str(tmp_path / "home")}
    env.pop("PYTHONSAFEPATH", None)
    where = subprocess.run(
        [sys.executable, "-c", "import gumd, propositions.entities as e; print(gumd.__file__); "
         "print(*e.places_in('A weekend in Porto'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert where.returncode == 0, where.stderr
    path, places = where.stdout.split("\n", 1)
    assert Path(path).is_relative_to(site)
    assert places.strip() == "Porto"  # found in the gazetteer, propositions/data/places.tsv.gz
    done = subprocess.run([sys.executable, "-m", "gumd", "eval", "--examples", "--json"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    shipped = sorted(p.stem for p in (ROOT / "gumd" / "examples").glob("*.json"))
    assert sorted(s["scenario"] for s in report["scenarios"]) == shipped
    assert report["overall"]["recall_macro"] > 0


# -- .ci/run, dry: the commands it would run, through stand-ins on PATH -----------------------

FAKE = """#!/bin/sh
echo "$(basename "$0") $* | CMAKE_ARGS=${CMAKE_ARGS:-} | CI_ENGINES_UNAVAILABLE=${CI_ENGINES_UNAVAILABLE:-}" >> "$CI_LOG"
"""


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash runs .ci/run")
@pytest.mark.parametrize("build_rc, reason", [
    (0, ""),
    (124, "the engines' build took longer than"),
    (1, "pip install -e '.[engines]' failed in .ci/run (exit 1)"),
])
def test_ci_run_builds_the_engines_portably_and_goes_on_without_them(tmp_path: Path, build_rc: int,
                                                                      reason: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, extra in (("apt-get", ""), ("python3", ""), ("timeout", f"exit {build_rc}\n")):
        (bin_dir / name).write_text(FAKE + extra)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "log"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "CI_LOG": str(log)}
    env.pop("CI_ENGINES_UNAVAILABLE", None)
    done = subprocess.run(["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    calls = [line.split(" | ") for line in log.read_text().splitlines()]
    commands = [c[0] for c in calls]
    assert commands[0] == "apt-get update -qq" and commands[1].startswith("apt-get install")
    assert "cmake g++" in commands[1]
    build = calls[2]
    seconds = int(build[0].split()[2])
    assert build[0] == f"timeout --kill-after=30 {seconds} python3 -m pip install --quiet -e .[engines]"
    assert 600 <= seconds <= 1500  # bounded, leaving the tests their time within 30 minutes
    assert build[1] == "CMAKE_ARGS=-DGGML_NATIVE=OFF"
    # then exactly the README's test command, told why the engines' tests will skip
    assert commands[3:] == ["python3 -m pip install -e .[test]", "python3 -m pytest -q"]
    assert calls[4][2].startswith(f"CI_ENGINES_UNAVAILABLE={reason}")
    assert (reason in done.stderr) if reason else "not installed" not in done.stderr


# -- the newcomer's path in the README ---------------------------------------------------------


def test_readme_quick_start_is_two_commands_that_need_only_this_checkout() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in re.findall(r"```sh\n(.*?)```", quick, flags=re.S)]
    assert blocks == ["python3 -m pip install . && gumd run",
                      "python3 -m pip install -e '.[test]' && python3 -m pytest -q"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().endswith(blocks[1])  # CI runs the README's test command, as it is written
    # Everything a reader is told to run ships with gumd: nothing outside the checkout.
    assert "../" not in readme and "shared/" not in readme
    for example in ("gumd demo", "gumd eval --examples"):
        assert example in readme
