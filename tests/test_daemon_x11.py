"""`gumd run` on a real X desktop (Xvfb + openbox), with xdotool acting as the user."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from propositions import Store

from .test_cli import run
from .xserver import activate, open_xterm, type_text, xserver  # noqa: F401  (fixture)

KEY = "AKIA" + "QUOKKAZEBRA12345"


def _rows(db: Path, sql: str) -> list[dict]:
    store = Store(db)
    try:
        return [dict(r) for r in store.read(sql)]
    finally:
        store.close()


def _wait(predicate, timeout: float, step: float = 0.5):  # type: ignore[no-untyped-def]
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


@pytest.mark.slow
def test_gumd_run_watches_a_real_desktop(xserver: str, gumd_home: Path) -> None:  # noqa: F811
    gumd_home.mkdir(parents=True, exist_ok=True)
    (gumd_home / "config.toml").write_text(
        '[capture]\nobservers = ["window", "screen", "input"]\ninterval_s = 5\nidle_after_s = 60\n'
        '[daemon]\ninference_interval_s = 1\nmax_wait_s = 0\n'
        # The classic inferrer says something of a 15-second session; the thread inferrer waits
        # for a minute of focus (tests/test_understanding.py covers that).
        '[inference]\nocr = "tesseract"\nbatch_size = 50\nuser_name = "Dana Reyes"\n'
        'statistical = "classic"\n'
        '[retention]\nmin_free_disk_mb = 0\n'
    )
    db = gumd_home / "gumd.db"
    open_xterm("notes - planning", "Quokka migration planning for Rottnest island")
    open_xterm("Private Browsing - Mozilla Firefox", "zebrafinch diary entry")
    open_xterm("deploy", f"export AWS_ACCESS_KEY_ID={KEY}")
    # A vault opened from a terminal: excluded by its title, though the app is XTerm.
    open_xterm("KeePassXC - Passwords.kdbx", "Entry: bank  Password: platypus-hunter2")
    env = {**os.environ, "GUMD_HOME": str(gumd_home), "DISPLAY": xserver}
    daemon = subprocess.Popen([sys.executable, "-m", "gumd", "run"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert _wait(lambda: (gumd_home / "status.json").exists(), 30), "the daemon did not start"
        activate("notes - planning")
        type_text("ok")
        time.sleep(2.5)
        activate("Private Browsing - Mozilla Firefox")
        type_text("secret")
        time.sleep(2.5)
        activate("deploy")
        time.sleep(2.5)
        activate("KeePassXC - Passwords.kdbx")
        type_text("vault")
        time.sleep(2.5)
        activate("notes - planning")
        assert _wait(lambda: _rows(db, "SELECT id FROM observations WHERE observer = 'screen' "
                                       "AND window_title = 'deploy'"), 20)

        # Pause: nothing new while paused, whatever the user does.
        run("pause")
        time.sleep(1.2)
        before = _rows(db, "SELECT count(*) AS n FROM observations")[0]["n"]
        activate("deploy")
        type_text("paused typing")
        time.sleep(3)
        after = _rows(db, "SELECT count(*) AS n FROM observations")[0]["n"]
        assert after == before
        run("resume")
        activate("notes - planning")

        # Everything captured gets read and processed.
        assert _wait(lambda: _rows(db, "SELECT count(*) AS n FROM observations WHERE status "
                                       "IN ('pending', 'processing')")[0]["n"] == 0, 120)
        code, out, _ = run("status", "--json")
        assert '"state": "running"' in out
    finally:
        daemon.send_signal(signal.SIGTERM)
        output = daemon.communicate(timeout=60)[0]
    assert daemon.returncode == 0, output[-2000:]

    rows = _rows(db, "SELECT observer, app, window_title, content, duration, image_path "
                     "FROM observations")
    titles = {r["window_title"] for r in rows}
    assert "notes - planning" in titles and "deploy" in titles
    # The excluded window left no trace at all: no window, no screenshot, no text.
    assert not any("Private Browsing" in (r["window_title"] or "") for r in rows)
    assert not any("kdbx" in (r["window_title"] or "") for r in rows)
    windows = [r for r in rows if r["observer"] == "window" and r["window_title"] == "notes - planning"]
    assert windows and max(w["duration"] for w in windows) >= 2
    screens = [r for r in rows if r["observer"] == "screen"]
    assert screens and all(r["app"] == "XTerm" and r["image_path"] is None for r in screens)
    assert any("quokka" in r["content"].lower() for r in screens)  # OCR read the window
    raw = b"".join(p.read_bytes() for p in gumd_home.glob("gumd.db*"))
    assert KEY.encode() not in raw and b"zebrafinch" not in raw
    assert b"platypus" not in raw and b"Passwords.kdbx" not in raw
    assert list((gumd_home / "screenshots").iterdir()) == []  # read, then deleted
    assert _rows(db, "SELECT count(*) AS n FROM propositions WHERE status = 'active'")[0]["n"] > 0
