"""Capture benchmark: gumd run's CPU, memory and disk on a real X desktop; change-check and OCR costs."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

REQUIRED = ("Xvfb", "openbox", "xdotool", "xterm")
SCREEN = "1920x1080x24"
START_TIMEOUT_S = 15.0
WARMUP_S = 5.0  # after status.json appears: imports and the first capture are not steady state
STOP_TIMEOUT_S = 30.0

# Targets from the product brief.
TARGET_STATIC_CPU_PCT = 1.0
TARGET_ACTIVE_CPU_PCT = 5.0
TARGET_CHECK_MS = 5.0
TARGET_DAY_MB = 150.0
WORKDAY_H = 8.0

# Default capture settings; inference is kept from running (huge batch, day-long wait) so the
# daemon's own cost is measured without OCR, which is reported apart.
CONFIG = """\
[capture]
observers = ["window", "screen", "input"]

[inference]
batch_size = 500

[daemon]
max_wait_s = 86400

[retention]
min_free_disk_mb = 0
"""

# (title, text, geometry): an editor the driver types into, and two windows it "reads".
XTERMS = (
    ("notes.md - editor", "Quarterly planning notes\n\n- budget review with finance on Tuesday\n"
     "- migrate the invoice service to the new database\n- draft the release announcement\n",
     "110x30+20+40"),
    ("design doc - reader", "Design: change detection for screen capture\n\nEach frame is reduced "
     "to a 64x36 grey thumbnail and compared\nwith the last stored one; unchanged frames are "
     "dropped\nbefore anything is written to disk or read by OCR.\n", "90x40+700+60"),
    ("team chat", "alex: is the deploy done?\nsam: yes, rolled out to staging at 14:05\n"
     "alex: great, shipping to production after lunch\n", "70x20+1100+600"),
)
SENTENCES = (
    "Follow up with the hotel about the conference booking.",
    "The retention job deletes processed observations after thirty days.",
    "Remember to compare the quarterly revenue chart with last year.",
    "Ask Priya whether the contract draft needs legal review.",
    "Fix the flaky test in the payment branch before the release.",
    "Book flights to Lisbon for the team offsite in May.",
    "Meeting notes: agreed to ship the search feature next sprint.",
    "Write the summary for the customer feedback survey.",
)

# Every process this script starts, so it can end them on any exit (Ctrl-C included).
_children: list[subprocess.Popen[bytes]] = []


# -- processes ----------------------------------------------------------------------------


def _spawn(args: Sequence[str], env: dict[str, str] | None = None,
           **kwargs: object) -> subprocess.Popen[bytes]:
    # A new session: Ctrl-C reaches only this script, which then ends its children in order.
    process = subprocess.Popen(list(args), env=env, start_new_session=True,
                               **kwargs)  # type: ignore[call-overload]
    _children.append(process)
    return process


def _end(process: subprocess.Popen[bytes], timeout: float = 5.0) -> int | None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    if process in _children:
        _children.remove(process)
    return process.returncode


def _end_all() -> None:
    while _children:  # newest first: xterms and the daemon before the X server they use
        _end(_children[-1])


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that clean up


def desktop_ready() -> bool:
    """Whether this machine can run a desktop benchmark (saying why not); then make every
    way of stopping it clean up."""
    missing = [name for name in REQUIRED if shutil.which(name) is None]
    if missing:
        print(f"needs {', '.join(missing)} on PATH (Debian: apt install xvfb openbox xdotool xterm)",
              file=sys.stderr)
        return False
    if not sys.platform.startswith("linux"):
        print("needs Linux (/proc and Xvfb)", file=sys.stderr)
        return False
    # Python leaves SIGINT ignored when started in the background; Ctrl-C must always clean up.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    return True


# -- the X desktop ------------------------------------------------------------------------


def start_xvfb() -> str:
    """Xvfb on a free display (it picks it itself with -displayfd); returns ":N"."""
    read_end, write_end = os.pipe()
    try:
        process = _spawn(["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
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
        raise RuntimeError(f"Xvfb did not start within {START_TIMEOUT_S:.0f} s")
    return f":{int(number)}"


def start_openbox(display: str) -> None:
    """openbox, once it has claimed the screen (it sets _NET_SUPPORTING_WM_CHECK on the root)."""
    from Xlib import X
    from Xlib import display as xdisplay

    process = _spawn(["openbox", "--sm-disable"], env=_x_env(display),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn = xdisplay.Display(display)
    try:
        check = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if conn.screen().root.get_full_property(check, X.AnyPropertyType) is not None:
                return
            if process.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        conn.close()
    raise RuntimeError("openbox did not start")


def _x_env(display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE")}
    env["DISPLAY"] = display
    return env


def xdotool(display: str, *args: str) -> str:
    done = subprocess.run(["xdotool", *args], capture_output=True, text=True, timeout=60,
                          env=_x_env(display))
    if done.returncode != 0:
        raise RuntimeError(f"xdotool {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def open_xterm(display: str, title: str, text: str, geometry: str) -> str:
    """An xterm showing ``text`` in a scalable font (OCR can read it); returns its window id.

    ``cat`` reads what is typed, so the terminal's input buffer never fills however long
    the driver types (the tty still echoes it, which is what changes the screen).
    """
    _spawn(["xterm", "-T", title, "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", geometry,
            "-e", "sh", "-c", 'printf "%s" "$1"; exec cat >/dev/null', "sh", text],
           env=_x_env(display), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pattern = "^" + "".join("\\" + c if c in "][.^$*+?(){}|\\" else c for c in title) + "$"
    return xdotool(display, "search", "--sync", "--onlyvisible", "--name", pattern).split()[0]


def activate(display: str, window: str) -> None:
    xdotool(display, "windowactivate", "--sync", window)


class ActiveUser(threading.Thread):
    """A person at the desk: types into the editor, reads the other windows, switches every ~15 s."""

    def __init__(self, display: str, windows: Sequence[str], seed: int = 7) -> None:
        super().__init__(name="active-user", daemon=True)
        self.display = display
        self.windows = list(windows)  # the editor first
        self.rng = random.Random(seed)  # the same session every run
        self.stop_event = threading.Event()
        self.sentences = 0
        self.switches = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        # Editor, reader, editor, chat, ...: typing stretches alternate with reading ones.
        order = [0, 1, 0, 2]
        step = 0
        try:
            while not self.stop_event.is_set():
                index = order[step % len(order)]
                step += 1
                activate(self.display, self.windows[index])
                self.switches += 1
                until = time.monotonic() + self.rng.uniform(12.0, 18.0)
                while time.monotonic() < until and not self.stop_event.is_set():
                    if self.rng.random() < 0.15:  # thinking: a short pause with no input at all
                        self.stop_event.wait(self.rng.uniform(5.0, 8.0))
                    elif index == 0:
                        xdotool(self.display, "type", "--delay", "80", self.rng.choice(SENTENCES))
                        xdotool(self.display, "key", "Return")
                        self.sentences += 1
                        self.stop_event.wait(self.rng.uniform(1.5, 4.0))
                    else:  # reading: the mouse moves now and then, the window does not change
                        xdotool(self.display, "mousemove", str(self.rng.randint(200, 1700)),
                                str(self.rng.randint(150, 950)))
                        self.stop_event.wait(self.rng.uniform(2.0, 4.0))
        except BaseException as exc:  # reported by the scenario, which would otherwise measure nothing
            self.error = exc

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=15)


# -- measuring the daemon -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of its waited-for children, from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # fields 14-17 of proc(5)
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def io_write_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def db_file_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("gumd.db*") if p.is_file())


def db_logical(db: Path) -> tuple[int, int]:
    """(bytes in use, observations) as a reader sees them, WAL included; the WAL file itself is
    reused after each checkpoint, so its size does not grow with time and is not extrapolated."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        pages, free, size = (conn.execute(f"PRAGMA {p}").fetchone()[0]
                             for p in ("page_count", "freelist_count", "page_size"))
        count = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
        return (pages - free) * size, count
    finally:
        conn.close()


