"""Plain dataclasses for the rows the store hands out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

OBSERVATION_STATUSES = ("pending", "processing", "done", "failed")
PROPOSITION_STATUSES = ("active", "superseded", "rejected")
EVIDENCE_RELATIONS = ("supports", "contradicts")
HISTORY_KINDS = ("edit", "merge", "split", "contradiction", "user_edit")
SUGGESTION_STATUSES = ("new", "shown", "accepted", "dismissed", "snoozed", "done")
FEEDBACK_VALUES = ("confirmed", "rejected", "edited")
#: how propositions name the person while no name is known ("The user is ...")
UNKNOWN_USER = "the user"
#: observers whose observations carry text to read: screens (OCR or a window's text), what
#: assistants post through the API, and files and screenshots the person hands over (`gumd ingest`)
TEXT_OBSERVERS = ("screen", "api", "ingest")


@dataclass(slots=True)
class Observation:
    """One thing seen on the computer. Also a work item of the inference queue."""

    captured_at: float
    observer: str
    content: str = ""
    app: str | None = None
    window_title: str | None = None
    url: str | None = None
    content_type: str = "text/plain"
    image_path: str | None = None
    duration: float = 0.0
    content_hash: str | None = None
    id: int | None = None
    status: str = "pending"
    attempts: int = 0
    last_error: str | None = None
    enqueued_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Proposition:
    """A natural-language belief about the user, with a probability of being true."""

    text: str
    confidence: float
    reasoning: str = ""
    decay: str = "weeks"
    half_life_s: float = 0.0
    source: str = "unknown"
    id: int | None = None
    status: str = "active"
    created_at: float = 0.0
    updated_at: float = 0.0
    last_evidence_at: float = 0.0
    user_feedback: str | None = None
    evidence_digest: str = ""
    topic_key: str | None = None
    sensitive: str = ""
    #: "did" (some evidence shows the person acting), "saw" (only what they were shown), or ""
    provenance: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class EvidenceLink:
    observation_id: int
    relation: str
    created_at: float
    observation: Observation | None = None


@dataclass(slots=True)
class HistoryEntry:
    """``new_id`` replaced ``old_id`` for the reason ``kind``."""

    new_id: int
    old_id: int
    kind: str
    created_at: float
    note: str = ""


@dataclass(slots=True)
class Suggestion:
    title: str
    body: str = ""
    action: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    kind: str = "generic"
    status: str = "new"
    feedback: str | None = None
    id: int | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    dedupe_key: str | None = None
    proposition_ids: list[int] = field(default_factory=list)
    snoozed_until: float | None = None
    due_at: float | None = None
    #: the observations it was made from; forgetting one of them forgets the suggestion
    observation_ids: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Suggestion":
        row = dict(row)
        row["action"] = json.loads(row.get("action") or "{}")
        row["scores"] = json.loads(row.get("scores") or "{}")
        row["proposition_ids"] = json.loads(row.get("proposition_ids") or "[]")
        row["observation_ids"] = json.loads(row.get("observation_ids") or "[]")
        return cls(**row)
