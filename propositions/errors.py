"""Every exception the propositions library raises on purpose, in one place.

    GumdError                    every error this package raises on purpose
    ├── StoreError               the database cannot do what was asked
    │   ├── DatabaseCorrupt      the file is not a database, or is damaged
    │   ├── DatabaseLocked       another process held the write lock past the busy timeout
    │   ├── DatabaseReadOnly     the file or its folder cannot be written (reads still work)
    │   └── DiskFull             no space left to write (reads still work)
    ├── NotFound                 no row with that id
    ├── InvalidInput             a caller passed something unusable (bad time, bad feedback)
    │   ├── ImageError           a screenshot missing, damaged, unsupported or absurdly large
    │   └── ScenarioError        a scenario file missing, not JSON, or lacking a key
    ├── BackendError             a model backend could not produce a completion
    │   ├── BackendUnavailable   the model cannot be reached or loaded: retry later
    │   └── MalformedOutput      the model answered, but not with what was asked
    ├── OcrError                 an OCR engine failed on an image
    │   └── OcrUnavailable       the OCR engine asked for is not installed here
    └── ActionError              a suggestion's action cannot be run

The application (gumd) adds its own under GumdError in gumd/errors.py.
Every message is one line a person can act on: the CLI prints ``str(err)`` and exits.
The classes are also importable from where they are raised (store, screen,
backends.base, actions, eval), their homes before they were gathered here.
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


class ImageError(InvalidInput):
    """A screenshot is missing, not an image, damaged, in an unsupported format or absurdly large."""


class ScenarioError(InvalidInput):
    """A scenario file is missing, is not JSON, or lacks a required key."""


class BackendError(GumdError):
    """A model backend could not produce a completion."""


class BackendUnavailable(BackendError):
    """The model cannot be reached or loaded (server down, file missing): retry later, lose nothing."""


class MalformedOutput(BackendError):
    """The model answered, but not with what was asked (no JSON, wrong shape)."""

    def __init__(self, message: str, raw: str = "", truncated: bool = False) -> None:
        super().__init__(message)
        self.raw = raw
        #: the answer stopped at the token limit: asking for less can help, asking again cannot
        self.truncated = truncated


class OcrError(GumdError):
    """An OCR engine failed on an image."""


class OcrUnavailable(OcrError):
    """The requested OCR engine is not installed or does not run on this system."""


class ActionError(GumdError):
    """An action cannot be run: it is invalid, or something it needs is missing."""
