"""Expected utility, interruption cost, quiet hours, and the feedback that moves each kind's threshold."""

from __future__ import annotations

import math
from datetime import datetime

from ..errors import InvalidInput
from ..models import Suggestion
from ..store import Store
from .config import FEEDBACK, FocusState, SuggestConfig

def expected_utility(p_useful: float, benefit: float, cost: float) -> float:
    """``p * b - (1 - p) * c``: the gain when it helps minus the interruption when it does not."""
    return p_useful * benefit - (1.0 - p_useful) * cost


def in_typing_burst(focus: FocusState | None, config: SuggestConfig) -> bool:
    if focus is None or focus.last_input_s_ago is None:
        return False
    return (focus.last_input_s_ago < config.typing_burst_s
            and focus.input_rate >= config.burst_rate_per_min)


def interruption_cost(focus: FocusState | None, config: SuggestConfig) -> float:
    """``base + (1 - base) * intensity``; unknown focus costs the base."""
    if focus is None or focus.last_input_s_ago is None:
        return config.base_cost
    rate = min(1.0, max(0.0, focus.input_rate) / config.burst_rate_per_min)
    recency = math.exp(-max(0.0, focus.last_input_s_ago) / config.typing_burst_s)
    return config.base_cost + (1.0 - config.base_cost) * rate * recency


def in_quiet_hours(now: float, hours: tuple[int, int] | None) -> bool:
    """Local hour in [start, end); a start after the end wraps midnight; equal hours mean none."""
    if not hours:
        return False
    start, end = hours
    hour = datetime.fromtimestamp(now).hour
    if start == end:
        return False
    return start <= hour < end if start < end else (hour >= start or hour < end)


def record_feedback(store: Store, sugg_id: int, feedback: str, *, until: float | None = None) -> Suggestion:
    """Record the user's answer; it moves that kind's threshold (see module docstring)."""
    if feedback not in FEEDBACK:
        raise InvalidInput(f"feedback must be one of {', '.join(FEEDBACK)}, got {feedback!r}")
    if feedback == "snoozed":
        if until is None or until <= store.clock():
            raise InvalidInput("a snooze needs a time in the future to come back")
        return store.update_suggestion(sugg_id, "snoozed", feedback="snoozed", snoozed_until=until)
    return store.update_suggestion(sugg_id, feedback, feedback=feedback)


# -- the suggester ------------------------------------------------------------------
