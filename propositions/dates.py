"""Dates and times of day mentioned in screen text, resolved to calendar dates and clock times."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

MONTHS = {m: i for i, names in enumerate(
    [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")], start=1) for m in names}
WEEKDAYS = {d: i for i, names in enumerate(
    [("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
     ("sun", "sunday")]) for d in names}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
DATE_PATTERNS = [
    # Saturday June 13 / Thu Sep 17 / September 17 / June 12-14
    re.compile(rf"\b(?:(?P<wd>{_WEEKDAY_RE})\.?,?\s+)?(?P<mon>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})"
               rf"(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<day2>\d{{1,2}}))?\b", re.I),
    # 13 June / 13th of June
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MONTH_RE})\b", re.I),
    # on the 24th
    re.compile(r"\b(?:on|by|before|until|for)\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.I),
    # ISO 2026-06-13
    re.compile(r"\b(?P<year>20\d\d)-(?P<mon_n>\d\d)-(?P<day>\d\d)\b"),
    # (on) Thursday
    re.compile(rf"\b(?:on|this|next|by)\s+(?P<wd>{_WEEKDAY_RE})\b", re.I),
]
#: today / tonight / tomorrow: only for callers that ask for them (the statistical
#: inferrer does not, since "Today" is also a common heading in mail and chat lists)
RELATIVE_PATTERN = re.compile(r"\b(?P<rel>today|tonight|tomorrow)\b", re.I)
TIME_RE = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*([ap]\.?m\.?)\b", re.I)
# A 24-hour time only counts after "at"/"@": a bare "10:42" is usually a message timestamp.
_TIME_24_RE = re.compile(r"(?:\bat|@)\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\b(?!\s*[ap]\.?m)", re.I)
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1}


def sentences(text: str) -> Iterable[str]:
    """The sentences of ``text``, one line at a time, with whitespace collapsed."""
    for line in text.splitlines():
        for sent in re.split(r"(?<=[.!?])\s+", line):
            sent = " ".join(sent.split())
            if sent:
                yield sent


def date_mentions(
    text: str, seen_at: datetime, *, relative: bool = False
) -> list[tuple[date, tuple[int, int]]]:
    """Each date mentioned in ``text`` with the span of its mention.

    Patterns go from most to least specific, and a less specific match inside a
    more specific one ("Saturday" in "Saturday June 13") is not a second date.
    """
    out: list[tuple[date, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    patterns = DATE_PATTERNS + ([RELATIVE_PATTERN] if relative else [])
    for pattern in patterns:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append(m.span())
            when = resolve(m.groupdict(), seen_at.date())
            if when and all(when != d for d, _ in out):
                out.append((when, m.span()))
    return out


def dates_in(text: str, seen_at: datetime) -> list[date]:
    """Dates mentioned in ``text`` (see ``date_mentions``), in the order found."""
    return [when for when, _ in date_mentions(text, seen_at)]


def resolve(g: dict[str, str | None], today: date) -> date | None:
    """A calendar date for a mention seen on ``today``: the next such date, not a past one."""
    try:
        if g.get("rel"):
            return today + timedelta(days=_RELATIVE_DAYS[g["rel"].casefold()])
        if g.get("year"):
            return date(int(g["year"]), int(g["mon_n"]), int(g["day"]))
        if g.get("mon"):
            month = MONTHS[g["mon"].casefold()]
            day = int(g["day"])
            when = date(today.year, month, day)
            if when < today - timedelta(days=31):
                when = date(today.year + 1, month, day)
            return when
        if g.get("day"):  # "the 24th": this month, or next if it has passed
            day = int(g["day"])
            when = date(today.year, today.month, day)
            if when < today:
                month = today.month % 12 + 1
                when = date(today.year + (today.month == 12), month, day)
            return when
        if g.get("wd"):
            ahead = (WEEKDAYS[g["wd"].casefold()] - today.weekday()) % 7
            return today + timedelta(days=ahead or 7)
    except (ValueError, KeyError):
        return None
    return None


def clock_time(text: str, *, twenty_four_hour: bool = False) -> tuple[time, tuple[int, int]] | None:
    """The first time of day in ``text`` ("2 pm", "2:30 p.m.", with the flag also "at 14:30")
    and the span of its mention."""
    m = TIME_RE.search(text)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if 1 <= hour <= 12 and minute < 60:
            pm = m.group(3).lower().startswith("p")
            return time(hour % 12 + (12 if pm else 0), minute), m.span()
    if twenty_four_hour:
        m = _TIME_24_RE.search(text)
        if m:
            return time(int(m.group(1)), int(m.group(2))), m.span()
    return None


def time_in(text: str) -> str | None:
    """The first am/pm time in ``text`` as people write it: "2 pm", "9:30 am"."""
    m = TIME_RE.search(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if not 1 <= hour <= 12:
        return None
    suffix = "am" if m.group(3).lower().startswith("a") else "pm"
    return f"{hour}:{minute:02d} {suffix}" if minute else f"{hour} {suffix}"


def format_time(when: time) -> str:
    hour = when.hour % 12 or 12
    suffix = "am" if when.hour < 12 else "pm"
    return f"{hour}:{when.minute:02d} {suffix}" if when.minute else f"{hour} {suffix}"
