"""Exceptions raised by the propositions library.

    GumdError                  every error this package raises on purpose
    ├── StoreError             the database cannot do what was asked
    │   ├── DatabaseCorrupt    the file is not a database, or is damaged
    │   ├── DatabaseLocked     another process held the write lock past the busy timeout
    │   ├── DatabaseReadOnly   the file or its folder cannot be written (reads still work)
    │   └── DiskFull           no space left to write (reads still work)
    ├── NotFound               no row with that id
    └── InvalidInput           a caller passed something unusable (bad time, bad feedback)

Every message is one line a person can act on: the CLI prints ``str(err)`` and exits.
"""

from __future__ import annotations


class GumdError(Exception):
    """Base class: catch this to handle any expected gumd failure."""


class StoreError(GumdError):
    """The database could not be opened, read or written."""


class DatabaseCorrupt(StoreError):
    """The database file is not SQLite, or SQLite reports it damaged."""


class DatabaseLocked(StoreError):
    """A write waited for the lock longer than the busy timeout."""


class DatabaseReadOnly(StoreError):
    """A write to a database whose file or folder cannot be written; ``path`` is the file."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path


class DiskFull(StoreError):
    """A write failed because the disk holding the database has no space left."""


class NotFound(GumdError):
    """The requested row does not exist (or was forgotten)."""


class InvalidInput(GumdError):
    """An argument cannot be used as given."""
