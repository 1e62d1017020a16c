"""Where unfinished work was left: markers of it in titles, its project, and the document to reopen."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from ..actions import Action, OpenFile, OpenUrl
from ..models import Observation

# Markers of unfinished work in a title or file name: drafts, to-dos, unsaved changes
# ("● file.py" in VS Code, "*file.txt" in most editors).
_UNFINISHED = re.compile(r"\b(?:draft|wip|todo|fixme|unsaved|untitled)\b|^\s*[●*]|\*\s*(?:[-–—|]|$)", re.I)


def _open_action(o: Observation) -> Action | None:
    """Back to where the work was: its web address, or a document named in the title."""
    if o.url and urlsplit(o.url).scheme in ("http", "https"):
        try:
            return OpenUrl(url=o.url)
        except ValueError:
            pass
    for token in re.findall(r"(?:~|/)[^\s:*|\"<>]+", o.window_title or ""):
        path = _local_path(token)
        if path is not None and _is_file(path):
            return _open_file_action(path)
    return None


def _open_file_action(path: Path) -> OpenFile | None:
    """Opening ``path``, if it is a document (see OpenFile): never a program or an app."""
    try:
        return OpenFile(path=str(path))
    except ValueError:
        return None


def _local_path(text: str) -> Path | None:
    """``text`` as an absolute path, "~" expanded; None for "~nosuchuser/…" or a relative path."""
    try:
        path = Path(text).expanduser()
    except (RuntimeError, KeyError, ValueError):  # a home that cannot be found
        return None
    return path if path.is_absolute() else None


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a name the file system cannot even look up is not one."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _project(shown: str) -> str | None:
    """The folder naming the project a file belongs to (its nearest non-generic parent)."""
    generic = {"~", "/", "src", "lib", "tests", "test", "docs", "app", "home", "users", "code", "dev",
               "projects", "repos", "git", "work", "documents", "desktop", "downloads"}
    for part in reversed(PurePosixPath(shown).parts[:-1]):
        if part.casefold() not in generic and not part.startswith("."):
            return part
    return None
