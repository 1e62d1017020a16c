"""Shared fixtures: every test gets its own GUMD_HOME and a controllable clock."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from propositions import Observation, Proposition, Store
from propositions.service import Service

# Tests marked `isolated` (the native model engines) run in a child process: see isolation.py.
from .isolation import pytest_configure, pytest_runtest_logreport, pytest_runtest_protocol  # noqa: F401

T0 = 1_780_000_000.0  # a fixed "now" (2026-05-28) so recency is reproducible


class FakeClock:
    """A clock the test moves by hand; stands in for time.time at the store seam."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def gumd_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("GUMD_HOME", str(home))
    for key in list(__import__("os").environ):
        if key.startswith("GUMD_") and key != "GUMD_HOME":
            monkeypatch.delenv(key)
    return home


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(gumd_home: Path, clock: FakeClock) -> Store:
    s = Store(gumd_home / "gumd.db", clock=clock, busy_timeout_s=5)
    yield s
    s.close()


@pytest.fixture
def service(store: Store) -> Service:
    return Service(store)


def observe(store: Store, content: str, *, app: str = "Firefox", title: str = "", ago: float = 60.0,
            image_path: str | None = None, observer: str = "screen") -> int:
    """Enqueue one observation captured ``ago`` seconds before the store's clock."""
    return store.enqueue([Observation(captured_at=store.clock() - ago, observer=observer, app=app,
                                      window_title=title, content=content,
                                      image_path=image_path)])[0]


def believe(store: Store, text: str, *, confidence: float = 0.7, decay: str = "weeks",
            evidence: list[int] | None = None, reasoning: str = "") -> int:
    return store.add_proposition(
        Proposition(text=text, confidence=confidence, decay=decay, source="test",
                    reasoning=reasoning),
        evidence or [],
    )


class Tmpfs:
    """A small tmpfs of its own, to fill up or make read-only as a real disk would be."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True,
                       capture_output=True)

    def fill(self) -> None:
        """Take every free byte, as a disk filled by something else would be."""
        with open(self.path / "filler", "wb", buffering=0) as fh:
            for chunk in (1 << 20, 4096, 1):
                try:
                    while True:
                        fh.write(b"\0" * chunk)
                except OSError:
                    pass


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Tmpfs]:
    """A 20 MB tmpfs mounted for the test (skipped where mounting is not allowed)."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs to make a read-only or full disk needs root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip() or proc.returncode}")
    try:
        yield Tmpfs(mnt)
    finally:
        # Lazily: a connection the test left open must not leave the mount behind.
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)
