"""Small text helpers the detectors share: words, names, clipping, and when and where a thing was seen."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from ..models import UNKNOWN_USER, Observation
from .config import DAY, HOUR

_STOPWORDS = frozenset(
    "the and for with you your our this that from have has are was were will would could should "
    "can about into just please let know what when where which their there them then than also "
    "been being it's its".split())


def _title_core(title: str) -> str:
    """A window title without unsaved markers and the trailing " - App" part."""
    core = re.sub(r"^\s*[●*]\s*|\s*\*\s*(?=[-–—|]|$)", "", title)
    parts = re.split(r"\s+[-–—|·]\s+", core)
    return (parts[0] if len(parts) > 1 else core).strip()


def _first_sightings(observations: Sequence[Observation]) -> list[Observation]:
    """One observation per distinct content, the earliest: "on Thursday" means the Thursday
    after it was first seen, not after a later glance at the same mail."""
    seen: set[str] = set()
    out = []
    for o in observations:
        key = o.content_hash or f"{o.app}|{o.window_title}|{o.content}"
        if key not in seen:
            seen.add(key)
            out.append(o)
    return out


def _where_seen(o: Observation) -> str:
    title = _title_core(o.window_title or "")
    return " — ".join(p for p in (o.app, title) if p) or o.observer


def _first_name(name: str | None) -> str | None:
    """The person's first name; None when none is known ("the user" is nobody's name)."""
    if not name or not name.strip() or name.strip().casefold() == UNKNOWN_USER:
        return None
    return name.split()[0]


def _content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[^\W\d_][\w'’-]+", text.casefold())
                     if w not in _STOPWORDS and len(w) > 2)


def _normalise(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else ""


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return (cut or text[: limit - 1]) + "…"


def _clock(at: float) -> str:
    return f"{datetime.fromtimestamp(at):%a %H:%M}"


def _day(at: float) -> str:
    return f"{datetime.fromtimestamp(at):%Y-%m-%d}"


def _ago(seconds: float) -> str:
    if seconds < 2 * HOUR:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 2 * DAY:
        return f"{round(seconds / HOUR)} h"
    return f"{round(seconds / DAY)} days"
