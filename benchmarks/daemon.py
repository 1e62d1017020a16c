"""Whole-daemon benchmark: `gumd run` with capture, OCR and the statistical inferrer on an X desktop.

Memory (sampled every second from /proc), time to the first proposition, how `gumd status`
reads while it starts and works, and what the log holds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The desktop, the simulated user and the process helpers are the capture benchmark's.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from capture import (  # noqa: E402
    XTERMS, ActiveUser, _end, _end_all, _spawn, activate, daemon_env, desktop_ready,
    open_xterm, start_openbox, start_xvfb,
)

TARGET_PEAK_MB = 300.0
TARGET_FIRST_S = 60.0
STOP_TIMEOUT_S = 60.0

# The shipped defaults (capture every 60 s, batches of 20, the statistical inferrer, RapidOCR),
# but for the disk guard, which a small scratch disk could trip.
CONFIG = """\
[capture]
observers = ["window", "screen", "input"]

[retention]
min_free_disk_mb = 0
"""
# The baseline (--compare-in-process): OCR inside the daemon, as before the OCR child.
IN_PROCESS = "\n[inference]\nocr_child = false\n"

KEYS = ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem")


def proc_status(pid: int) -> dict[str, int]:
    """The memory lines of /proc/PID/status, in kB ({} once the process is gone)."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in KEYS:
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        return {}
    return out


def descendants(pid: int) -> list[int]:
    """Child processes, recursively (API workers, OCR helpers): their memory counts too."""
    out: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        # Per thread: a child started from a worker thread is listed under that thread only.
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                out.append(int(child))
                todo.append(int(child))
    return out


@dataclass
class Sample:
    t: float  # seconds since `gumd run` was started
    rss_kb: int
    anon_kb: int
    file_kb: int
    tree_rss_kb: int  # the daemon and all its descendants (the OCR child)
    state: str  # what status.json said then: starting / running / ...
    step: str  # the progress step, "" between batches
    active: bool  # the simulated user was at work


@dataclass
class Run:
    samples: list[Sample] = field(default_factory=list)
    hwm_kb: int = 0
    child_hwm_kb: int = 0  # the highest VmHWM of any child process
    children_seen: set[int] = field(default_factory=set)
    first_proposition_s: float | None = None
    first_observation_s: float | None = None
    first_batch_s: float | None = None
    starting_seen_s: float | None = None
    running_s: float | None = None
    steps_seen: set[str] = field(default_factory=set)
    propositions: int = 0
    observations: int = 0
    frames_captured: int = 0
    exit_code: int | None = None
    log_lines: list[str] = field(default_factory=list)


def read_json(path: Path) -> dict[str, object]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def db_counts(db: Path) -> tuple[int, int]:
    """(propositions, observations); (0, 0) while the database does not exist yet."""
    if not db.exists():
        return 0, 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            props = conn.execute("SELECT count(*) FROM propositions").fetchone()[0]
            obs = conn.execute("SELECT count(*) FROM observations").fetchone()[0]
            return int(props), int(obs)
        finally:
            conn.close()
    except sqlite3.Error:  # not migrated yet
        return 0, 0


