"""Decay classes: how long a proposition stays relevant without new evidence.

A proposition about a lasting trait ("works as a nurse") keeps its weight for
years; one about the task in hand ("is fixing a failing test") fades within
hours. Longer-lasting classes therefore have LONGER half-lives and decay more
slowly. Recency in ranking is ``0.5 ** (age / half_life)``.
"""

from __future__ import annotations

from .errors import InvalidInput

HOUR = 3600.0
DAY = 24 * HOUR

#: class name -> half-life in seconds, from most fleeting to most lasting
HALF_LIVES: dict[str, float] = {
    "hours": 6 * HOUR,
    "days": 3 * DAY,
    "weeks": 21 * DAY,
    "months": 120 * DAY,
    "years": 730 * DAY,
}

DEFAULT_DECAY = "weeks"


def half_life(decay: str) -> float:
    """Half-life in seconds of a decay class; an unknown class is an error."""
    try:
        return HALF_LIVES[decay]
    except KeyError:
        raise InvalidInput(
            f"unknown decay class {decay!r}; use one of {', '.join(HALF_LIVES)}"
        ) from None


def recency(age_s: float, half_life_s: float) -> float:
    """Weight in (0, 1] of evidence ``age_s`` seconds old; future timestamps count as now."""
    if half_life_s <= 0:
        return 1.0 if age_s <= 0 else 0.0
    return 0.5 ** (max(age_s, 0.0) / half_life_s)