@dataclass
class Scenario:
    name: str
    seconds: float = 0.0
    cpu_s: float = 0.0
    peak_rss_kb: int = 0
    frames_captured: int = 0
    frames_skipped: int = 0
    observations: int = 0  # enqueued during the measured window
    files_growth: int = 0  # screenshots folder + gumd.db, -wal, -shm
    stored_growth: int = 0  # screenshots folder + database pages in use
    screenshots_growth: int = 0
    kernel_write_bytes: int | None = None
    exit_code: int | None = None
    driver: str = ""
    home: Path = field(default_factory=Path)

    @property
    def cpu_pct(self) -> float:
        return 100.0 * self.cpu_s / self.seconds

    def per_hour(self, value: float) -> float:
        return value / self.seconds * 3600.0


def write_home(home: Path) -> None:
    home.mkdir(parents=True, mode=0o700)
    (home / "config.toml").write_text(CONFIG)


def daemon_env(display: str, home: Path) -> dict[str, str]:
    # GUMD_* variables would override the config under test.
    env = {k: v for k, v in _x_env(display).items() if not k.startswith("GUMD_")}
    env["GUMD_HOME"] = str(home)
    return env


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)


def read_status(home: Path) -> dict[str, object]:
    try:
        return json.loads((home / "status.json").read_text())
    except (OSError, ValueError):
        return {}


