"""The daemon's status, built in one place for `gumd status`, the API's /v1/status, the dashboard and `gumd doctor`.

It works whether or not the daemon runs: the daemon's health file, its lock and the pause
file say what it is doing, the store says what waits. Times are epoch seconds here;
``serialize.iso_times`` turns them into the ISO strings of the JSON shapes.
"""

from __future__ import annotations

import math
import time
from typing import Any

from propositions import Store

from . import health
from .privacy import PauseState
from .settings import Settings


def daemon_status(settings: Settings, store: Store | None, *, now: float | None = None) -> dict[str, Any]:
    """Every key the status shows. Without a store (doctor, before opening the database)
    the queue and database keys are left out and the state is judged on the health file alone.
    """
    now = time.time() if now is None else now
    home = settings.home
    daemon = health.read_status(home)
    queue = store.queue_counts() if store is not None else {}
    # The pause file is the truth whether or not the daemon runs (it reads the same file).
    until = PauseState.for_home(home).paused_until()
    verdict = health.judge(home, daemon, queue, store.oldest_pending_at() if store is not None else None,
                           now=now, paused=until is not None)
    running = verdict["running"] and daemon is not None
    live = running and verdict["state"] != "starting"  # while starting the file may be the last run's
    out: dict[str, Any] = {
        "state": verdict["state"],
        "problems": verdict["problems"],
        "running": verdict["running"],
        "pid": (daemon.pid if live and daemon is not None else
                health.read_pid(home / health.LOCK_NAME) if verdict["running"] else None),
        "paused": until is not None,
        "paused_until": until if until is not None and math.isfinite(until) else None,
        "idle": bool(running and daemon.idle),
        "capture_blocked": daemon.capture_blocked if running else None,
        "observers": daemon.observers if running else [],
        "last_capture_at": (daemon.last_capture_at or None) if daemon else None,
        "last_inference_at": (daemon.last_inference_at or None) if daemon else None,
        "model_unavailable": daemon.model_unavailable if running else None,
        "inference_waits": health.inference_wait(daemon) if verdict["running"] else None,
        "frames_captured": daemon.frames_captured if daemon else 0,
        "frames_skipped": daemon.frames_skipped if daemon else 0,
        "progress": dict(daemon.progress) if live and daemon.progress else None,
        # None while stopped or starting (the numbers would be the last run's) and with no model in use
        "model_usage": dict(daemon.model_usage) if live and daemon.model_usage else None,
        "api": ({"url": daemon.api_url, "workers": daemon.api_workers,
                 "workers_resting": daemon.api_workers_resting}
                if running and daemon.api_url else None),
        "backend": settings.model.kind,
        "model": settings.model.name or None,
    }
    if store is not None:
        # What the database says ran last, whichever process ran it (this daemon before a
        # restart, `gumd queue process`, `gumd ingest`): not "never" when batches ran.
        ran = store.last_processed_at()
        if ran and ran > (out["last_inference_at"] or 0):
            out["last_inference_at"] = ran
        out.update({
            "captures_per_hour": store.captured_since(now - 3600, observer="screen"),
            "inferences_per_hour": store.processed_since(now - 3600),
            "queue": queue,
            "db_path": str(settings.db_path),
            "db_bytes": store.size_bytes(),
        })
    return out
