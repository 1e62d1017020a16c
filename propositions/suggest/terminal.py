"""Reading terminals: which windows are one, and how the last test or build run on screen ended."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..models import Observation
from .requests import _MESSAGING_APP
from .text import _clip, _title_core

# Terminals by their app name, and a shell prompt ("user@host:~/x$ cmd") in the text.
_TERMINAL_APP = re.compile(
    r"term|konsole|iterm|kitty|alacritty|wezterm|tilix|terminator|foot|urxvt|rxvt|tmux|"
    r"console|powershell|\bcmd\b|warp|ghostty|hyper", re.I)


_PROMPT = re.compile(
    r"^(?:\([\w.-]+\)\s*)?"  # (venv)
    r"(?:(?:[\w.-]+@[\w.-]+(?::\s?|\s)?(?:[~/][^\s$#%]*)?|[~/][^\s$#%]*)\s?[$#%❯›]"  # user@host:~/x$
    r"|[$%❯›])[ \t]+([A-Za-z.][^\n]*)$", re.M)  # or a bare "$ " ("#" alone is a Markdown heading)


_BROWSER_APP = re.compile(r"firefox|chrom|safari|edge|brave|opera|vivaldi|browser|epiphany", re.I)


_FAIL_LINE = re.compile(
    r"^(?:FAILED|ERROR)\b|^FAIL\b|^---\s*FAIL|\b[1-9]\d*\s+(?:failed|failing|errors?)\b|"
    r"Traceback \(most recent call last\)|^\s*\w*(?:Error|Exception)\b:|\berror(?:\[\w+\])?:|"
    r"npm ERR!|BUILD FAILED|make(?:\[\d+\])?: \*\*\*|exit (?:status|code) [1-9]|"
    r"test result: FAILED", re.I | re.M)


_PASS_LINE = re.compile(
    r"\b\d+\s+passed\b|^OK\b|^ok\s|test result: ok|^PASS\b|\ball tests passed\b|"
    r"BUILD SUCCESS|\bTests?:\s+\d+ passed|\b0 failed\b", re.I | re.M)


_FAILED_TEST = re.compile(r"^(?:FAILED|ERROR|--- FAIL:|FAIL:?)\s+(\S+)", re.M)


@dataclass
class _RunResult:
    passed: bool
    command: str | None  # the command line that ran, when its prompt is on screen
    failure: str  # the first failing test or error line
    rerun: str | None  # a command that runs just the failure again, or the command


def _is_terminal(o: Observation) -> bool:
    """A terminal app, or an editor showing a shell prompt (a web page quoting one is no terminal)."""
    if o.app and _TERMINAL_APP.search(o.app):
        return True
    if o.app and (_BROWSER_APP.search(o.app) or _MESSAGING_APP.search(o.app)):
        return False
    return bool(_PROMPT.search(o.content or ""))


def _run_result(text: str) -> _RunResult | None:
    """How the last run on a terminal screen ended: the lowest pass or fail line decides."""
    last_fail = last_pass = None
    for line_start, line in _lines_with_offsets(text):
        if _FAIL_LINE.search(line) and not re.search(r"\b0\s+(?:failed|errors?)\b", line, re.I):
            last_fail = (line_start, line)
        elif _PASS_LINE.search(line):
            last_pass = (line_start, line)
    if last_fail is None and last_pass is None:
        return None
    end = max(x[0] for x in (last_fail, last_pass) if x)
    prompts_before = [m for m in _PROMPT.finditer(text) if m.start() <= end]
    command = " ".join(prompts_before[-1].group(1).split()) if prompts_before else None
    if last_fail is None or (last_pass is not None and last_pass[0] > last_fail[0]):
        return _RunResult(True, command, "", None)
    start = prompts_before[-1].start() if prompts_before else 0
    failed = _FAILED_TEST.search(text, start)
    failure = failed.group(1).rstrip(":") if failed else " ".join(last_fail[1].split())
    return _RunResult(False, command, _clip(failure, 160), _rerun(command, failed.group(1) if failed else None))


def _rerun(command: str | None, test: str | None) -> str | None:
    if not command:
        return None
    words = command.split()
    runner = next((i for i, w in enumerate(words) if "pytest" in w), None)
    if test and runner is not None and "::" in test:
        return " ".join(words[: runner + 1] + [test])
    return command


def _lines_with_offsets(text: str) -> Iterable[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line.rstrip("\r\n")
        offset += len(line)


def _terminal_place(o: Observation) -> str:
    """Where a run happened: the folder in the terminal's title, else the title, else the app."""
    title = o.window_title or ""
    path = re.search(r"(?:~|/)[\w.@+-]*(?:/[\w.@+-]+)*", title)
    return path.group(0) if path else (_title_core(title) or o.app or "a terminal")
