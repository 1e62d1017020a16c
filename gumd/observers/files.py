"""File activity in chosen folders: created, modified, moved and deleted files, in bursts."""

from __future__ import annotations

import errno
import fnmatch
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer as WatchdogObserver

from propositions.models import Observation

from .base import ObserverContext, ObserverThread

log = logging.getLogger(__name__)

#: Names (matched against every path component below a watched folder) that are
#: tooling noise, not the person's work: VCS internals, dependencies, caches,
#: build outputs, and editors' swap, backup and lock files.
DEFAULT_IGNORE: tuple[str, ...] = (
    ".git", ".hg", ".svn", "node_modules", "__pycache__", "*.pyc", ".venv", "venv", ".tox",
    ".nox", ".cache", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".gradle", ".next",
    ".parcel-cache", ".turbo", "build", "dist", "target", "*.egg-info", ".idea", ".vscode",
    ".DS_Store", "Thumbs.db", "*.swp", "*.swx", "*.swo", "*~", "*.tmp", "*.temp", ".#*", "#*#",
    ".goutputstream-*", "*.part", "*.crdownload", "*___jb_tmp___", "*___jb_old___",
)

CREATED, MODIFIED, MOVED, DELETED = "created", "modified", "moved", "deleted"
#: a file written without pause still shows up this often
MAX_HOLD_S = 60.0


@dataclass
class _Burst:
    """Events for one path, folded into one, waiting for the path to go quiet."""

    event: str
    first_at: float
    last_at: float
    moved_from: str | None = None


def merge(previous: str | None, new: str) -> str | None:
    """Fold ``new`` into the burst's event so far; None means the burst cancels out."""
    if previous is None:
        return new
    if new == DELETED:
        return None if previous == CREATED else DELETED  # a scratch file that came and went
    if new == MOVED:
        return MOVED
    if previous == DELETED:
        return MODIFIED  # deleted and written again: a save that replaces the file
    if previous in (CREATED, MOVED):
        return previous  # writes right after creation are part of creating it
    return MODIFIED


