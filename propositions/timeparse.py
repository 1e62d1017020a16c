"""Parse the times people type: "2h", "3d", "yesterday", "2026-06-01", "2026-06-01T09:30"."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from .errors import InvalidInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days|w|wk|weeks?)\s*(?:ago)?\s*$", re.I)


def parse_duration(text: str) -> float:
    """Seconds in a duration such as ``90s``, ``30m``, ``2h``, ``1.5d``, ``2w``."""
    m = _RELATIVE.match(text or "")
    if not m:
        raise InvalidInput(f"cannot read duration {text!r}; use e.g. 30m, 2h, 3d, 1w")
    return float(m.group(1)) * _UNITS[m.group(2)[0].lower()]


def parse_time(text: str, now: float) -> float:
    """Epoch seconds for ``text``: a duration back from ``now``, a keyword, or an ISO date/time.

    Naive ISO times are local time, as a person typing them means.
    """
    raw = (text or "").strip()
    low = raw.lower()
    if low == "now":
        return now
    if low in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if low == "yesterday":
            midnight -= timedelta(days=1)
        return midnight.timestamp()
    if _RELATIVE.match(raw):
        return now - parse_duration(raw)
    try:
        return datetime.fromisoformat(raw).timestamp()
    except ValueError:
        raise InvalidInput(
            f"cannot read time {text!r}; use a duration back from now (2h, 3d), "
            "today, yesterday, or an ISO date such as 2026-06-01 or 2026-06-01T09:30"
        ) from None