def run_scenario(name: str, display: str, home: Path, seconds: float,
                 driver: ActiveUser | None = None) -> Scenario:
    """Run `gumd run` on ``home``; measure it over ``seconds`` after the warm-up; stop it."""
    write_home(home)
    log = open(home.parent / f"{home.name}-daemon.log", "wb")
    daemon = _spawn([sys.executable, "-m", "gumd", "run"], env=daemon_env(display, home),
                    stdout=log, stderr=subprocess.STDOUT)
    result = Scenario(name=name, home=home)
    try:
        wait_for(lambda: (home / "status.json").exists() or daemon.poll() is not None, 60,
                 "the daemon's first status.json")
        if daemon.poll() is not None:
            raise RuntimeError(f"gumd run exited with {daemon.returncode}")
        if driver is not None:
            driver.start()
        time.sleep(WARMUP_S)
        db = home / "gumd.db"
        cpu0, io0 = cpu_seconds(daemon.pid), io_write_bytes(daemon.pid)
        shots0, files0 = folder_bytes(home / "screenshots"), db_file_bytes(home)
        (used0, count0), t0 = db_logical(db), time.monotonic()
        time.sleep(seconds)
        cpu1, io1 = cpu_seconds(daemon.pid), io_write_bytes(daemon.pid)
        t1, wall1 = time.monotonic(), time.time()
        result.peak_rss_kb = proc_status_kb(daemon.pid, "VmHWM")
        if driver is not None:
            driver.stop()
            if driver.error is not None:
                raise RuntimeError(f"the simulated user failed: {driver.error}")
            result.driver = f"{driver.sentences} sentences typed, {driver.switches} window switches"
        shots1, files1 = folder_bytes(home / "screenshots"), db_file_bytes(home)
        used1, count1 = db_logical(db)
        result.seconds, result.cpu_s = t1 - t0, cpu1 - cpu0
        result.screenshots_growth = shots1 - shots0
        result.files_growth = (shots1 + files1) - (shots0 + files0)
        result.stored_growth = (shots1 + used1) - (shots0 + used0)
        result.observations = count1 - count0
        if io0 is not None and io1 is not None:
            result.kernel_write_bytes = io1 - io0
        # The counters are written every 5 s: wait for a write made after the window closed.
        wait_for(lambda: float(read_status(home).get("updated_at", 0) or 0) > wall1, 15,
                 "a fresh status.json")
        status = read_status(home)
        result.frames_captured = int(status.get("frames_captured", 0) or 0)  # type: ignore[call-overload]
        result.frames_skipped = int(status.get("frames_skipped", 0) or 0)  # type: ignore[call-overload]
        daemon.send_signal(signal.SIGTERM)
        try:
            result.exit_code = daemon.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            result.exit_code = None  # reported as a failure; _end kills it
    finally:
        if driver is not None and driver.is_alive():
            driver.stop()
        _end(daemon)
        log.close()
    if result.exit_code != 0:
        tail = (home.parent / f"{home.name}-daemon.log").read_text(errors="replace")[-2000:]
        print(f"[{name}] gumd run exited with {result.exit_code}; log tail:\n{tail}", file=sys.stderr)
    return result


