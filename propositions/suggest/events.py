"""Reading dated events and deadlines out of screen text (mail, chat, booking pages) for reminders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import time as dtime
from urllib.parse import urlsplit

from ..dates import date_mentions, format_clock, sentences, time_mentions
from ..models import Observation
from .config import SuggestConfig
from .text import _content_words, _sentence_case

@dataclass
class _Event:
    due: datetime  # local, naive
    timed: bool
    clock: str | None  # the time as it was written ("10:00", "2 pm"); None without one
    what: str  # what happens, or for a deadline what to do by then ("Pay the deposit")
    deadline: bool  # something to do by the date, rather than something happening on it
    sentence: str
    booked: bool  # the text says it was booked, confirmed or is due: the user's own, not news
    addressed: bool  # it speaks to the reader ("your appointment")


_CUE_TAIL = re.compile(
    r"(?:[,(]?\s*\b(?:on|at|by|for|from|until|till|before|around|after|due|is|are|was|starts?|begins?)\b"
    r"|\s*@)+\s*$", re.I)


_LEAD_INS = re.compile(
    r"^(?:(?:hi|hey|hello|dear)\b[^,!]{0,40}[,!]\s*)?"
    r"(?:(?:just\s+)?(?:a\s+)?(?:quick\s+|friendly\s+|gentle\s+)?reminder(?:\s+(?:that|about|of))?:?\s+"
    r"|(?:we|i)(?:'d|’d|\s+would)\s+like\s+to\s+(?:invite\s+you\s+to|remind\s+you\s+(?:of|about|that)"
    r"|confirm|schedule|book)\s+"
    r"|this\s+is\s+to\s+confirm\s+(?:that\s+)?"
    r"|(?:please\s+)?(?:don't|don’t|do\s+not)\s+forget\s+(?:about\s+|that\s+|to\s+)?"
    r"|you(?:'re|’re|\s+are)\s+(?:invited|scheduled|booked|registered)\s+(?:to|for)\s+"
    r"|(?:save\s+the\s+date|heads\s+up)\s*[:,-]?\s*"
    r"|(?:(?:i'?m|we'?re|i\s+am|we\s+are)\s+)?looking\s+forward\s+to\s+(?:seeing\s+you\s+(?:at|for)\s+)?"
    r"|(?:please\s+)?(?:note|n\.?b\.?|important|attention|fyi|update|payment|info)\s*:\s*)?"
    r"(?:please\s+)?(?:(?:a|an|the|your|our)\s+)?",
    re.I,
)


def _events(text: str, seen_at: datetime, config: SuggestConfig) -> list[_Event]:
    """Dated mentions in ``text``: the date, the time said next to it (or on the next line), and
    what is happening or due, with the date and time words cut out.

    A date and time at or before the moment the text was seen is a clock, a message's or a log
    line's timestamp, or the past, never an event; so is a date followed by a time with seconds.
    """
    out = []
    lines = list(sentences(text))
    for i, sentence in enumerate(lines):
        mentions = date_mentions(sentence, seen_at, relative=True)
        if not mentions:
            continue
        # "Saturday morning": the part of the day belongs to the date, not to what happens
        mentions = [(when, (span[0], span[1] + len(m.group()) if (m := _PART_OF_DAY.match(sentence, span[1]))
                            else span[1])) for when, span in mentions]
        times = time_mentions(sentence, near=[span for _, span in mentions])
        spare = None
        if not times and len(mentions) == 1 and i + 1 < len(lines) and not date_mentions(
                lines[i + 1], seen_at, relative=True):
            spare = next(iter(time_mentions(lines[i + 1])), None)  # "Date: Thu 17 Sep", "Time: 10:00"
        deadline = bool(_DEADLINE.search(sentence))
        what = _what(sentence, [span for _, span in mentions] + [t.span for t in times], deadline)
        labelled = _LABEL_ONLY.match(what) is not None
        if labelled or not _content_words(what):
            named = _named_nearby(lines, i) if labelled else None  # "Service: Bike service" above
            what = _todo(named) if named and deadline else (named or "")
        booked = bool(_BOOKED.search(sentence) or (labelled and any(
            _BOOKED.search(line) for line in lines[max(0, i - 4):i + 3])))
        for when, span in mentions:
            if _TIMESTAMP_TAIL.match(sentence, span[1]):
                continue  # "2026-12-07 13:40:12": a log line's time
            # One time belongs to the date mentioned nearest to it.
            clock = min(times, key=lambda t: abs(t.span[0] - span[0])) if times else spare
            if clock is not None and times and len(mentions) > 1 and span != min(
                    (s for _, s in mentions), key=lambda s: abs(s[0] - clock.span[0])):
                clock = None
            if clock is not None:
                at = clock.at
            elif sentence[span[0]:span[1]].casefold() == "tonight":
                at = dtime(19, 0)
            else:
                at = dtime(config.default_hour, 0)
            due = datetime.combine(when, at)
            if due <= seen_at:
                continue
            by = deadline or bool(_BY.search(sentence[max(0, span[0] - 20):span[0]])
                                  or _BY_DATE.match(sentence, span[0]))
            out.append(_Event(
                due, clock is not None, format_clock(clock) if clock else None,
                _todo(what) if by and not deadline and what else what, by, sentence,
                booked or by, bool(_ADDRESSED.search(sentence))))
    return out


# Evidence that a date is the user's own business: booked, confirmed, invited, or due.
_BOOKED = re.compile(
    r"\b(?:book(?:ed|ing)|confirm(?:ed|s|ation)|reserv(?:ed|ation)|appointment|(?:re)?scheduled|reminder|"
    r"invit(?:e|ed|es|ation)|interview|register(?:ed)?|registration|ticket|rsvp|check-?in|"
    r"see\s+you|your\s+(?:visit|stay|order|service|session|class|flight|table|slot|meeting|call|"
    r"delivery|pick-?up|repair|consultation|lesson|trip|tour))\b", re.I)


_DEADLINE = re.compile(
    r"\b(?:due|deadline|payable|expires?|expiry|no\s+later\s+than|last\s+day\s+to|"
    r"must\s+be\s+(?:paid|submitted|returned|received|completed|renewed))\b", re.I)


_BY = re.compile(r"\b(?:by|before|no\s+later\s+than)\s*(?:the\s*)?$", re.I)


_BY_DATE = re.compile(r"(?:by|before)\b", re.I)  # "by Friday" is one date mention


_ADDRESSED = re.compile(r"\b(?:you|your|yours)\b", re.I)


_CLAUSE = re.compile(r"\s+[—–-]\s+|;\s+")


_AFTER_DATE_GAP = re.compile(r"^[\s,]*(?:(?:at|from)\s+)?$", re.I)


_PART_OF_DAY = re.compile(r"\s+(?:morning|afternoon|evening|night|lunchtime)\b", re.I)


_TIMESTAMP_TAIL = re.compile(r"[ T]\d{1,2}:\d\d:\d\d")


# "Date: Thursday 10 December": the date line of booking details, which name the event elsewhere
_LABEL_ONLY = re.compile(r"^\s*(?:date|when|day|time|on|due(?:\s+date)?|deadline)?\s*$", re.I)


_DETAIL = re.compile(
    r"^\s*(?:service|appointment|event|what|treatment|class|session|booking|reservation|meeting|"
    r"title|item|description|type)\s*:\s*(.{3,90}?)\s*$", re.I)


# A news page: a date there is someone else's.
_NEWS_HOST = re.compile(r"(?:^|[.-])news\b|(?:^|\.)(?:bbc|cnn|reuters|apnews|theguardian|nytimes|"
                        r"washingtonpost|aljazeera|euronews|bloomberg|wsj|ft|lemonde|spiegel|elpais)\.", re.I)


_NEWS_WORDS = re.compile(r"\bnews\b", re.I)


_ATTRIBUTION = re.compile(
    r"\b(?:said|says|told\s+\w+|according\s+to|reported|announced|in\s+a\s+statement|"
    r"officials?|spokes(?:man|woman|person))\b", re.I)


def _named_nearby(lines: Sequence[str], i: int) -> str | None:
    """What a bare date line in booking details is for: a "Service: …" line around it."""
    for j in [*range(i - 1, max(-1, i - 5), -1), *range(i + 1, min(len(lines), i + 3))]:
        m = _DETAIL.match(lines[j])
        if m and _content_words(m.group(1)):
            return _sentence_case(m.group(1).strip(" .;:"))
    return None


# Predicates that say a thing is booked or due, left at the end once the date is cut out.
_PREDICATE_TAIL = re.compile(
    r"(?:\s+(?:is|are|was|were|has\s+been|have\s+been|will\s+be|must\s+be|needs?\s+to\s+be|"
    r"should\s+be|to\s+be|gets?))?\s+(?:booked|confirmed|scheduled|rescheduled|arranged|reserved|planned|"
    r"set(?:\s+up)?|due|paid|payable|submitted|returned|received|completed|renewed|done|"
    r"taking\s+place|happening)\s*$|\s+(?:is|are|will\s+be)\s*$", re.I)


_DUE_HEAD = re.compile(r"^(?:(?:the\s+)?(?:deadline|due\s+date|last\s+day)\s+(?:for|to|of)\s+)", re.I)


_IMPERATIVE = frozenset(
    "pay submit send return renew book register sign file confirm complete finish cancel reply apply "
    "upload hand bring call email buy order collect pick print review update fill prepare".split())


_MONEY = frozenset(
    "deposit payment balance invoice bill fee fees rent tuition premium instalment installment tax "
    "taxes amount dues fine charge subscription".split())


_PAPERS = frozenset(
    "report application form essay assignment paper thesis proposal abstract timesheet claim "
    "homework manuscript draft slides declaration return entry submission".split())


def _what(sentence: str, spans: list[tuple[int, int]], deadline: bool) -> str:
    """What happens (or is due): the sentence without its date and time, the words tying them
    in, the lead-ins ("Your", "We'd like to invite you to") and the "is booked" after."""
    # Only the clause the date is in: "Dinner on Friday at 7:30 pm — I booked the table".
    first = min(spans, default=(0, 0))
    start = max([0, *(m.end() for m in _CLAUSE.finditer(sentence) if m.end() <= first[0])])
    end = next((m.start() for m in _CLAUSE.finditer(sentence) if m.start() >= first[1]), len(sentence))
    after = first[1]  # past the date and the time next to it: a comma there ends the clause too
    for a, b in sorted(spans):
        if a >= after and _AFTER_DATE_GAP.match(sentence[after:a]):
            after = b
    if re.match(r"\s*,\s", sentence[after:end]):
        end = after
    spans = [(a - start, b - start) for a, b in spans if start <= a and b <= end]
    text = _summary(sentence[start:end], spans)
    for _ in range(2):  # "The deposit of €120 must be paid", "Your service is booked and confirmed"
        text = _PREDICATE_TAIL.sub("", text).strip(" ,.;:!?-–—")
    text = _LEAD_INS.sub("", _DUE_HEAD.sub("", text), count=1).strip(" ,.;:!?-–—")
    text = re.sub(r":\s+(?=(?:in|at|with|for|on|to|from)\b)", " ", text)  # "Parents evening: in the hall"
    return _todo(text) if deadline and _content_words(text) else _sentence_case(text)


def _todo(text: str) -> str:
    """A deadline's thing as a to-do: "the hotel deposit" -> "Pay the hotel deposit"."""
    text = re.sub(r"^\s*please\s+", "", text, flags=re.I)
    words = re.findall(r"[^\W\d_][\w'’-]*", text.casefold())
    text = re.sub(r"\byour\b", "the", text, flags=re.I)
    if words and words[0] in _IMPERATIVE:
        return _sentence_case(text)
    thing = re.sub(r"^(?:the|a|an|our)\s+", "", text, flags=re.I)
    if any(w in _MONEY for w in words[:4]):
        return f"Pay the {thing}"
    if any(w in _PAPERS for w in words[:4]):
        return f"Submit the {thing}"
    return f"{_sentence_case(thing)} due"


