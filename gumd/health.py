"""The daemon's single-instance lock and its health file, and how `gumd status` judges them."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import AlreadyRunning

LOCK_NAME = "gumd.lock"
STATUS_NAME = "status.json"
#: the daemon rewrites its status this often; much older means it stopped answering
HEARTBEAT_S = 5.0


class InstanceLock:
    """An exclusive ``flock`` on ``<home>/gumd.lock``; the kernel drops it if the process dies."""

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = read_pid(self.path)
            raise AlreadyRunning(
                f"gumd is already running for this home (pid {pid or '?'}); "
                "stop it first (gumd service stop, or kill it)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip() or 0) or None
    except (OSError, ValueError):
        return None


def lock_held(home: Path) -> bool:
    """True when some process holds the home's daemon lock (probing never takes it for long)."""
    path = home / LOCK_NAME
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@dataclass
class DaemonReport:
    """What the running daemon reports about itself every few seconds (its health file).

    Raw, as the daemon knows it; `gumd.status` judges it with the lock, pause file and queue
    into the status (the TUI's ``DaemonStatus``) that every front end shows.
    """

    pid: int = 0
    started_at: float = 0.0
    updated_at: float = 0.0
    running: bool = False
    #: True from the moment the lock is taken until the observers and the scheduler are up
    starting: bool = False
    paused: bool = False
    paused_until: float | None = None
    idle: bool = False
    capture_blocked: str | None = None  # why capture is held back (excluded window, disk, size cap)
    observers: list[str] = field(default_factory=list)
    observer_errors: dict[str, str] = field(default_factory=dict)
    last_capture_at: float = 0.0
    #: last time the screen observer looked at the screen (a skipped unchanged frame counts)
    last_frame_check_at: float = 0.0
    last_observation_at: float = 0.0
    last_inference_at: float = 0.0
    last_inference_error: str | None = None
    model_unavailable: str | None = None
    #: model inference waits: the computer is on battery and the person active
    waiting_for_power: bool = False
    backend: str = ""
    frames_captured: int = 0
    frames_skipped: int = 0
    capture_interval_s: float = 60.0
    max_wait_s: float = 300.0
    #: the local API, when the daemon serves it: its address and its worker processes
    api_url: str | None = None
    api_workers: int = 0
    api_workers_resting: bool = False
    #: the work in hand, for `gumd status` and the dashboard: {"step", "done", "total", "batch",
    #: "queued", "since"}; None when the daemon is between batches
    progress: dict[str, Any] | None = None
    #: model calls, tokens and latency over the last hour and since start (gumd.usage.ModelUsage);
    #: None when no model is in use (the statistical inferrer)
    model_usage: dict[str, Any] | None = None


def announce_starting(home: Path, lock: InstanceLock, now: float | None = None) -> DaemonReport:
    """Take the lock and say "starting" at once, before the slow imports and set-up.

    Loading the models' code, opening the database and connecting to the display can take
    many seconds on a busy machine; without this `gumd status` would say "stopped" meanwhile.
    """
    lock.acquire()
    now = time.time() if now is None else now
    status = DaemonReport(pid=os.getpid(), started_at=now, updated_at=now, starting=True)
    try:
        write_status(home, status)
    except OSError:
        pass  # the lock alone already makes status say "starting"
    return status


POWER_WAIT = "inference waits for mains power"


def inference_wait(status: DaemonReport | None) -> str | None:
    """Why inference is held back by policy now, for `gumd status`; None when it is not."""
    return POWER_WAIT if status is not None and status.waiting_for_power else None


def write_status(home: Path, status: DaemonReport) -> None:
    """Replace the status file atomically (0600), so a reader never sees half of it."""
    fd, tmp = tempfile.mkstemp(prefix=".status-", dir=home)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(asdict(status), fh)
        os.replace(tmp, home / STATUS_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_status(home: Path) -> DaemonReport | None:
    try:
        data = json.loads((home / STATUS_NAME).read_text())
    except (OSError, ValueError):
        return None
    known = {k: v for k, v in data.items() if k in DaemonReport.__dataclass_fields__}
    return DaemonReport(**known)


def _from_an_earlier_run(home: Path, status: DaemonReport) -> bool:
    pid = read_pid(home / LOCK_NAME)
    return pid is not None and status.pid != pid


def judge(home: Path, status: DaemonReport | None, queue: dict[str, int],
          oldest_pending_at: float | None, now: float | None = None,
          paused: bool | None = None) -> dict[str, Any]:
    """The overall state (stopped, starting, running, paused, stalled) with the reasons, for `gumd status`.

    ``paused`` is the pause file's answer now; the daemon's own report of it
    can be a few seconds old.
    """
    now = time.time() if now is None else now
    if status is not None and paused is not None:
        status.paused = paused
    running = lock_held(home)
    out: dict[str, Any] = {"state": "stopped", "running": running, "problems": []}
    if not running:
        return out
    if status is None or status.starting or _from_an_earlier_run(home, status):
        # The lock is taken before anything slow, so a daemon that holds it and has not yet
        # reported (or whose file is the last run's) is on its way up, not stopped.
        out["state"] = "starting"
        return out
    problems: list[str] = out["problems"]
    if now - status.updated_at > 6 * HEARTBEAT_S:
        problems.append(f"the daemon has not reported for {int(now - status.updated_at)} s")
    capturing = "screen" in status.observers
    uptime = now - status.started_at
    looked = max(status.last_capture_at, status.last_frame_check_at) or status.started_at
    if (capturing and not status.paused and not status.idle and not status.capture_blocked
            and uptime > 3 * status.capture_interval_s
            and now - looked > 3 * status.capture_interval_s):
        problems.append(f"the screen has not been checked for {int(now - looked)} s "
                        "although you are active")
    if (oldest_pending_at and now - oldest_pending_at > status.max_wait_s + 600
            and not status.waiting_for_power):  # waiting on battery is the policy, not a stall
        if status.model_unavailable:
            problems.append(f"inference waits for the model: {status.model_unavailable}")
        elif now - (status.last_inference_at or status.started_at) > status.max_wait_s + 600:
            problems.append(f"{queue.get('pending', 0)} observations have waited "
                            f"{int((now - oldest_pending_at) / 60)} min for inference")
    if problems:
        out["state"] = "stalled"
    elif status.paused:
        out["state"] = "paused"
    else:
        out["state"] = "running"
    return out


def describe_progress(progress: dict[str, Any], pending: int, now: float) -> str:
    """The work in hand in words: "reading screenshots, 7 of 12 · batch of 20 · 35 more waiting · 1 min"."""
    step = str(progress.get("step") or "working")
    done, total = int(progress.get("done") or 0), int(progress.get("total") or 0)
    observations = int(progress.get("observations") or 0)
    parts = [f"{step}, {done} of {total}" if total and step != "inferring" else step]
    if observations:
        parts.append(f"batch of {observations}")
    if pending:
        parts.append(f"{pending} more waiting")
    since = progress.get("step_started_at")
    if isinstance(since, (int, float)) and since:
        parts.append(_duration(max(0.0, now - since)))
    return " · ".join(parts)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs} s" if minutes < 10 else f"{minutes} min"
