"""Dates and times of day mentioned in screen text, resolved to calendar dates and clock times."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

# Month and weekday names in English, Spanish, German, French and Portuguese (with and
# without accents, as OCR may drop them). Abbreviations that are everyday words in another
# language ("out", "set", "ago", German "so"/"do") are left out.
MONTHS = {m: i for i, names in enumerate(
    [("jan", "january", "enero", "ene", "januar", "jänner", "janvier", "janv", "janeiro"),
     ("feb", "february", "febrero", "februar", "février", "fevrier", "févr", "fevr",
      "fevereiro", "fev"),
     ("mar", "march", "marzo", "märz", "maerz", "mär", "mars", "março", "marco"),
     ("apr", "april", "abril", "abr", "avril", "avr"),
     ("may", "mayo", "mai", "maio"),
     ("jun", "june", "junio", "juni", "juin", "junho"),
     ("jul", "july", "julio", "juli", "juillet", "juil", "julho"),
     ("aug", "august", "agosto", "août", "aout"),
     ("sep", "sept", "september", "septiembre", "setiembre", "septembre", "setembro"),
     ("oct", "october", "octubre", "oktober", "okt", "octobre", "outubro"),
     ("nov", "november", "noviembre", "novembre", "novembro"),
     ("dec", "december", "diciembre", "dic", "dezember", "dez", "décembre", "decembre", "déc",
      "dezembro")], start=1) for m in names}
WEEKDAYS = {d: i for i, names in enumerate(
    [("mon", "monday", "lunes", "montag", "lundi", "segunda-feira", "segunda", "seg"),
     ("tue", "tues", "tuesday", "martes", "dienstag", "mardi", "terça-feira", "terca-feira",
      "terça", "terca", "ter"),
     ("wed", "wednesday", "miércoles", "miercoles", "mié", "mie", "mittwoch", "mercredi", "mer",
      "quarta-feira", "quarta", "qua"),
     ("thu", "thur", "thurs", "thursday", "jueves", "jue", "donnerstag", "jeudi", "jeu",
      "quinta-feira", "quinta", "qui"),
     ("fri", "friday", "viernes", "vie", "freitag", "vendredi", "ven", "sexta-feira", "sexta",
      "sex"),
     ("sat", "saturday", "sábado", "sabado", "sáb", "sab", "samstag", "samedi", "sam"),
     ("sun", "sunday", "domingo", "dom", "sonntag", "dimanche", "dim")]) for d in names}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
# Short forms outside English ("sam.", "ter.", "mer.") are also names and words ("Sam", "Mer"):
# they count only with their dot.
_DOTTED_ONLY = frozenset(("seg", "ter", "terça", "terca", "qua", "qui", "sex", "sab", "sáb", "dom",
                          "mié", "mie", "jue", "vie", "mer", "jeu", "ven", "sam", "dim"))
# A calendar's column heads print them in capitals without the dot ("JUE 11", "SÁB 24"):
# capitals before a day of the month are not a name.
_WEEKDAY_RE = "|".join(
    [re.escape(d) for d in sorted(set(WEEKDAYS) - _DOTTED_ONLY, key=len, reverse=True)]
    + [re.escape(d) + r"\." for d in sorted(_DOTTED_ONLY, key=len, reverse=True)]
    + [rf"(?-i:{re.escape(d.upper())})(?=,?\s+\(?\d)" for d in sorted(_DOTTED_ONLY, key=len, reverse=True)])


def weekday(name: str) -> int:
    """0 (Monday) to 6 for a weekday name or short form in any language gumd reads."""
    return WEEKDAYS[name.casefold().rstrip(".")]


_YEAR = r"(?:,?\s+(?:de\s+)?(?P<year>20\d\d)\b)?"
DATE_PATTERNS = [
    # Saturday June 13 / Thu Sep 17 / September 17, 2026 / June 12-14 (not "mar 4 may", which
    # is Spanish for Tuesday 4 May)
    re.compile(rf"\b(?:(?P<wd>{_WEEKDAY_RE})\.?,?\s+)?(?P<mon>{_MONTH_RE})\.?\s+(?P<day>\d{{1,2}})"
               rf"(?:st|nd|rd|th)?(?:\s*[-–]\s*(?P<day2>\d{{1,2}}))?\b(?![:.h]\d)"
               rf"(?!\.?\s+(?:{_MONTH_RE})\b){_YEAR}", re.I),
    # 13 June / Thu 10 Dec / Thursday, 13th of June 2026
    re.compile(rf"\b(?:(?P<wd>{_WEEKDAY_RE})\.?,?\s+(?:(?:dia|le|den|el)\s+)?)?(?P<day>\d{{1,2}})"
               rf"(?:st|nd|rd|th|er|\.)?\s+(?:of\s+|de\s+)?(?P<mon>{_MONTH_RE})\b\.?{_YEAR}", re.I),
    # 27/10/2026, 27.10.2026, ter., 27/10 (day first, as outside the US; a first number over
    # 12 or a second one over 12 settles which is the day)
    re.compile(rf"(?<![\d/.])(?:(?P<wd>{_WEEKDAY_RE})\.?,?\s+)?(?P<dm_a>\d{{1,2}})[/.](?P<dm_b>\d{{1,2}})"
               rf"[/.](?P<year>20\d\d)(?![\d/.:])", re.I),
    # without a year only where it cannot be a version or a fraction: after a weekday or a
    # word that introduces a date ("seg. 26/10", "am 12.11.", "le 3/11", "due 14/5")
    re.compile(rf"(?:\b(?:am|le|el|dia|até|ate|on|due|until|by|für|pour|para)\s+|"
               rf"\b(?P<wd>{_WEEKDAY_RE})\.?,?\s+\(?)(?P<dm_a>\d{{1,2}})[/.](?P<dm_b>\d{{1,2}})"
               rf"\.?(?![\d/.:]\d)", re.I),
    # "quarta-feira, dia 28", "jeudi 22", "Saturday the 13th": a weekday and a day of the month
    re.compile(rf"\b(?P<wd>{_WEEKDAY_RE})\.?,?\s+(?:(?:dia|le|the|den|el)\s+)?(?P<wd_day>\d{{1,2}})(?!\d)"
               rf"(?:st|nd|rd|th|er|\.)?(?![\d:/.]\d|h\d|\s*(?:h\b|uhr|[ap]\.?m))", re.I),
    # on the 24th
    re.compile(r"\b(?:on|by|before|until|for)\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.I),
    # ISO 2026-06-13
    re.compile(r"\b(?P<year>20\d\d)-(?P<mon_n>\d\d)-(?P<day>\d\d)\b"),
    # (on) Thursday
    re.compile(rf"\b(?:on|this|next|by)\s+(?P<wd>{_WEEKDAY_RE})\b", re.I),
]
#: today / tonight / tomorrow, and a weekday named as the day something happens or is due
#: ("booked for Thursday", "due Friday", "When: Thursday", "Dentist: Friday 14h30"): only for callers that ask for
#: them (the statistical inferrer does not, since "Today" is also a common heading in mail
#: and chat lists)
RELATIVE_PATTERN = re.compile(r"\b(?P<rel>today|tonight|tomorrow)\b", re.I)
_CUED_WEEKDAY = re.compile(
    rf"(?:\b(?:due|until|till|before|for|from)(?:\s+(?:this|next))?\s+|:\s*)"
    rf"(?P<wd>{_WEEKDAY_RE})\b", re.I)
TIME_RE = re.compile(r"\b(\d{1,2})(?::(\d\d))?\s*([ap]\.?m\.?)\b", re.I)
# A 24-hour time only counts after "at"/"@": a bare "10:42" is usually a message timestamp.
_TIME_24_RE = re.compile(r"(?:\bat|@)\s*([01]?\d|2[0-3])[:.h]([0-5]\d)\b(?!\s*[ap]\.?m)", re.I)
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1}


# A title or an initial before a name ends with a dot and no sentence: "Dra. Fernanda",
# "D. Antonio", "Jordan A. Whitaker".
_ABBREVIATION = re.compile(
    r"(?:\b(?:Dr|Dra|Drs|Sr|Sra|Srta|Mr|Mrs|Ms|Mme|Mlle|Prof|Profa|Hr|Fr|Frau|St|Sta|Av|Ing|Lic|"
    r"Dipl|Nr|No|Dña)|(?<!\w)(?:[A-ZÀ-Þ]\.){0,4}[A-ZÀ-Þ])\.$")


def sentences(text: str) -> Iterable[str]:
    """The sentences of ``text``, one line at a time, with whitespace collapsed."""
    for line in text.splitlines():
        held = ""
        # not after a day's number: "Dienstag, 2. März" is one date
        for part in re.split(r"(?<!\b\d\.)(?<!\b\d\d\.)(?<=[.!?])\s+", line):
            part = f"{held} {part}" if held else part
            if _ABBREVIATION.search(part):
                held = part
                continue
            held = ""
            sent = " ".join(part.split())
            if sent:
                yield sent
        if held.strip():
            yield " ".join(held.split())


def date_mentions(
    text: str, seen_at: datetime, *, relative: bool = False
) -> list[tuple[date, tuple[int, int]]]:
    """Each date mentioned in ``text`` with the span of its mention.

    Patterns go from most to least specific, and a less specific match inside a
    more specific one ("Saturday" in "Saturday June 13") is not a second date.
    """
    out: list[tuple[date, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    # "MAR 20" among "LUN 19 … MIÉ 21" is Spanish for Tuesday 20th, not 20 March
    romance_week = _ROMANCE_HEAD.search(text) is not None
    patterns = DATE_PATTERNS + ([_CUED_WEEKDAY, RELATIVE_PATTERN] if relative else [])
    for pattern in patterns:
        for m in pattern.finditer(text):
            span = m.span("wd") if pattern is _CUED_WEEKDAY else m.span()  # the cue is not the date
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            taken.append(span)
            g = m.groupdict()
            if romance_week and (g.get("mon") or "").casefold() == "mar" and not g.get("year"):
                g = {"wd": "tue", "wd_day": g["day"]}
            when = resolve(g, seen_at.date())
            if when and all(when != d for d, _ in out):
                out.append((when, span))
    return out


_ROMANCE_HEAD = re.compile(r"(?i)\b(?:lun|mi[ée]|jue|vie|s[áa]b|dom)\.?\s+\d{1,2}\b")


def dates_in(text: str, seen_at: datetime) -> list[date]:
    """Dates mentioned in ``text`` (see ``date_mentions``), in the order found."""
    return [when for when, _ in date_mentions(text, seen_at)]


def resolve(g: dict[str, str | None], today: date) -> date | None:
    """A calendar date for a mention seen on ``today``: the next such date, not a past one."""
    try:
        if g.get("rel"):
            return today + timedelta(days=_RELATIVE_DAYS[g["rel"].casefold()])
        if g.get("mon_n"):
            return date(int(g["year"]), int(g["mon_n"]), int(g["day"]))
        if g.get("wd_day"):
            # the next date with this day of the month that falls on this weekday
            day, wd = int(g["wd_day"]), weekday(g["wd"])
            ahead = next((today + timedelta(days=n) for n in range(0, 400)
                          if (today + timedelta(days=n)).day == day
                          and (today + timedelta(days=n)).weekday() == wd), None)
            # "Mon 8" on a log seen on Wednesday 10th was two days ago, not next November
            past = next((today - timedelta(days=n) for n in range(1, 8)
                         if (today - timedelta(days=n)).day == day
                         and (today - timedelta(days=n)).weekday() == wd), None)
            if past and (ahead is None or (ahead - today).days > 60):
                return past
            return ahead
        if g.get("dm_a"):
            a, b = int(g["dm_a"]), int(g["dm_b"])
            day, month = (b, a) if b > 12 >= a else (a, b)
            if g.get("year"):
                return date(int(g["year"]), month, day)
            when = date(today.year, month, day)
            if when < today - timedelta(days=31):
                when = date(today.year + 1, month, day)
            return when
        if g.get("mon"):
            month = MONTHS[g["mon"].casefold()]
            day = int(g["day"])
            if g.get("year"):
                return date(int(g["year"]), month, day)
            when = date(today.year, month, day)
            if when < today - timedelta(days=31):
                when = date(today.year + 1, month, day)
            elif g.get("wd") and when.weekday() != weekday(g["wd"]):
                # "Thu 14 Jan" seen in December: the weekday says which year (a date a year
                # off is a log's or a past year's, not this one's)
                later = date(today.year + 1, month, day)
                if later.weekday() == weekday(g["wd"]) and (later - today).days <= 120:
                    when = later
            return when
        if g.get("day"):  # "the 24th": this month, or next if it has passed
            day = int(g["day"])
            when = date(today.year, today.month, day)
            if when < today:
                month = today.month % 12 + 1
                when = date(today.year + (today.month == 12), month, day)
            return when
        if g.get("wd"):
            ahead = (weekday(g["wd"]) - today.weekday()) % 7
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


@dataclass(frozen=True)
class TimeMention:
    """A time of day in text: when, where, and whether it was written with am/pm."""

    at: time
    span: tuple[int, int]
    twelve_hour: bool


_AMPM = re.compile(r"\b(\d{1,2})(?:[:.]([0-5]\d))?\s*([ap])\.?\s?m\b\.?", re.I)
_NOON = re.compile(r"\b(?:12\s*)?(?:noon|midday)\b", re.I)
# "10:00", "14h30", "9h"; never part of a longer number, a date, or a time with seconds
_CLOCK = re.compile(r"(?<![\w:.,/])([01]?\d|2[0-3])(?::([0-5]\d)|h([0-5]\d)?)(?![\d:])(?!\s*[ap]\.?\s?m\b)"
                    r"(?:\s*(?:[-–—]|to|until|till)\s*(?:[01]?\d|2[0-3])(?::[0-5]\d|h[0-5]?\d?)(?![\d:]))?",
                    re.I)  # with the end of a range ("18:00-20:00"), which is no second time
_DOTTED = re.compile(r"(?:\bat|@)\s*([01]?\d|2[0-3])\.([0-5]\d)\b(?!\s*(?:[ap]\.?m|[€$£%]|eur|usd|gbp|chf))",
                     re.I)  # "at 9.30", not a price "at 10.30 EUR"
# "at 9", "at 3 on Friday", "9 o'clock": an hour alone, where what follows shows it is a time
_BARE_HOUR = re.compile(
    r"(?:\b(?:at|@)\s*(\d{1,2})(?=\s*(?:$|[,;:!?)]|\.(?:\s|$)|\s+(?:o['’]?clock|sharp|on|in|this|next|"
    r"tomorrow|today|tonight|and|to|for|with|until|please|if|or|then|so|at|the|latest)\b))"
    r"|\b(\d{1,2})\s*o['’]?clock\b)", re.I)
# what may come right before a clock time for it to count on its own
_TIME_CUE = re.compile(r"(?:\b(?:at|from|by|until|till|before|after|starts?|begins?|opens?|time|à|um)\s*:?|@)\s*$",
                       re.I)
# what may stand between a date and its time ("Thu 10 Dec, 10:00", "Thursday at 10:00", "10:00 on Friday")
_AFTER_DATE = re.compile(r"^[\s,;|·•–—-]*(?:(?:at|from|@|um|à)\s*)?$", re.I)
_BEFORE_DATE = re.compile(r"^[\s,]*(?:on|,)?[\s,]*$", re.I)
_ALONE = re.compile(r"^\s*(?:(?:time|at|from|starts?|begins?)\s*:?\s*)?$", re.I)
_ALONE_AFTER = re.compile(r"^\s*(?:[-–—]\s*\S+)?\s*(?:\([^)]*\))?\s*[.!]?\s*$")


def time_mentions(text: str, *, near: Sequence[tuple[int, int]] = ()) -> list[TimeMention]:
    """Every time of day in ``text``, in order.

    Times with am/pm ("2 pm", "9:30 a.m.") and noon always count. A 24-hour time ("10:00",
    "14h30") or an hour alone ("at 9", "9 o'clock") counts only where it reads as one: after
    "at", "from", "by", "Time:" and the like, right next to one of the date mentions at
    ``near`` ("Thu 10 Dec, 10:00", "10:00 on Friday"), or alone on its line ("Time: 10:00",
    "10:00 – 11:00"). A bare "10:42" beside a name is a message's timestamp, not a time to
    remember. A bare "at 9" is read as 9 am, "at 3" (1 to 6) as 3 pm.
    """
    found: list[TimeMention] = []

    def add(at: time, span: tuple[int, int], twelve: bool) -> None:
        if all(span[1] <= s[0] or s[1] <= span[0] for s in (f.span for f in found)):
            found.append(TimeMention(at, span, twelve))

    for m in _AMPM.finditer(text):
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if 1 <= hour <= 12:
            add(time(hour % 12 + (12 if m.group(3).lower() == "p" else 0), minute), m.span(), True)
    for m in _NOON.finditer(text):
        add(time(12, 0), m.span(), True)
    for m in _CLOCK.finditer(text):
        if _reads_as_time(text, m.span(), near):
            add(time(int(m.group(1)), int(m.group(2) or m.group(3) or 0)), m.span(), False)
    for m in _DOTTED.finditer(text):
        add(time(int(m.group(1)), int(m.group(2))), m.span(1)[:1] + m.span()[1:], False)
    for m in _BARE_HOUR.finditer(text):
        hour = int(m.group(1) or m.group(2))
        if 1 <= hour <= 23:
            at = time(hour + 12 if hour <= 6 else hour, 0)
            add(at, m.span(1) if m.group(1) else m.span(), False)
    return sorted(found, key=lambda f: f.span)


def _reads_as_time(text: str, span: tuple[int, int], near: Sequence[tuple[int, int]]) -> bool:
    before, after = text[:span[0]], text[span[1]:]
    if _TIME_CUE.search(before[-12:]):
        return True
    if _ALONE.match(before) and _ALONE_AFTER.match(after):
        return True
    for start, end in near:
        if end <= span[0] and span[0] - end <= 8 and _AFTER_DATE.match(text[end:span[0]]):
            return True
        if span[1] <= start and start - span[1] <= 6 and _BEFORE_DATE.match(text[span[1]:start]):
            return True
    return False


def format_clock(mention: TimeMention) -> str:
    """A time as it was written: "2 pm" for one written with am/pm, "14:30" or "9:00" for a 24-hour one."""
    return format_time(mention.at) if mention.twelve_hour else f"{mention.at.hour}:{mention.at.minute:02d}"