# -- the change check -----------------------------------------------------------------------


@dataclass
class CheckTiming:
    frame: tuple[int, int]
    check_ms: list[float]  # as the observer times itself (wall)
    check_cpu_ms: list[float]  # this thread's CPU, less sensitive to other jobs on the machine
    grab_ms: list[float]


def time_change_check(display: str, editor: str, iterations: int) -> CheckTiming:
    """Time ScreenObserver._changed (thumbnail + comparison) on real 1080p frames from Xvfb."""
    from gumd.observers.screen import MssGrabber, ScreenObserver
    from gumd.settings import CaptureSettings

    grabber = MssGrabber(display)
    observer = ScreenObserver(grabber, change_threshold=CaptureSettings().change_threshold)
    try:
        grab_ms = []
        for _ in range(20):
            started = time.perf_counter()
            before = grabber.grab(None)  # no bounds: the whole 1920x1080 monitor
            grab_ms.append((time.perf_counter() - started) * 1000)
        activate(display, editor)
        xdotool(display, "type", "--delay", "10", "change check")
        time.sleep(0.3)
        after = grabber.grab(None)
        frames = (before, after)
        cpu_ms = []
        for i in range(iterations):
            started = time.thread_time()
            observer._changed(frames[i % 2])  # the daemon's own step, with its own timer
            cpu_ms.append((time.thread_time() - started) * 1000)
        wall_ms = [s * 1000 for s in list(observer.check_seconds)[-iterations:]]
        return CheckTiming(before.size, wall_ms, cpu_ms, grab_ms)
    finally:
        grabber.close()


# -- OCR and processing, apart from capture -------------------------------------------------


@dataclass
class OcrTiming:
    engine: str
    frames: int = 0
    cpu_s: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)
    sizes: list[tuple[int, int]] = field(default_factory=list)
    error: str | None = None


def _cpu_now() -> float:
    """CPU of this process (all threads) and of its waited-for children (tesseract runs as one)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def time_ocr(shots: Sequence[Path], engine_name: str) -> OcrTiming:
    from PIL import Image

    from propositions.screen import make_ocr, read_screenshot

    result = OcrTiming(engine_name)
    try:
        engine = make_ocr(engine_name)
        if shots:
            read_screenshot(shots[0], engine=engine)  # loads models once, as the daemon does
        for shot in shots:
            with Image.open(shot) as image:
                result.sizes.append(image.size)
            cpu0, wall0 = _cpu_now(), time.perf_counter()
            read_screenshot(shot, engine=engine)
            result.cpu_s.append(_cpu_now() - cpu0)
            result.wall_s.append(time.perf_counter() - wall0)
        result.frames = len(shots)
    except Exception as exc:  # an engine missing here is reported, not fatal to the benchmark
        result.error = f"{type(exc).__name__}: {exc}"
    return result


@dataclass
class Processed:
    ok: bool
    seconds: float = 0.0
    cpu_s: float = 0.0
    observations: int = 0
    screens: int = 0
    db_bytes: int = 0  # gumd.db after processing (the store checkpoints its WAL on close)
    db_payload: int = 0  # bytes the rows and indexes fill inside those pages
    empty_db_bytes: int = 0
    empty_db_payload: int = 0
    screen_text_bytes: float = 0.0  # mean OCR text stored per screenshot, a cross-check
    screenshots_left: int = 0
    output: str = ""

    @property
    def file_per_observation(self) -> float:
        """Growth of the file: whole 4 kB pages, coarse over a few dozen observations."""
        return (self.db_bytes - self.empty_db_bytes) / max(1, self.observations)

    @property
    def payload_per_observation(self) -> float:
        """Growth of what the pages hold (dbstat): fine-grained, but leaves out unfilled space."""
        return (self.db_payload - self.empty_db_payload) / max(1, self.observations)

    @property
    def per_observation(self) -> float:
        return max(self.file_per_observation, self.payload_per_observation)  # the worse of the two


def db_payload(db: Path) -> int:
    """Bytes in use inside the database's pages, from SQLite's dbstat table."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT sum(pgsize - unused) FROM dbstat").fetchone()[0] or 0)
    finally:
        conn.close()


