"""The times people and programs give: "2h", "3d ago", "yesterday", "2026-06-01", "2026-06-01T09:30",
epoch seconds. One parser, so `gumd forget --since yesterday`, the API's ``since=1780000000`` and the
dashboard's forget dialog accept the same things and say the same when they cannot.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .errors import InvalidInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)"
                       r"\s*(?:ago)?\s*$", re.I)
_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)?\s*$")
#: the largest epoch time accepted (year 5138): beyond it datetime cannot represent the value
MAX_EPOCH = 1e11
#: the longest duration accepted: a longer one is a typo, not a snooze
MAX_DURATION_S = 10 * 365 * 86400
TIME_HELP = ("a duration back from now (2h, 3d), now, today, yesterday, an ISO date or time "
             "(2026-06-01, 2026-06-01T09:30) or epoch seconds")


def parse_duration(text: Any, field: str | None = None) -> float:
    """Seconds in a duration such as ``90s``, ``30m``, ``2h``, ``1.5d``, ``2w`` (more than 0, at most 10 years)."""
    m = _RELATIVE.match(text) if isinstance(text, str) else None
    if not m:
        raise InvalidInput(_named(field, f"cannot read {_show(text)} as a duration; use e.g. 30m, 2h, 3d, 1w"))
    seconds = float(m.group(1)) * _UNITS[m.group(2)[0].lower()]
    if not 0 < seconds <= MAX_DURATION_S:
        raise InvalidInput(_named(field, "a duration must be more than 0 and at most 10 years"))
    return seconds


def parse_time(value: Any, now: float, field: str | None = None, *, tz: tzinfo | None = None) -> float:
    """Epoch seconds for ``value``: a duration back from ``now``, a keyword, an ISO date/time or
    epoch seconds (a number, or digits in a string).

    Naive ISO times and the keywords' midnights are in ``tz``, local time when None, as a
    person typing them means. ``field`` names the value in the error.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidInput(_named(field, f"expected {TIME_HELP}"))
    if isinstance(value, (int, float)):
        return _epoch(float(value), field)
    raw = value.strip()
    low = raw.lower()
    if low == "now":
        return now
    if low in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
        if low == "yesterday":
            midnight -= timedelta(days=1)
        return midnight.timestamp()
    if _NUMBER.match(raw):
        return _epoch(float(raw), field)
    if _RELATIVE.match(raw):
        return now - parse_duration(raw, field)
    try:
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None and tz is not None:
            parsed = parsed.replace(tzinfo=tz)
        return _epoch(parsed.timestamp(), field)
    except (ValueError, OverflowError, OSError):
        raise InvalidInput(_named(field, f"cannot read time {_show(value)}; use {TIME_HELP}")) from None


def _epoch(value: float, field: str | None) -> float:
    if not math.isfinite(value) or not 0 <= value <= MAX_EPOCH:
        raise InvalidInput(_named(field, f"{value!r} is not a time in epoch seconds"))
    return value


def _named(field: str | None, message: str) -> str:
    return f"{field}: {message}" if field else message


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