class FilesObserver(ObserverThread):
    """Watches folders recursively with watchdog and emits one observation per burst per file."""

    name = "files"

    def __init__(self, folders: Sequence[Path], ignore: Sequence[str] = DEFAULT_IGNORE,
                 coalesce_s: float = 2.0, *, max_hold_s: float = MAX_HOLD_S) -> None:
        self.folders = [Path(f).expanduser() for f in folders]
        self.ignore = tuple(ignore)
        self.coalesce_s = coalesce_s
        self.max_hold_s = max(max_hold_s, coalesce_s)
        self._ctx: ObserverContext | None = None
        self._roots: list[Path] = []
        self._watchdog: WatchdogObserver | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._bursts: dict[str, _Burst] = {}

    # -- Observer protocol -------------------------------------------------

    def start(self, ctx: ObserverContext) -> None:
        if self._thread is not None:
            return
        self._ctx = ctx
        self._ready.clear()
        self._roots = []
        self._start_thread("gumd-files")

    def stop(self) -> None:
        self._stop_thread(10)

    # -- status ------------------------------------------------------------

    @property
    def watching(self) -> list[Path]:
        """The folders actually watched (missing ones are left out)."""
        return list(self._roots)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until the watches are in place; True when at least one folder is watched."""
        return self._ready.wait(timeout) and bool(self._roots)

    # -- the thread ----------------------------------------------------------

    def _run(self) -> None:
        ctx = self._ctx
        assert ctx is not None
        try:
            self._watch()
        except Exception as exc:  # noqa: BLE001 - without watches the observer just idles
            log.warning("file activity is not observed: %s", exc)
        finally:
            self._ready.set()
        tick = min(0.5, max(0.05, self.coalesce_s / 4))
        try:
            while not self._stopping.wait(tick) and not ctx.stop.is_set():
                self.flush()
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
                self._watchdog.join(timeout=5)
                self._watchdog = None
            self.flush(everything=True)  # what happened before stopping is still worth keeping

    def _watch(self) -> None:
        observer = WatchdogObserver()
        observer.start()
        self._watchdog = observer
        handler = _Handler(self)
        for root in _distinct_roots(self.folders):
            try:
                observer.schedule(handler, str(root), recursive=True)
            except OSError as exc:
                log.warning("not watching %s: %s", _display(root), _os_error_hint(exc))
                continue
            self._roots.append(root)

    # -- events --------------------------------------------------------------

    def on_event(self, event: FileSystemEvent) -> None:
        """Turn one watchdog event into a step of a burst (directory events are not kept)."""
        if event.is_directory:
            return  # a folder changes whenever a file in it does; the files tell the story
        src = _text(event.src_path)
        if event.event_type == MOVED:
            self._on_move(src, _text(event.dest_path))
        elif event.event_type in (CREATED, MODIFIED, DELETED) and not self.ignored(src):
            self.record(event.event_type, src)

    def _on_move(self, src: str, dest: str) -> None:
        src_ignored, dest_ignored = self.ignored(src), self.ignored(dest)
        if src_ignored and not dest_ignored:
            self.record(MODIFIED, dest)  # editors save by renaming a temp file over the target
        elif dest_ignored and not src_ignored:
            self.record(DELETED, src)
        elif not src_ignored:
            self.record(MOVED, dest, moved_from=src)

    def ignored(self, path: str) -> bool:
        """Whether any component of ``path`` below its watched folder matches an ignore glob."""
        p = Path(path)
        root = next((r for r in self._roots if p.is_relative_to(r)), None)
        parts = p.relative_to(root).parts if root else p.parts
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts for pattern in self.ignore)

    def record(self, event: str, path: str, *, moved_from: str | None = None) -> None:
        ctx = self._ctx
        if ctx is None or not ctx.gate.allows(None):
            return  # paused: what happens meanwhile is not recorded, not even later
        now = ctx.clock()
        with self._lock:
            if moved_from is not None:
                earlier = self._bursts.pop(moved_from, None)
                if earlier is not None and earlier.event == CREATED:
                    event, moved_from = CREATED, None  # created then renamed: a new file
            burst = self._bursts.get(path)
            if burst is None:
                self._bursts[path] = _Burst(event, now, now, moved_from)
                return
            merged = merge(burst.event, event)
            if merged is None:
                del self._bursts[path]
                return
            burst.event, burst.last_at = merged, now
            if merged == MOVED and moved_from is not None:
                burst.moved_from = moved_from

    def flush(self, *, everything: bool = False) -> None:
        """Emit the bursts whose path has been quiet for coalesce_s (or held too long)."""
        ctx = self._ctx
        if ctx is None:
            return
        now = ctx.clock()
        with self._lock:
            due = [path for path, b in self._bursts.items() if everything
                   or now - b.last_at >= self.coalesce_s or now - b.first_at >= self.max_hold_s]
            bursts = [(path, self._bursts.pop(path)) for path in due]
        if not bursts or not ctx.gate.allows(None):
            return
        for path, burst in sorted(bursts, key=lambda item: item[1].first_at):
            try:
                ctx.sink(file_observation(path, burst))
            except Exception as exc:  # noqa: BLE001 - one bad hand-over must not end the watch
                log.warning("files: an observation was lost: %s", type(exc).__name__)


class _Handler(FileSystemEventHandler):
    """Forwards watchdog's events (on its thread) to the observer."""

    def __init__(self, owner: FilesObserver) -> None:
        super().__init__()
        self._owner = owner

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._owner.on_event(event)


def file_observation(path: str, burst: _Burst) -> Observation:
    shown = _display(Path(path))
    content = (f"{MOVED} {_display(Path(burst.moved_from))} -> {shown}"
               if burst.event == MOVED and burst.moved_from else f"{burst.event} {shown}")
    return Observation(captured_at=burst.first_at, observer="files", window_title=shown,
                       content=content, content_type="text/x-file-event")


def _distinct_roots(folders: Sequence[Path]) -> list[Path]:
    """Existing folders, resolved, without those inside another (they would report twice)."""
    roots: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            log.warning("not watching %s: no such folder (create it or remove it from the "
                        "files observer's folders)", _display(folder))
            continue
        root = folder.resolve()  # FSEvents reports resolved paths (/private/var, not /var)
        if root not in roots:
            roots.append(root)
    return [r for r in roots if not any(r != o and r.is_relative_to(o) for o in roots)]


def _os_error_hint(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return ("the inotify watch limit is reached; raise it with "
                "`sudo sysctl fs.inotify.max_user_watches=524288`")
    if exc.errno == errno.EMFILE:
        return ("too many inotify instances; raise the limit with "
                "`sudo sysctl fs.inotify.max_user_instances=1024`")
    return exc.strerror or type(exc).__name__


def _display(path: Path) -> str:
    """The path with the home folder shown as ~ (it names the user, and is shorter)."""
    home = Path.home()
    for base in dict.fromkeys((home, home.resolve())):
        if path.is_relative_to(base):
            rest = path.relative_to(base)
            return "~" if not rest.parts else f"~/{rest.as_posix()}"
    return str(path)


def _text(path: str | bytes) -> str:
    return path.decode(errors="surrogateescape") if isinstance(path, bytes) else path