def run_daemon(display: str, home: Path, seconds: float, idle_seconds: float, driver: ActiveUser,
               config: str = CONFIG) -> Run:
    home.mkdir(parents=True, mode=0o700)
    (home / "config.toml").write_text(config)
    log_path = home.parent / f"{home.name}-daemon.log"
    log = open(log_path, "wb")
    run = Run()
    started = time.monotonic()
    daemon = _spawn([sys.executable, "-m", "gumd", "run"], env=daemon_env(display, home),
                    stdout=log, stderr=subprocess.STDOUT)
    driver.start()  # the user is at the desk from the start, as on a first run
    status_path, db = home / "status.json", home / "gumd.db"
    try:
        while (now := time.monotonic() - started) < seconds + idle_seconds:
            if daemon.poll() is not None:
                raise RuntimeError(f"gumd run exited with {daemon.returncode}")
            active = now < seconds
            if not active and driver.is_alive():
                driver.stop()  # the user leaves the desk
            mem = proc_status(daemon.pid)
            tree = mem.get("VmRSS", 0)
            for child in descendants(daemon.pid):
                cmem = proc_status(child)
                tree += cmem.get("VmRSS", 0)
                run.child_hwm_kb = max(run.child_hwm_kb, cmem.get("VmHWM", 0))
                run.children_seen.add(child)
            status = read_json(status_path)
            state = ("starting" if status.get("starting") else
                     "running" if status.get("running") else "none")
            progress = status.get("progress") or {}
            step = str(progress.get("step", "")) if isinstance(progress, dict) else ""
            if state == "starting" and run.starting_seen_s is None:
                run.starting_seen_s = now
            if state == "running" and run.running_s is None:
                run.running_s = now
            if step:
                run.steps_seen.add(step)
            if run.first_batch_s is None and status.get("last_inference_at"):
                run.first_batch_s = now
            props, obs = db_counts(db)
            if obs and run.first_observation_s is None:
                run.first_observation_s = now
            if props and run.first_proposition_s is None:
                run.first_proposition_s = now
            run.propositions, run.observations = props, obs
            run.frames_captured = int(status.get("frames_captured", 0) or 0)  # type: ignore[call-overload]
            run.samples.append(Sample(now, mem.get("VmRSS", 0), mem.get("RssAnon", 0),
                                      mem.get("RssFile", 0), tree, state, step, active))
            run.hwm_kb = max(run.hwm_kb, mem.get("VmHWM", 0))
            # Ten times a second at first, so the few seconds of "starting" are seen.
            period = 0.1 if now < 10 else 1.0
            time.sleep(max(0.0, period - (time.monotonic() - started - now)))
        if driver.is_alive():
            driver.stop()
        daemon.send_signal(signal.SIGTERM)
        try:
            run.exit_code = daemon.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            run.exit_code = None
    finally:
        if driver.is_alive():
            driver.stop()
        _end(daemon)
        log.close()
    run.log_lines = log_path.read_text(errors="replace").splitlines()
    return run


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.0f} s"


