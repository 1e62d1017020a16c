"""Grounding: the names, places, amounts and dates a proposition states must be in its evidence.

A model can write a fluent sentence around a name it never saw. Whatever the inferrer, a
named thing in a proposition counts only when the text of the observations it cites (content,
window title, url, app) has it too, compared without case or accents; a date may be written
any way ``dates.date_mentions`` reads, an amount with any separators, and a place by any name
the gazetteer gives it ("Lisboa" grounds "Lisbon"). The user's own name is always grounded.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

from . import entities
from .activities import fold
from .dates import date_mentions
from .models import Observation

#: the most confidence a proposition may have when one of its named things is not in its evidence
UNGROUNDED_CONFIDENCE = 0.3

_NAME = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+"
# a capitalised word whole: "PowerPoint", "AnyVan", "Grüße"
_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿß'’-]+\w*"
# Two or more capitalised words in a row ("Maria Lopez", "Tesla Model", "Banco Santander"),
# allowing the particles of Iberian, Dutch and German names between them.
_CAP_RUN = re.compile(
    rf"\b{_WORD}(?:[ \t]+(?:(?:de|da|do|dos|das|del|van|von|der|la|le)[ \t]+)?{_WORD})+")
# "her sister Ana", "his manager Tom", "with Dr. Silva": how a proposition names a person.
_REL_WORDS = "|".join(sorted((re.escape(w) for w in entities.RELATIONS if w.isascii()),
                             key=len, reverse=True))
_RELATED = re.compile(
    rf"\b(?i:his|her|their|its|my|the user's|the person's|[a-z]+'s)\s+(?i:{_REL_WORDS})"
    rf",?\s+(?P<name>{_NAME})")
_TITLED = re.compile(rf"\b(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+(?P<name>{_NAME})")
# Capitalised words that open a sentence or name a day, not a person, place or thing.
_PLAIN = frozenset(fold(w) for w in (
    "The", "A", "An", "This", "That", "These", "Those", "He", "She", "They", "It", "His", "Her",
    "Their", "Your", "My", "Our", "User", "Person", "On", "In", "At", "From", "To", "For", "With",
    "By", "Every", "Each", "Next", "Last", "Since", "Until", "Before", "After", "During", "Today", "Tomorrow",
    "Yesterday", "Tonight", "Morning", "Afternoon", "Evening", "Night", "Weekend",
    # the days and months a proposition is written with (not "Marco", "Sam": names too)
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
))
# A job title is written capitalised ("Senior Pharmacist", "Property Manager") but names no
# one: it is a claim about a role, which the role readers weigh, not a named thing.
_TITLE_WORDS = frozenset((
    "manager", "engineer", "developer", "pharmacist", "nurse", "teacher", "designer", "analyst",
    "consultant", "director", "officer", "assistant", "specialist", "coordinator", "lead",
    "administrator", "accountant", "architect", "scientist", "researcher", "student", "head",
    "intern", "executive", "president", "associate", "technician", "editor", "writer",
    "translator", "lawyer", "advisor", "adviser", "agent", "representative", "supervisor",
))
_CURRENCIES = {"€": "EUR", "$": "USD", "£": "GBP", "R$": "BRL"}


@dataclass(frozen=True)
class Grounding:
    """The named things of a proposition: those its evidence has, and those it does not."""

    found: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def grounded(self) -> bool:
        return not self.missing


def named_things(text: str, user: str = "") -> list[str]:
    """People, places, organisations, amounts and capitalised names ``text`` states, in order;
    never the user (their name is grounded wherever it stands)."""
    own = {fold(w) for w in user.split()}
    # The user's name is no place ("Nadia" is also a town in the gazetteer); elsewhere it
    # stays, as in "Reformas Ortega", a business named after them.
    unnamed = text
    for word in user.split():
        unnamed = re.sub(rf"\b{re.escape(word)}\b", "User", unnamed, flags=re.I)
    found: list[str] = []
    found += [m.group(0).strip() for m in entities.AMOUNT.finditer(text)
              if re.search(r"\d", m.group(0))]
    found += list(entities.people_in(text, user))
    found += [m.group("name") for p in (_RELATED, _TITLED) for m in p.finditer(text)]
    found += entities.places_in(unnamed)
    found += entities.organisations_in(text)
    for m in _CAP_RUN.finditer(text):
        words = re.sub(r"['’]s\b", "", m.group(0)).split()
        while words and (fold(words[0]) in _PLAIN or fold(words[0]) in own):
            words = words[1:]
        if len(words) >= 2 and fold(words[-1]).removesuffix("s") not in _TITLE_WORDS:
            found.append(" ".join(words))
    out: list[str] = []
    for name in dict.fromkeys(re.sub(r"['’]s$", "", n.strip()) for n in found):
        words = [w for w in name.split() if w and fold(w) not in own]
        if words and not any(name != o and _contains(o, name) for o in out):
            out = [o for o in out if not _contains(name, o)]  # the longer name stands for both
            out.append(name)
    return out


class _Reading:
    """What one observation says, read once: an observation is cited again in every batch
    that restates what it shows."""

    def __init__(self, o: Observation) -> None:
        self.observation = o
        self.text = _evidence_text(o)
        self.words = f" {_fold_text(self.text)} "

    @cached_property
    def places(self) -> set[str]:
        return {fold(p) for p in entities.places_in(self.text)}

    @cached_property
    def amounts(self) -> set[tuple[str, str]]:
        return {_amount_key(m.group(0)) for m in entities.AMOUNT.finditer(self.text)}

    @cached_property
    def dates(self) -> set[date]:
        return {d for d, _ in date_mentions(self.text, _at(self.observation.captured_at),
                                           relative=True)}


_READINGS: OrderedDict[tuple[int, int], _Reading] = OrderedDict()
_READINGS_KEPT = 6000


def _reading(o: Observation) -> _Reading:
    if o.id is None:
        return _Reading(o)
    # the id alone is not enough: another store (a test's, a replay's) reuses ids
    key = (o.id, hash((o.captured_at, _evidence_text(o))))
    found = _READINGS.get(key)
    if found is None:
        found = _READINGS[key] = _Reading(o)
        if len(_READINGS) > _READINGS_KEPT:
            _READINGS.popitem(last=False)
    else:
        _READINGS.move_to_end(key)
    return found


class Evidence:
    """What some observations say, read once for any number of propositions."""

    def __init__(self, observations: Sequence[Observation]) -> None:
        self.observations = list(observations)
        self.readings = [_reading(o) for o in self.observations]

    @cached_property
    def places(self) -> set[str]:
        return {p for r in self.readings for p in r.places}

    @cached_property
    def amounts(self) -> set[tuple[str, str]]:
        return {a for r in self.readings for a in r.amounts}

    @cached_property
    def dates(self) -> set[date]:
        return {d for r in self.readings for d in r.dates}

    @cached_property
    def days(self) -> list[datetime]:
        """The days the observations were seen on, as of which a proposition's dates are read."""
        return [datetime.combine(d, time(12)) for d in
                sorted({_at(o.captured_at).date() for o in self.observations})] or [_at(0.0)]

    def has(self, words: str) -> bool:
        needle = f" {_fold_text(words)} "
        return any(needle in r.words for r in self.readings)


