"""Tests marked ``isolated`` run in a child pytest process, so a crash fails one test, not the run.

Native engines (llama.cpp, MLX) can kill the interpreter outright: an illegal
instruction on a CPU that advertises more than it allows, an abort in C++ code.
pytest cannot catch that, and the whole run would end without a summary. So the
isolated tests of one module run together in a child ``python -m pytest`` (module
fixtures such as a loaded model are built once), which writes each report to a
file; the parent replays those reports as if it had run the tests. When the child
dies, the test it was in fails with the signal and the end of its output, and a
new child goes on with the tests after it.

A fresh interpreter rather than ``fork()``: MLX starts worker threads when it is
imported, and a forked child would wait on them forever.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

MARKER = "isolated"
#: set in the child: where it writes its reports (and that it must not spawn children itself)
REPORT_ENV = "GUMD_TEST_ISOLATED_REPORTS"
#: longest a child may run for one module's tests before the rest count as failed
CHILD_TIMEOUT_S = float(os.environ.get("GUMD_TEST_ISOLATED_TIMEOUT_S", "900"))
#: how much of a dead child's output a failure shows
OUTPUT_TAIL = 3000
#: lines of the interpreter's own crash report (innermost frames first) a failure shows
CRASH_LINES = 25

_PHASES = ("setup", "call", "teardown")


# Read once at start-up: tests clear GUMD_* variables while they run.
_REPORT_FILE = os.environ.get(REPORT_ENV, "")


def in_child() -> bool:
    return bool(_REPORT_FILE)


# ---------------------------------------------------------------- child side


def write_report(config: pytest.Config, report: pytest.TestReport) -> None:
    """In a child: append one serialized report for the parent."""
    data = config.hook.pytest_report_to_serializable(config=config, report=report)
    with open(_REPORT_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(data) + "\n")
        fh.flush()  # what was written survives a crash in the next test


# ---------------------------------------------------------------- parent side


class ModuleRuns:
    """The reports of every isolated item, produced a module at a time."""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session
        self.reports: dict[str, list[pytest.TestReport]] = {}

    def reports_for(self, item: pytest.Item) -> list[pytest.TestReport]:
        if item.nodeid not in self.reports:
            # this item and the isolated items of its module that come after it
            items = self.session.items
            after = items[items.index(item):] if item in items else [item]
            self._run([i for i in after if i.path == item.path and i.get_closest_marker(MARKER)])
        return self.reports.pop(item.nodeid)

    def _run(self, items: list[pytest.Item]) -> None:
        pending = list(items)
        while pending:
            done = _run_child(pending)
            for item in pending:
                reports = done.reports.get(item.nodeid, [])
                if _complete(reports):
                    self.reports[item.nodeid] = reports
                    continue
                # The child died in this test (or ran out of time): it fails; the rest go on.
                self.reports[item.nodeid] = reports + [_crash_report(item, reports, done.crash)]
                pending = pending[pending.index(item) + 1:]
                break
            else:
                pending = []


@dataclass
class ChildRun:
    """The reports one child wrote, by test, and why it stopped if it did not finish them all."""

    reports: dict[str, list[pytest.TestReport]] = field(default_factory=dict)
    crash: str = ""


def _run_child(items: list[pytest.Item]) -> ChildRun:
    config = items[0].config
    with tempfile.TemporaryDirectory(prefix="gumd-isolated-") as tmp:
        report_file = Path(tmp) / "reports.jsonl"
        report_file.touch()
        env = dict(os.environ, **{REPORT_ENV: str(report_file)})
        args = [sys.executable, "-X", "faulthandler", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                f"--basetemp={Path(tmp) / 'base'}", *[i.nodeid for i in items]]
        started = time.monotonic()
        try:
            proc = subprocess.run(args, cwd=config.rootpath, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=CHILD_TIMEOUT_S)
            output, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            output, code = exc.stdout or b"", None
        result = ChildRun()
        for line in report_file.read_text(encoding="utf-8").splitlines():
            report = config.hook.pytest_report_from_serializable(config=config, data=json.loads(line))
            if isinstance(report.longrepr, list):  # a skip's (path, line, reason): JSON made it a list
                report.longrepr = tuple(report.longrepr)
            result.reports.setdefault(report.nodeid, []).append(report)
    tail = _last_words(output.decode("utf-8", "replace"))
    if code is None:
        result.crash = f"the test process did not finish in {CHILD_TIMEOUT_S:g} s\n{tail}"
    elif code < 0:
        result.crash = f"the test process died: {_signal_name(-code)}\n{tail}"
    else:
        # pytest itself failed before or between tests (a collection error, say)
        result.crash = (f"the test process exited with status {code} without finishing this test "
                        f"after {time.monotonic() - started:.1f} s\n{tail}")
    return result


def _last_words(output: str) -> str:
    """What a dead child said last: faulthandler's report if it wrote one, else the end of its output."""
    at = output.rfind("Fatal Python error")
    if at >= 0:
        return "\n".join(output[at:].splitlines()[:CRASH_LINES])
    return output[-OUTPUT_TAIL:]


def _complete(reports: list[pytest.TestReport]) -> bool:
    return any(r.when == "teardown" for r in reports)


def _crash_report(item: pytest.Item, reports: list[pytest.TestReport], why: str) -> pytest.TestReport:
    seen = {r.when for r in reports}
    when = next(p for p in _PHASES if p not in seen)
    if when == "call" and any(r.when == "setup" and not r.passed for r in reports):
        when = "teardown"  # a failed or skipped setup has no call phase
    return pytest.TestReport(
        nodeid=item.nodeid, location=item.location, keywords=dict.fromkeys(item.keywords, 1),
        outcome="failed", longrepr=why, when=when,
    )


def _signal_name(number: int) -> str:
    try:
        return f"{signal.Signals(number).name} ({signal.strsignal(number)})"
    except ValueError:
        return f"signal {number}"


def run_isolated(item: pytest.Item, runs: ModuleRuns) -> None:
    """The runtest protocol for an isolated item: its child's reports, in order."""
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for report in runs.reports_for(item):
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)


# ---------------------------------------------------------------- hooks (imported by conftest.py)

_RUNS = pytest.StashKey[ModuleRuns]()
_CHILD_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: runs in a child process, so a crash fails this test, not the run")
    if in_child():
        _CHILD_CONFIG[:] = [config]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    if in_child() or item.get_closest_marker(MARKER) is None:
        return None
    if _RUNS not in item.config.stash:
        item.config.stash[_RUNS] = ModuleRuns(item.session)
    run_isolated(item, item.config.stash[_RUNS])
    return True


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if in_child() and _CHILD_CONFIG:
        write_report(_CHILD_CONFIG[0], report)
