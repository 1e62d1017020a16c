"""propositions: a library for a user model kept in SQLite (store, retrieval, service)."""

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

__all__ = [
    "DatabaseCorrupt",
    "DatabaseLocked",
    "DatabaseReadOnly",
    "DiskFull",
    "GumdError",
    "InvalidInput",
    "NotFound",
    "Observation",
    "Proposition",
    "Store",
    "StoreError",
    "Suggestion",
    "Weights",
    "migrations",
    "query",
]
