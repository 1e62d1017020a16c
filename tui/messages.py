"""Messages the dashboard's worker threads post back to the UI thread, as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from propositions.models import Observation, Proposition, Suggestion
from propositions.service import PropositionDetail


@dataclass
class StatusLoaded(Message):
    """The daemon's status and the database's counts, read together."""

    status: dict[str, Any]
    stats: dict[str, Any]


@dataclass
class PropositionsLoaded(Message):
    """Results for one search text and sort order (stale ones are dropped by the pane)."""

    text: str
    sort: str
    propositions: list[Proposition]


@dataclass
class DetailLoaded(Message):
    detail: PropositionDetail


@dataclass
class SuggestionsLoaded(Message):
    suggestions: list[Suggestion]


@dataclass
class TimelineLoaded(Message):
    """One day's observations, oldest first; ``truncated`` when the day held more."""

    start: float
    end: float
    observations: list[Observation]
    truncated: bool = False


@dataclass
class PrivacyLoaded(Message):
    exclusions: dict[str, Any]
    flagged: list[Proposition] = field(default_factory=list)


@dataclass
class DataChanged(Message):
    """A write went through (feedback, forget, pause): what is on screen must be read again."""

    note: str = ""
