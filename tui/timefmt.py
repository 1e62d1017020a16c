"""Times and sizes as the dashboard prints them, and the `since` a person types."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*(?:ago)?\s*$", re.IGNORECASE)
_ABSOLUTE = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")


def ago(ts: float | None, now: float) -> str:
    """"5m ago"; "never" for no time (the CLI's wording)."""
    if not ts:
        return "never"
    delta = now - ts
    if delta < 0:
        return "in the future"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"{int(delta // size)}{unit} ago"
    return "just now"


def until(ts: float, now: float) -> str:
    """"in 55m" for a time ahead (a snooze, the end of a pause)."""
    delta = max(0.0, ts - now)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"in {int(delta // size)}{unit}"
    return "in under a minute"


def duration(seconds: float) -> str:
    """"1h05m", "12m", "40s"."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def clock_time(ts: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%H:%M")


def day_label(ts: float, tz: tzinfo | None) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%a %d %b %Y")


def day_bounds(now: float, tz: tzinfo | None, days_back: int) -> tuple[float, float]:
    """Start and end (epoch seconds) of the calendar day ``days_back`` days before ``now``'s."""
    today = datetime.fromtimestamp(now, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=days_back)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def size(n: int | None) -> str:
    if n is None:
        return "—"
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def parse_since(text: str, now: float, tz: tzinfo | None) -> float:
    """"2h", "3d", "30m ago" (before now) or "2026-05-01[ 14:00]" (in ``tz``); ValueError otherwise."""
    match = _RELATIVE.match(text)
    if match:
        return now - float(match.group(1)) * _UNITS[match.group(2).lower()]
    for fmt in _ABSOLUTE:
        try:
            parsed = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=tz).timestamp() if tz else parsed.timestamp()
    raise ValueError(f"cannot read {text!r} as a time: use 30m, 2h, 3d, 1w or 2026-05-01 14:00")
