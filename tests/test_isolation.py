"""The `isolated` marker: a test that kills its interpreter fails alone, and the run goes on.

Each test here runs pytest on a small throwaway project whose conftest turns
isolation on exactly as tests/conftest.py does, so the crashes are real ones.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

CONFTEST = "from tests.isolation import pytest_configure, pytest_runtest_logreport, pytest_runtest_protocol\n"

ENGINE_TESTS = '''
import os
import signal
from pathlib import Path

import pytest

pytestmark = pytest.mark.isolated


@pytest.fixture(scope="module")
def engine():
    # one line per process that built this module fixture
    with open(Path(__file__).with_name("loads.txt"), "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    return "loaded"


def test_before(engine):
    assert engine == "loaded"


def test_dies_of_an_illegal_instruction(engine):
    os.kill(os.getpid(), signal.SIGILL)


def test_after(engine):
    assert engine == "loaded"


def test_fails_normally():
    assert 1 + 1 == 3


def test_skips():
    pytest.skip("no engine on this machine")
'''

HANGING_TESTS = '''
import time

import pytest


@pytest.mark.isolated
def test_hangs():
    time.sleep(60)
'''

PLAIN_TESTS = '''
def test_plain():
    assert True
'''


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")  # the project is the rootdir
    (project / "conftest.py").write_text(CONFTEST)
    for name, text in files.items():
        (project / name).write_text(textwrap.dedent(text))
    return project


def _pytest(project: Path, *args: str, timeout_s: str = "600") -> subprocess.CompletedProcess[str]:
    # Without the installed pytest plugins each child starts in a fraction of a second.
    env = dict(os.environ, PYTHONPATH=str(REPO), GUMD_TEST_ISOLATED_TIMEOUT_S=timeout_s,
               PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env.pop("GUMD_TEST_ISOLATED_REPORTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_a_crash_fails_that_test_and_the_run_goes_on(tmp_path: Path) -> None:
    project = _project(tmp_path, {"test_engine.py": ENGINE_TESTS, "test_plain.py": PLAIN_TESTS})

    proc = _pytest(project)
    out = proc.stdout

    assert proc.returncode == 1, out + proc.stderr  # failures, not a dead interpreter
    assert "2 failed, 3 passed, 1 skipped" in out.splitlines()[-1]
    assert "PASSED test_engine.py::test_before" in out
    assert "FAILED test_engine.py::test_dies_of_an_illegal_instruction" in out
    assert "SIGILL (Illegal instruction)" in out
    # the interpreter's crash report, down to the line that died
    assert "Fatal Python error: Illegal instruction" in out
    assert re.search(r'test_engine.py", line \d+ in test_dies_of_an_illegal_instruction', out)
    assert "PASSED test_engine.py::test_after" in out  # a new child carried on after the crash
    assert "assert (1 + 1) == 3" in out  # an ordinary failure keeps its traceback
    assert "SKIPPED [1] test_engine.py:" in out and "no engine on this machine" in out
    assert "PASSED test_plain.py::test_plain" in out
    # The module fixture was built once per child: one before the crash, one after it.
    loads = (project / "loads.txt").read_text().split()
    assert len(loads) == 2 and loads[0] != loads[1]


def test_a_child_that_hangs_fails_its_test_after_the_time_limit(tmp_path: Path) -> None:
    project = _project(tmp_path, {"test_hang.py": HANGING_TESTS, "test_plain.py": PLAIN_TESTS})

    proc = _pytest(project, timeout_s="3")
    out = proc.stdout

    assert proc.returncode == 1, out + proc.stderr
    assert "FAILED test_hang.py::test_hangs" in out
    assert "did not finish in 3 s" in out
    assert "PASSED test_plain.py::test_plain" in out


@pytest.mark.parametrize("option", ["-x", "--maxfail=1"])
def test_stop_on_first_failure_still_works(tmp_path: Path, option: str) -> None:
    project = _project(tmp_path, {"test_engine.py": ENGINE_TESTS})

    proc = _pytest(project, option)

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "1 failed, 1 passed" in proc.stdout.splitlines()[-1]
