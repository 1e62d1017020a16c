"""The dashboard's reads, as plain functions of the service (called from worker threads)."""

from __future__ import annotations

import re

from propositions.models import Observation, Proposition
from propositions.service import Service

SORTS = ("relevance", "confidence", "recency")
#: rows in the search results: more than a screen, few enough to rank in a keystroke
SEARCH_LIMIT = 50
#: observations shown for one day of the timeline
DAY_LIMIT = 500
FLAGGED_LIMIT = 200
#: a last word shorter than this matches whole words only: "li*" would rank most of the store
#: (at 100k propositions, 3-letter prefixes cost up to 180 ms a keystroke, 4-letter ones 40 ms)
MIN_PREFIX = 4
_LAST_WORD = re.compile(r"(\w+)$")


def search(service: Service, text: str, sort: str, limit: int = SEARCH_LIMIT) -> list[Proposition]:
    """Active propositions for search-as-you-type: the last word, once 4 letters long, is a prefix.

    With no text the list is newest evidence first, except when sorted by
    confidence. "confidence" and "recency" re-order the best matches.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}, not {sort!r}")
    if not text.strip() and sort != "confidence":
        return service.recent(limit)
    last = _LAST_WORD.search(text)
    prefix = last is None or len(last.group(1)) >= MIN_PREFIX
    # MMR costs O(limit² · candidates) in Python; per keystroke, plain ranking keeps it under 100 ms.
    hits = service.query(text or None, limit=limit, prefix=prefix, diversify=False).hits
    props = [h.proposition for h in hits]
    if sort == "confidence":
        props.sort(key=lambda p: (-p.confidence, -(p.id or 0)))
    elif sort == "recency":
        props.sort(key=lambda p: (-p.last_evidence_at, -(p.id or 0)))
    return props


def day(service: Service, start: float, end: float, limit: int = DAY_LIMIT) -> tuple[list[Observation], bool]:
    """Observations captured in [start, end), oldest first, and whether the day held more than ``limit``.

    The service's query with no text lists observations newest first in a window.
    """
    result = service.query(
        None, since=start, until=end, limit=limit + 1, include_observations=True, diversify=False
    )
    found = [o.observation for o in result.observations if o.observation.captured_at < end]
    truncated = len(found) > limit
    found = found[:limit]
    found.reverse()
    return found, truncated


def flagged(service: Service, limit: int = FLAGGED_LIMIT) -> list[Proposition]:
    """Active propositions the audit flagged as sensitive (health, finances, ...), newest first."""
    return service.flagged(limit)