def _reminder_odds(event: _Event, seen: Sequence[Observation], subject: bool,
                   grounded: bool) -> tuple[float, list[str]]:
    """How likely a reminder is wanted, and why: a date the user booked, confirmed or owes is
    theirs; one in a news article or a chat about someone else's plans is not."""
    p, why = 0.3, []
    if event.booked:
        p += 0.3
        why.append("a deadline" if event.deadline else "booked or confirmed")
    if event.addressed:
        p += 0.1
        why.append("addressed to you")
    if event.timed or event.deadline:
        p += 0.1
        why.append("at a time" if event.timed else "a due date")
    if subject or grounded:
        p += 0.1
        why.append("in a mail" if subject else "a proposition agrees")
    host = next((urlsplit(o.url).hostname or "" for o in seen if o.url), "")
    if (_NEWS_HOST.search(host) or any(_NEWS_WORDS.search(f"{o.app} {o.window_title}") for o in seen)
            or _ATTRIBUTION.search(event.sentence)):
        p -= 0.25
        why.append("news, not your plans")
    if not why:
        why.append("nothing says it is yours")
    return min(0.95, max(0.05, p)), why


def _summary(sentence: str, spans: list[tuple[int, int]]) -> str:
    """The sentence without its date and time mentions and the little words tying them in."""
    text = sentence
    for start, end in sorted(spans, reverse=True):
        head = text[:start]
        cue = _CUE_TAIL.search(head, max(0, len(head) - 80))  # only the words just before it
        head = head[:cue.start()] if cue else head
        tail = re.sub(r"^\s*[,)]", "", text[end:])
        text = f"{head.rstrip()} {tail.lstrip()}"
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))
    text = _LEAD_INS.sub("", text, count=1)
    return text.strip(" ,.;:!?-–—\"'“”")


_SUBJECT = re.compile(r"^\s*subject\s*:\s*(?:(?:re|fwd?|aw|wg|tr)\s*:\s*)*(.+?)\s*$", re.I | re.M)


def _mail_subject(text: str) -> str | None:
    m = _SUBJECT.search(text)
    return m.group(1) if m and len(m.group(1)) >= 3 else None


def _quoted(text: str) -> str | None:
    """The quotation in a proposition ("… on Fri: “Dinner at 8 pm”"), which holds what was seen."""
    m = re.search(r"“([^”]{6,})”", text)
    return m.group(1) if m else None
