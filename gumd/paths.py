"""Where gumd keeps its files: one private home folder per user, ``GUMD_HOME`` overrides it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "gumd"


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