def report(title: str, args: argparse.Namespace, run: Run, driver: ActiveUser,
           load: tuple[float, float]) -> None:
    samples = run.samples
    active = [s for s in samples if s.active]
    late = [s for s in active if s.t >= args.seconds / 2] or active
    idle = [s for s in samples if not s.active]
    peak = max(samples, key=lambda s: s.rss_kb)
    tree_peak = max(samples, key=lambda s: s.tree_rss_kb)
    print(f"\n== {title}: {args.seconds:.0f} s at work, then {args.idle_seconds:.0f} s away ==")
    print(f"machine: {os.cpu_count()} cores; load average {load[0]:.2f} at start, {load[1]:.2f} at end")
    print(f"simulated user: {driver.sentences} sentences typed, {driver.switches} window switches")
    print(f"frames captured: {run.frames_captured}; observations: {run.observations}; "
          f"propositions: {run.propositions}; OCR child processes started: {len(run.children_seen)}")
    print("\nmemory (from /proc/PID/status, sampled every second, every 0.1 s for the first 10 s)")
    print(f"  daemon peak RSS (VmHWM)           {_mb(run.hwm_kb)}")
    print(f"  daemon at its highest sample      {_mb(peak.rss_kb)} = {_mb(peak.anon_kb)} anonymous "
          f"+ {_mb(peak.file_kb)} file-backed, at {peak.t:.0f} s ({peak.step or 'between batches'})")
    if late:
        print(f"  daemon steady (median, 2nd half)  {_mb(statistics.median(s.rss_kb for s in late))} = "
              f"{_mb(statistics.median(s.anon_kb for s in late))} anonymous + "
              f"{_mb(statistics.median(s.file_kb for s in late))} file-backed")
    print(f"  OCR child peak RSS (VmHWM)        {_mb(run.child_hwm_kb)}")
    print(f"  daemon + children, highest sum    {_mb(tree_peak.tree_rss_kb)} at {tree_peak.t:.0f} s")
    if late:
        print(f"  daemon + children, steady         {_mb(statistics.median(s.tree_rss_kb for s in late))}")
    if idle:
        print(f"  daemon + children, away at the end {_mb(idle[-1].tree_rss_kb)} "
              f"(daemon {_mb(idle[-1].rss_kb)})")
    for name, value in (("daemon peak", run.hwm_kb),
                        ("daemon + children peak", max(run.hwm_kb, tree_peak.tree_rss_kb))):
        verdict = "PASS" if value / 1024 <= TARGET_PEAK_MB else "FAIL"
        print(f"  target {name} <= {TARGET_PEAK_MB:.0f} MB: {verdict} ({_mb(value)})")
    print("\nfirst results")
    print(f"  status.json said 'starting' at {_s(run.starting_seen_s)}, 'running' at {_s(run.running_s)}")
    print(f"  first observation stored    {_s(run.first_observation_s)}")
    print(f"  first batch done            {_s(run.first_batch_s)}")
    first = run.first_proposition_s
    verdict = "PASS" if first is not None and first <= TARGET_FIRST_S else "FAIL"
    print(f"  first proposition           {_s(first)}  (target <= {TARGET_FIRST_S:.0f} s: {verdict})")
    print(f"  progress steps seen         {', '.join(sorted(run.steps_seen)) or 'none'}")
    lines = run.log_lines
    scheduler = sum("apscheduler" in line for line in lines)
    batches = [line for line in lines if " batch: " in line]
    print("\nlog")
    print(f"  {len(lines)} lines; {scheduler} from apscheduler; {len(batches)} batch lines")
    for line in batches[:3]:
        print(f"    {line.split(': ', 1)[-1]}")
    print(f"\nexit status on SIGTERM: {run.exit_code}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=600.0, help="how long gumd runs (default 600)")
    parser.add_argument("--idle-seconds", type=float, default=90.0,
                        help="then this long with the user away (default 90; the OCR child exits "
                             "after 60 s without screenshots)")
    parser.add_argument("--compare-in-process", action="store_true",
                        help="then run the same again with OCR inside the daemon (ocr_child = false)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary home and the daemon log")
    parser.add_argument("--samples", type=Path, help="write the per-second samples to this JSON file")
    args = parser.parse_args(argv)
    if not desktop_ready():
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="gumd-daemon-bench-"))
    load_start = os.getloadavg()[0]
    try:
        display = start_xvfb()
        start_openbox(display)
        windows = [open_xterm(display, title, text, geometry) for title, text, geometry in XTERMS]
        activate(display, windows[0])
        print(f"desktop on {display}: {len(windows)} xterms; homes under {scratch}; "
              f"running gumd for {args.seconds + args.idle_seconds:.0f} s ...", flush=True)
        runs = [("gumd run, shipped defaults (OCR child, RapidOCR, statistical inferrer)", CONFIG)]
        if args.compare_in_process:
            runs.append(("baseline: OCR inside the daemon (inference.ocr_child = false)",
                         CONFIG + IN_PROCESS))
        codes = []
        for i, (title, config) in enumerate(runs):
            driver = ActiveUser(display, windows)  # the same seed: the same session each time
            load_at = os.getloadavg()[0] if i else load_start
            run = run_daemon(display, scratch / f"home{i}", args.seconds, args.idle_seconds, driver,
                             config)
            if driver.error is not None:
                raise RuntimeError(f"the simulated user failed: {driver.error}")
            report(title, args, run, driver, (load_at, os.getloadavg()[0]))
            if args.samples:
                path = args.samples if not i else args.samples.with_suffix(f".{i}.json")
                path.write_text(json.dumps([s.__dict__ for s in run.samples]))
            codes.append(run.exit_code)
        return 0 if all(c == 0 for c in codes) else 1
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
    threading.current_thread().name = "bench"
    sys.exit(main())
