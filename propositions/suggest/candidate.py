"""A candidate suggestion before scoring, and the verdict a run gives it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ..actions import Action
from ..models import Suggestion
from .text import _normalise

#: what became of a candidate in a run (Verdict.outcome)
MADE = "made"
BELOW_THRESHOLD = "below the threshold"
QUIET_HOURS = "held back: quiet hours"
TYPING = "held back: you were typing"
HOURLY_LIMIT = "held back: the hourly limit"
MADE_BEFORE = "made before"
UNREADABLE = "could not be made"


@dataclass
class Candidate:
    """A possible suggestion before scoring: what it says, what it does, what it rests on."""

    kind: str
    title: str
    body: str
    action: Action
    identity: str  # what makes two candidates the same suggestion (hashed into the dedupe key)
    benefit: float
    p_useful: float
    proposition_ids: list[int] = field(default_factory=list)
    observation_ids: list[int] = field(default_factory=list)
    due_at: float | None = None
    why: list[str] = field(default_factory=list)  # what moved p_useful, for --explain

    @property
    def dedupe_key(self) -> str:
        digest = hashlib.blake2b(_normalise(self.identity).encode(), digest_size=12).hexdigest()
        return f"{self.kind}:{digest}"


@dataclass
class Verdict:
    """What became of one candidate in a run, and its scores (for ``gumd suggest --explain``)."""

    candidate: Candidate
    scores: dict[str, float]
    outcome: str  # MADE, BELOW_THRESHOLD, QUIET_HOURS, TYPING, HOURLY_LIMIT, MADE_BEFORE, UNREADABLE
    suggestion: Suggestion | None = None  # the one made now, or the one made before


# -- scoring ------------------------------------------------------------------------
