"""How eagerly suggestions are made: the settings and the moment's focus they are weighed against."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import DAY, HOUR, SuggestConfig  # noqa: F401 - the suggester takes them from here
KINDS = ("reminder", "resume_work", "follow_up", "model")
FEEDBACK = ("accepted", "dismissed", "snoozed")


@dataclass(frozen=True)
class FocusState:
    """What the input observer knows of the user's attention at the moment of a run."""

    last_input_s_ago: float | None = None  # seconds since the last key or mouse event; None: unknown
    input_rate: float = 0.0  # input events per minute over the last minute
