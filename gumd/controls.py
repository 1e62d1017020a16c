"""The daemon's controls as the dashboard and the API see them: status from its health file, pause by file."""

from __future__ import annotations

import math
import time
from typing import Any

from propositions.service import Service

from . import health
from .privacy import PauseState
from .settings import Settings


class LocalControls:
    """Works whether or not the daemon runs: both sides read and write the same files."""

    def __init__(self, settings: Settings, service: Service) -> None:
        self.settings = settings
        self.service = service
        self.pause_state = PauseState.for_home(settings.home)

    def status(self) -> dict[str, Any]:
        s = self.settings
        daemon = health.read_status(s.home)
        store = self.service.store
        queue = store.queue_counts()
        until = self.pause_state.paused_until()
        verdict = health.judge(s.home, daemon, queue, store.oldest_pending_at(),
                               paused=until is not None)
        running = verdict["running"] and daemon is not None
        live = running and verdict["state"] != "starting"  # while starting the file may be the last run's
        out: dict[str, Any] = {
            "state": verdict["state"],
            "problems": verdict["problems"],
            "running": verdict["running"],
            "pid": (daemon.pid if live else
                    health.read_pid(s.home / health.LOCK_NAME) if verdict["running"] else None),
            "paused": until is not None,
            "paused_until": until if until is not None and math.isfinite(until) else None,
            "idle": bool(running and daemon.idle),
            "capture_blocked": daemon.capture_blocked if running else None,
            "observers": daemon.observers if running else [],
            "last_capture_at": (daemon.last_capture_at or None) if daemon else None,
            "last_inference_at": (daemon.last_inference_at or None) if daemon else None,
            "model_unavailable": daemon.model_unavailable if running else None,
            "frames_captured": daemon.frames_captured if daemon else 0,
            "frames_skipped": daemon.frames_skipped if daemon else 0,
            "captures_per_hour": _per_hour(store, "screen"),
            "inferences_per_hour": _processed_per_hour(store),
            "progress": dict(daemon.progress) if live and daemon.progress else None,
            # None while stopped (the numbers would be the last run's) and with no model in use
            "model_usage": dict(daemon.model_usage) if live and daemon.model_usage else None,
            "queue": queue,
            "backend": s.model.kind,
            "model": s.model.name or None,
            "db_path": str(s.db_path),
            "db_bytes": store.size_bytes(),
        }
        return out

    def pause(self, until: float | None) -> None:
        self.pause_state.pause(until)

    def resume(self) -> None:
        self.pause_state.resume()

    def exclusions(self) -> dict[str, list[str] | str]:
        p = self.settings.privacy
        return {"apps": p.all_apps(), "names in apps, titles and URLs": p.all_names(),
                "window titles": p.all_title_patterns(),
                "redaction": "secrets always; e-mails " + ("on" if p.redact_emails else "off")
                             + ", phones " + ("on" if p.redact_phones else "off")}


def _per_hour(store: Any, observer: str) -> int:
    row = store.read("SELECT count(*) FROM observations WHERE observer = ? AND captured_at >= ?",
                     (observer, time.time() - 3600))
    return int(row[0][0])


def _processed_per_hour(store: Any) -> int:
    row = store.read("SELECT count(*) FROM observations WHERE status = 'done' AND processed_at >= ?",
                     (time.time() - 3600,))
    return int(row[0][0])
