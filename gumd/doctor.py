"""`gumd doctor`: checks that gumd can do its work here, each with what to fix."""

from __future__ import annotations

import shutil
import sys
from dataclasses import asdict, dataclass
from typing import Any

from propositions import GumdError, Store

from .settings import USER_NAME_FIX, Settings
from .status import daemon_status


@dataclass
class Check:
    name: str
    level: str  # ok | warn | fail
    message: str
    fix: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: said while no model is configured: one line, not a problem to fix
MODEL_SETUP_HINT = "`gumd model setup` picks, downloads and tests a model that suits this machine"


def run_checks(settings: Settings) -> list[Check]:
    checks = [_database(settings), _disk(settings), *_display(settings), _ocr(settings),
              _model(settings), _user_name(settings), _daemon(settings)]
    return checks


def _database(s: Settings) -> Check:
    if not s.db_path.exists():
        return Check("database", "ok", f"{s.db_path} will be created on first use")
    report = Store.check_file(s.db_path)
    if report.ok and report.warnings:
        return Check("database", "warn", "; ".join(report.warnings[:3]))
    if report.ok:
        return Check("database", "ok", f"{s.db_path} ({report.size_bytes / 1e6:.1f} MB) is healthy")
    return Check("database", "fail", "; ".join(report.problems[:3]),
                 "restore a backup (gumd db backup makes them) or move the file away to start afresh")


def _disk(s: Settings) -> Check:
    target = s.home if s.home.exists() else s.home.parent
    free_mb = shutil.disk_usage(target).free / 1e6
    if free_mb < s.retention.min_free_disk_mb:
        return Check("disk", "fail", f"{free_mb:.0f} MB free: capture pauses below "
                     f"{s.retention.min_free_disk_mb:.0f} MB",
                     "free some space, or lower retention.min_free_disk_mb")
    return Check("disk", "ok", f"{free_mb / 1000:.1f} GB free")


def _display(s: Settings) -> list[Check]:
    if sys.platform == "darwin":
        from .observers.macos import PERMISSION_STEPS, accessibility_allowed, screen_recording_allowed

        out = []
        for name, allowed in (("screen recording", screen_recording_allowed()),
                              ("accessibility", accessibility_allowed())):
            if allowed:
                out.append(Check(name, "ok", "permission granted"))
            else:
                out.append(Check(name, "fail", f"permission not granted to {sys.executable}",
                                 PERMISSION_STEPS))
        return out
    from .observers.x11 import WAYLAND_MESSAGE, X11WindowSource, detect_session

    session = detect_session()
    if session == "wayland":
        return [Check("display", "warn", "Wayland session", WAYLAND_MESSAGE)]
    if session == "none":
        return [Check("display", "fail", "no display (DISPLAY is not set)",
                      "run gumd inside your desktop session, or set DISPLAY (e.g. DISPLAY=:0)")]
    try:
        source = X11WindowSource()
        window = source.current()
        source.close()
    except GumdError as exc:
        return [Check("display", "fail", str(exc), "check DISPLAY and that the X server is running")]
    active = f"active window: {window.app}" if window else "no active window right now"
    return [Check("display", "ok", f"X11 ({active})")]


def _ocr(s: Settings) -> Check:
    from propositions.screen import make_ocr

    try:
        engine = make_ocr(s.inference.ocr)
    except GumdError as exc:
        return Check("ocr", "fail", str(exc))
    return Check("ocr", "ok", f"{engine.name}")


def _model(s: Settings) -> Check:
    if s.model.kind == "statistical":
        return Check("model", "ok", f"statistical inferrer (built in, no model); {MODEL_SETUP_HINT}")
    from .wiring import make_model_backend

    try:
        backend = make_model_backend(s.model)
        backend.complete([{"role": "user", "content": "Reply with OK."}])
    except GumdError as exc:
        return Check("model", "fail", str(exc), "see README: Choosing an inferrer")
    return Check("model", "ok", f"{s.model.kind} {s.model.name} answered")


def _user_name(s: Settings) -> Check:
    if not s.inference.user_name:
        return Check("user_name", "warn", "not set: propositions will say 'the user'", USER_NAME_FIX)
    return Check("user_name", "ok", f"propositions name you {s.inference.user_name}")


def _daemon(s: Settings) -> Check:
    # The status `gumd status` shows, judged without opening the database (its check is above).
    status = daemon_status(s, None)
    if status["state"] == "stopped":
        return Check("daemon", "warn", "not running",
                     "start it with `gumd run`, or in the background with `gumd service install`")
    if status["problems"]:
        return Check("daemon", "warn", "; ".join(status["problems"]), "see `gumd status` and the daemon's log")
    return Check("daemon", "ok", status["state"])
