"""Times and sizes as the dashboard (and `gumd`'s own lines) print them; propositions.timeparse reads them."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo



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
