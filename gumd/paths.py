"""Where gumd keeps its files: one private home folder per user, ``GUMD_HOME`` overrides it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import platformdirs

from .errors import HomeNotWritable

APP_NAME = "gumd"

#: errors that mean "this place cannot be written", whatever the mode bits say
NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)


def read_only_message(home: Path, doing: str) -> str:
    return (f"GUMD_HOME {home} is read-only: cannot {doing}; make it writable, "
            "or set GUMD_HOME to a writable folder")


def disk_full_message(home: Path, doing: str) -> str:
    return (f"disk full: cannot {doing} in GUMD_HOME {home}; free some space on that disk, "
            "then try again")


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in words: a full disk is called that."""
    if exc.errno == errno.ENOSPC:
        return "disk full (no space left on the device); free some space, then try again"
    return exc.strerror or str(exc)


def require_writable(home: Path, doing: str) -> Path:
    """Create the home if needed and make sure it can be written, or say plainly why not.

    Checked before a command writes, so a read-only home is one line, not a traceback
    from whichever file happened to be first.
    """
    try:
        ensure_private_dir(home)
    except OSError as exc:
        raise _refusal(home, doing, exc) from None
    if not os.access(home, os.W_OK):
        raise HomeNotWritable(read_only_message(home, doing))
    return home


def _refusal(home: Path, doing: str, exc: OSError) -> HomeNotWritable:
    if exc.errno == errno.ENOSPC:
        return HomeNotWritable(disk_full_message(home, doing))
    if exc.errno in NOT_WRITABLE:
        return HomeNotWritable(read_only_message(home, doing))
    return HomeNotWritable(f"GUMD_HOME {home}: cannot {doing}: {exc.strerror}")


def refusal(home: Path, exc: OSError) -> HomeNotWritable | None:
    """The one-line error for an OSError on a file in ``home``; None if it is not about that."""
    name = exc.filename
    if name is None or exc.errno not in (*NOT_WRITABLE, errno.ENOSPC):
        return None
    try:
        Path(os.fsdecode(name)).resolve().relative_to(home.resolve())
    except (ValueError, OSError):
        return None
    return _refusal(home, f"write {os.fsdecode(name)}", exc)


def home_dir() -> Path:
    """The data home: ``$GUMD_HOME`` if set, else the platform's user data folder."""
    env = os.environ.get("GUMD_HOME")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` as 0700 (and tighten it if it already exists and is ours)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError:
        pass
    return path


def config_file(home: Path) -> Path:
    return home / "config.toml"


def default_db(home: Path) -> Path:
    return home / "gumd.db"


def screenshots_dir(home: Path) -> Path:
    return home / "screenshots"
