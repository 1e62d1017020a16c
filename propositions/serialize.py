"""Stable JSON shapes for propositions, observations and suggestions (CLI, export, API).

Times are ISO 8601 in UTC with a trailing ``Z``. Fields are only ever added,
never renamed or removed, so scripts can rely on them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime, timezone
from typing import Any

from .actions import describe_action
from .models import EvidenceLink, HistoryEntry, Observation, Proposition, Suggestion


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds").replace(
        "+00:00", "Z"
    )


def iso_times(data: Mapping[str, Any]) -> dict[str, Any]:
    """Epoch times (keys ending _at or _until, nested too) as the ISO strings every shape uses."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        timed = key.endswith(("_at", "_until")) and isinstance(value, (int, float))
        if timed and not isinstance(value, bool):
            value = iso(value) if value and math.isfinite(value) else None
        elif isinstance(value, Mapping):  # e.g. the daemon's progress, with its step_started_at
            value = iso_times(value)
        out[key] = value
    return out


def proposition(p: Proposition) -> dict[str, Any]:
    return {
        "id": p.id,
        "text": p.text,
        "reasoning": p.reasoning,
        "confidence": round(p.confidence, 4),
        "decay": p.decay,
        "half_life_s": p.half_life_s,
        "status": p.status,
        "source": p.source,
        "user_feedback": p.user_feedback,
        "sensitive": [c for c in p.sensitive.split(",") if c],
        "provenance": p.provenance or None,
        "created_at": iso(p.created_at),
        "updated_at": iso(p.updated_at),
        "last_evidence_at": iso(p.last_evidence_at),
    }


def observation(o: Observation, *, with_content: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": o.id,
        "captured_at": iso(o.captured_at),
        "duration_s": o.duration,
        "observer": o.observer,
        "app": o.app,
        "window_title": o.window_title,
        "url": o.url,
        "content_type": o.content_type,
        "status": o.status,
        "attempts": o.attempts,
        "last_error": o.last_error,
        "image_path": o.image_path,
    }
    if with_content:
        out["content"] = o.content
    return out


def evidence(link: EvidenceLink) -> dict[str, Any]:
    out: dict[str, Any] = {"observation_id": link.observation_id, "relation": link.relation}
    if link.observation is not None:
        out["observation"] = observation(link.observation)
    return out


def history(entry: HistoryEntry) -> dict[str, Any]:
    return iso_times(asdict(entry))


def suggestion(s: Suggestion, describe: Callable[[Mapping[str, Any]], str] | None = None) -> dict[str, Any]:
    """``action_description`` says what accepting runs, with its exact target; ``describe``
    (an action runner's, which knows its folders) makes it name the very file it would write."""
    return {
        "id": s.id,
        "kind": s.kind,
        "title": s.title,
        "body": s.body,
        "action": s.action,
        "action_description": (describe or _describe)(s.action),
        "scores": s.scores,
        "status": s.status,
        "feedback": s.feedback,
        "proposition_ids": s.proposition_ids,
        "due_at": iso(s.due_at),
        "snoozed_until": iso(s.snoozed_until),
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
    }


def _describe(action: Mapping[str, Any]) -> str:
    return describe_action(action, strict=False)