def ground(text: str, evidence: Sequence[Observation] | Evidence, user: str = "") -> Grounding:
    """Which named things and dates of ``text`` the ``evidence`` has, and which it has not."""
    ev = evidence if isinstance(evidence, Evidence) else Evidence(evidence)
    found: list[str] = []
    missing: list[str] = []
    for name in named_things(text, user):
        if _in_text(name, ev, user) or fold(name) in ev.places or (
                entities.AMOUNT.fullmatch(name) and _amount_key(name) in ev.amounts):
            found.append(name)
        else:
            missing.append(name)
    for mention, ok in _dates(text, ev):
        (found if ok else missing).append(mention)
    return Grounding(tuple(found), tuple(missing))


def _evidence_text(o: Observation) -> str:
    return "\n".join(t for t in (o.content, o.window_title, o.url, o.app) if t)


def _fold_text(text: str) -> str:
    # "Sereno_cap09_PT.docx" holds the word "sereno": underscores part words too
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


def _contains(longer: str, shorter: str) -> bool:
    return f" {_fold_text(shorter)} " in f" {_fold_text(longer)} "


def _in_text(name: str, ev: Evidence, user: str) -> bool:
    """Each word of ``name`` is a word of the evidence (a name may be split over a mail's
    header and signature); the user's own words need not be."""
    if entities.AMOUNT.fullmatch(name):
        return ev.has(name)
    own = {fold(w) for w in user.split()}
    # "Property Managers" is grounded by a "Property Manager"
    return all(ev.has(w) or (w.endswith("s") and ev.has(w[:-1]))
               for w in _fold_text(name).split() if w not in own)


def _amount_key(amount: str) -> tuple[str, str]:
    """(currency, value) so that "€1,200", "1.200 €" and "EUR 1200.00" are one amount."""
    symbol = next((c for c in ("R$", "€", "$", "£", "EUR", "USD", "GBP", "CHF", "BRL")
                   if c in amount), "")
    currency = _CURRENCIES.get(symbol, symbol)
    number = re.sub(r"[^\d.,]", "", amount).strip(".,")
    cents = ""
    m = re.search(r"[.,](\d{2})$", number)
    if m:
        number, cents = number[:m.start()], m.group(1)
    whole = re.sub(r"\D", "", number).lstrip("0") or "0"
    return currency, whole + ("" if cents in ("", "00") else f".{cents}")


def _dates(text: str, ev: Evidence) -> list[tuple[str, bool]]:
    """Each date ``text`` states, and whether the evidence states the same calendar date.

    A date is read as of each day the evidence was seen, as its own mentions are ("Thursday"
    seen on a Monday is three days later).
    """
    grounded: dict[tuple[int, int], bool] = {}
    for day in ev.days:
        for when, span in date_mentions(text, day):
            grounded[span] = grounded.get(span, False) or when in ev.dates
    out: list[tuple[str, bool]] = []
    for (start, end), ok in sorted(grounded.items()):
        mention = text[start:end].strip()
        out.append((mention, ok or ev.has(mention)))
    return out


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t)
