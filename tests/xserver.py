"""A real, headless X desktop for tests: Xvfb + openbox, with xterm windows and xdotool as the user."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

REQUIRED = ("Xvfb", "openbox", "xdotool", "xterm")
SCREEN = "1920x1080x24"
START_TIMEOUT_S = 15.0

# Every process the helpers start, so the fixture can end them even when a test fails.
_children: list[subprocess.Popen[bytes]] = []


@pytest.fixture(scope="module")
def xserver() -> Iterator[str]:
    """Start Xvfb on a free display with openbox, point DISPLAY at it, yield ``":N"``."""
    missing = [name for name in REQUIRED if shutil.which(name) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH (Debian: apt install xvfb openbox xdotool xterm)")
    pytest.importorskip("Xlib", reason="python-xlib is not installed")
    xvfb, display = _start_xvfb()
    _children.append(xvfb)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DISPLAY", display)
        for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
            patch.delenv(name, raising=False)
        try:
            _children.append(_start_openbox(display))
            yield display
        finally:
            while _children:
                _end(_children.pop())


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    """Xvfb picks a free display itself (-displayfd) and writes its number once it accepts clients."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write_end)
        number = b""
        deadline = time.monotonic() + START_TIMEOUT_S
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([read_end], [], [], 0.2)
            if ready:
                chunk = os.read(read_end, 16)
                if not chunk:
                    break
                number += chunk
    finally:
        os.close(read_end)
    if not number.strip().isdigit():
        _end(process)
        pytest.fail(f"Xvfb did not start within {START_TIMEOUT_S:.0f} s")
    return process, f":{int(number)}"


def _start_openbox(display: str) -> subprocess.Popen[bytes]:
    """openbox, once it has claimed the screen (it sets _NET_SUPPORTING_WM_CHECK on the root)."""
    from Xlib import X, display as xdisplay

    process = subprocess.Popen(["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": display},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = xdisplay.Display(display)
    try:
        check = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if conn.screen().root.get_full_property(check, X.AnyPropertyType) is not None:
                return process
            if process.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        conn.close()
    _end(process)
    pytest.fail("openbox did not start")


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def exact(title: str) -> str:
    """An xdotool ``--name`` pattern (a regex) matching exactly ``title``."""
    return "^" + re.sub(r"([][.^$*+?(){}|\\])", r"\\\1", title) + "$"


def open_xterm(title: str, text: str, geometry: str = "80x20") -> subprocess.Popen[bytes]:
    """An xterm titled ``title`` showing ``text``, returned once its window is mapped.

    A scalable font (DejaVu Sans Mono) makes the text readable by OCR.
    """
    process = subprocess.Popen(
        ["xterm", "-T", title, "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", geometry,
         "-e", "sh", "-c", 'printf "%s" "$1"; sleep 600', "sh", text],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _children.append(process)
    xdotool("search", "--sync", "--onlyvisible", "--name", exact(title))
    return process


def close_xterm(process: subprocess.Popen[bytes]) -> None:
    _end(process)
    if process in _children:
        _children.remove(process)


def activate(title: str) -> None:
    """Focus the window titled ``title`` and wait until the window manager made it active."""
    xdotool("search", "--sync", "--onlyvisible", "--name", exact(title), "windowactivate", "--sync")


def type_text(text: str) -> None:
    """Type ``text`` into the focused window, as a person would."""
    xdotool("type", "--delay", "10", text)


def xdotool(*args: str) -> str:
    """Run xdotool; retried when a window vanished while it walked the window tree."""
    for attempt in range(3):
        done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=START_TIMEOUT_S)
        # xdotool aborts on BadWindow when another test's window closes mid-search.
        if done.returncode == 0 or "BadWindow" not in done.stderr:
            break
        time.sleep(0.1 * (attempt + 1))
    if done.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout
