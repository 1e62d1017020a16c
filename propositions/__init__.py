"""propositions: a library for a user model kept in SQLite (store, retrieval, service).

The names below are imported on first use (PEP 562), so a process that needs one module (the
OCR child needs only ``propositions.screen``) does not pay for the store, sqlite-utils and
the rest: ~10 MB of a small child's memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import migrations
    from .errors import (
        DatabaseCorrupt,
        DatabaseLocked,
        DatabaseReadOnly,
        DiskFull,
        GumdError,
        InvalidInput,
        NotFound,
        StoreError,
    )
    from .models import Observation, Proposition, Suggestion
    from .retrieve import Weights, query
    from .store import Store

from .lazy import lazy_attributes

#: name -> the module that defines it
_HOMES = {
    "DatabaseCorrupt": "errors", "DatabaseLocked": "errors", "DatabaseReadOnly": "errors",
    "DiskFull": "errors", "GumdError": "errors", "InvalidInput": "errors", "NotFound": "errors",
    "StoreError": "errors", "Observation": "models", "Proposition": "models",
    "Suggestion": "models", "Weights": "retrieve", "query": "retrieve", "Store": "store",
    "migrations": "migrations",
}

__all__ = sorted(_HOMES)
__getattr__ = lazy_attributes(__name__, _HOMES)
