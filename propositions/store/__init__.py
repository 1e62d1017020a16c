"""The SQLite store: schema on open, the durable observation queue, propositions with evidence and history.

The store is split by concern, one mixin per module, assembled here into ``Store``:

- ``base``: errors, connections, transactions, and the helpers every part uses
- ``queue``: observations, the durable queue
- ``propositions``: adding, superseding, reinforcing; evidence and history
- ``suggestions``: suggestions and their status
- ``reads``: the named reads the facade and the suggesters use
- ``forgetting``: selections for forgetting and retention, and forgetting itself
- ``maintenance``: wiping forgotten data from the files, backup, check, vacuum
- ``questions``: the rows behind what gumd asks its person

SQL lives only in this package (besides migrations and retrieval's ranking).
"""

from __future__ import annotations

from .base import (
    OBS_COLUMNS,
    PROP_COLUMNS,
    CheckReport,
    Clock,
    ConnectionBase,
    file_size_bytes,
    guarded,
    translate_error,
    url_has_word,
)
from .forgetting import ForgettingMixin
from .maintenance import MaintenanceMixin
from .propositions import PropositionsMixin
from .questions import QuestionsMixin
from .queue import QueueMixin
from .reads import ReadsMixin
from .suggestions import SuggestionsMixin

__all__ = [
    "OBS_COLUMNS",
    "PROP_COLUMNS",
    "CheckReport",
    "Clock",
    "Store",
    "file_size_bytes",
    "guarded",
    "translate_error",
    "url_has_word",
]


class Store(QueueMixin, PropositionsMixin, SuggestionsMixin, ReadsMixin, ForgettingMixin,
            MaintenanceMixin, QuestionsMixin, ConnectionBase):
    """One user's database. Thread-safe: each thread gets its own connection.

    Writes run in ``BEGIN IMMEDIATE`` transactions so a writer that meets
    another writer waits for the busy timeout instead of failing at once;
    readers never block in WAL mode.

    Where the file cannot be written (a read-only folder, a full disk) an
    existing database opens read-only: reads work, and every write raises
    ``read_only`` (a DatabaseReadOnly or DiskFull saying why).
    """