def empty_db(folder: Path) -> tuple[int, int]:
    """(file bytes, payload) of a fresh database (schema only), the base growth is measured from."""
    from propositions import Store

    path = folder / "empty.db"
    Store(path).close()
    return sum(p.stat().st_size for p in folder.glob("empty.db*")), db_payload(path)


def process_queue(home: Path, scratch: Path) -> Processed:
    """`gumd queue process` on the home, with its default OCR (auto: rapidocr, else tesseract)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUMD_")}
    env["GUMD_HOME"] = str(home)
    kids0, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gumd", "queue", "process"], env=env,
                          capture_output=True, text=True, timeout=1800, start_new_session=True)
    kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = Processed(ok=done.returncode == 0, seconds=time.perf_counter() - started,
                       cpu_s=(kids1.ru_utime + kids1.ru_stime) - (kids0.ru_utime + kids0.ru_stime),
                       output=(done.stdout + done.stderr).strip()[-1500:])
    db = home / "gumd.db"
    result.db_bytes = db_file_bytes(home)
    _, result.observations = db_logical(db)
    result.db_payload = db_payload(db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        result.screens, text = conn.execute(
            "SELECT count(*), avg(length(CAST(content AS BLOB))) FROM observations "
            "WHERE observer = 'screen'").fetchone()
        result.screen_text_bytes = float(text or 0.0)
    finally:
        conn.close()
    result.empty_db_bytes, result.empty_db_payload = empty_db(scratch)
    result.screenshots_left = folder_bytes(home / "screenshots")
    return result


# -- the report -----------------------------------------------------------------------------


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _mb(n: float) -> str:
    return f"{n / 1e6:.2f} MB"


def _verdict(ok: bool) -> str:
    return "yes" if ok else "NO"


def report(args: argparse.Namespace, load_start: tuple[float, float, float],
           load_end: tuple[float, float, float], static: Scenario, active: Scenario,
           check: CheckTiming, ocr: list[OcrTiming], processed: Processed | None) -> None:
    print()
    print(f"gumd capture benchmark: {args.seconds:.0f} s per scenario, Xvfb {SCREEN}, "
          f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"load average at start: {load_start[0]:.2f} {load_start[1]:.2f} {load_start[2]:.2f}; "
          f"at end: {load_end[0]:.2f} {load_end[1]:.2f} {load_end[2]:.2f}")
    print()
    for s in (static, active):
        print(f"[{s.name}] measured {s.seconds:.1f} s: CPU {s.cpu_s:.2f} s = {s.cpu_pct:.2f} % of one core; "
              f"peak RSS {s.peak_rss_kb / 1024:.0f} MiB; frames captured {s.frames_captured}, "
              f"skipped {s.frames_skipped} (whole run, warm-up included); "
              f"{s.observations} observations queued in the window; exit code {s.exit_code}")
        kernel = "" if s.kernel_write_bytes is None else f"; kernel write_bytes {_mb(s.kernel_write_bytes)}"
        print(f"    bytes: files (screenshots + gumd.db*) +{_mb(s.files_growth)}, screenshots "
              f"+{_mb(s.screenshots_growth)}, stored (screenshots + DB pages) +{_mb(s.stored_growth)} "
              f"-> {_mb(s.per_hour(s.stored_growth))}/h, {_mb(s.per_hour(s.stored_growth) * WORKDAY_H)}"
              f"/{WORKDAY_H:.0f} h day{kernel}")
        if s.driver:
            print(f"    simulated user: {s.driver}")
    print()
    med, p95 = statistics.median(check.check_ms), _pct(check.check_ms, 0.95)
    cpu_med, cpu_p95 = statistics.median(check.check_cpu_ms), _pct(check.check_cpu_ms, 0.95)
    print(f"[change check] {len(check.check_ms)} checks on {check.frame[0]}x{check.frame[1]} frames: "
          f"wall median {med:.2f} ms, p95 {p95:.2f} ms; thread CPU median {cpu_med:.2f} ms, "
          f"p95 {cpu_p95:.2f} ms; the grab before it (mss, not part of the check) median "
          f"{statistics.median(check.grab_ms):.2f} ms")
    print()
    for o in ocr:
        if o.error:
            print(f"[ocr {o.engine}] not measured: {o.error}")
            continue
        if not o.frames:
            print(f"[ocr {o.engine}] no stored screenshots to read")
            continue
        sizes = ", ".join(f"{w}x{h}" for w, h in o.sizes)
        print(f"[ocr {o.engine}] {o.frames} frames ({sizes}): CPU median {statistics.median(o.cpu_s):.2f} s "
              f"per frame (max {max(o.cpu_s):.2f}), wall median {statistics.median(o.wall_s):.2f} s")
    print("    OCR runs in the daemon's inference job at its nice level (10 by default), and only for "
          "frames the change check kept; it is not part of the CPU figures above.")
    if processed is not None:
        print()
        if processed.ok:
            obs_per_h = active.per_hour(active.observations)
            day = processed.per_observation * obs_per_h * WORKDAY_H
            print(f"[after `gumd queue process` on the active home] {processed.observations} observations "
                  f"({processed.screens} screenshots OCR'd) in {processed.seconds:.1f} s wall, "
                  f"{processed.cpu_s:.1f} s CPU; screenshots left {_mb(processed.screenshots_left)}")
            print(f"    gumd.db {_mb(processed.db_bytes)} (empty schema {_mb(processed.empty_db_bytes)}): "
                  f"file growth {processed.file_per_observation / 1e3:.2f} kB per observation (whole "
                  f"pages), page contents {processed.payload_per_observation / 1e3:.2f} kB (dbstat); "
                  f"OCR text {processed.screen_text_bytes / 1e3:.2f} kB per screenshot, before its "
                  f"full-text index entries")
            print(f"    at {obs_per_h:.0f} observations/h and the larger of the two -> {_mb(day)} "
                  f"of database per {WORKDAY_H:.0f} h day")
        else:
            print(f"[gumd queue process] failed:\n{processed.output}")

    print()
    rows: list[tuple[str, str, str, str]] = [
        ("static screen: daemon CPU", f"{static.cpu_pct:.2f} % of one core",
         f"<= {TARGET_STATIC_CPU_PCT:g} %", _verdict(static.cpu_pct <= TARGET_STATIC_CPU_PCT)),
        ("active: daemon CPU (no OCR)", f"{active.cpu_pct:.2f} % of one core",
         f"<= {TARGET_ACTIVE_CPU_PCT:g} %", _verdict(active.cpu_pct <= TARGET_ACTIVE_CPU_PCT)),
        # Wall time includes waiting for a core when other jobs share the machine; CPU does not.
        ("change check, 1080p, wall", f"median {med:.2f} ms, p95 {p95:.2f} ms",
         f"<= {TARGET_CHECK_MS:g} ms", _verdict(med <= TARGET_CHECK_MS)),
        ("change check, 1080p, thread CPU", f"median {cpu_med:.2f} ms, p95 {cpu_p95:.2f} ms",
         f"<= {TARGET_CHECK_MS:g} ms", _verdict(cpu_med <= TARGET_CHECK_MS)),
        ("disk per 8 h active day, before OCR", _mb(active.per_hour(active.stored_growth) * WORKDAY_H),
         "(screenshots wait for OCR)", "-"),
    ]
    if processed is not None and processed.ok:
        day = processed.per_observation * active.per_hour(active.observations) * WORKDAY_H
        rows.append(("disk per 8 h active day, DB after OCR", _mb(day), f"<= {TARGET_DAY_MB:g} MB",
                     _verdict(day / 1e6 <= TARGET_DAY_MB)))
    rows += [
        ("peak RSS static / active", f"{static.peak_rss_kb / 1024:.0f} / {active.peak_rss_kb / 1024:.0f} MiB",
         "-", "-"),
        ("clean exit on SIGTERM", f"{static.exit_code} / {active.exit_code}", "0",
         _verdict(static.exit_code == 0 and active.exit_code == 0)),
    ]
    widths = [max(len(r[i]) for r in rows + [("metric", "measured", "target", "met")]) for i in range(4)]
    line = "| " + " | ".join("{:<%d}" % w for w in widths) + " |"
    print(line.format("metric", "measured", "target", "met"))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line.format(*row))


# -- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds per scenario")
    parser.add_argument("--checks", type=int, default=200, help="change checks to time")
    parser.add_argument("--ocr-frames", type=int, default=5, help="stored screenshots to OCR per engine")
    parser.add_argument("--no-process", action="store_true", help="skip `gumd queue process` at the end")
    parser.add_argument("--keep", action="store_true", help="keep the temporary homes and daemon logs")
    args = parser.parse_args(argv)
    if not desktop_ready():
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="gumd-capture-bench-"))
    load_start = os.getloadavg()
    try:
        display = start_xvfb()
        start_openbox(display)
        windows = [open_xterm(display, title, text, geometry) for title, text, geometry in XTERMS]
        activate(display, windows[0])
        print(f"desktop on {display}: {len(windows)} xterms; homes under {scratch}", flush=True)

        print(f"scenario A (static screen): {WARMUP_S:.0f} s warm-up + {args.seconds:.0f} s ...", flush=True)
        static = run_scenario("A static", display, scratch / "static", args.seconds)
        print(f"scenario B (active user): {WARMUP_S:.0f} s warm-up + {args.seconds:.0f} s ...", flush=True)
        active = run_scenario("B active", display, scratch / "active", args.seconds,
                              ActiveUser(display, windows))

        print("change check ...", flush=True)
        check = time_change_check(display, windows[0], args.checks)

        # OCR before processing: `gumd queue process` deletes the screenshots it has read.
        stored = sorted((active.home / "screenshots").glob("*.webp"))
        step = max(1, len(stored) // max(1, args.ocr_frames))
        sample = stored[::step][:args.ocr_frames]
        print(f"OCR on {len(sample)} of {len(stored)} stored screenshots ...", flush=True)
        ocr = [time_ocr(sample, "tesseract"), time_ocr(sample, "rapidocr")]

        processed = None
        if not args.no_process:
            print("gumd queue process on the active home ...", flush=True)
            processed = process_queue(active.home, scratch)
        load_end = os.getloadavg()
        report(args, load_start, load_end, static, active, check, ocr, processed)
        ok = static.exit_code == 0 and active.exit_code == 0 and (processed is None or processed.ok)
        return 0 if ok else 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        _end_all()
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
