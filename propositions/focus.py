"""A batch as the model sees it with ``[model] focus = "threads"``: one thread at a time.

A small local model (3-8B) asked about twenty raw observations at once loses track of
which screen said what; asked about one thread of related activity, with its people,
places, organisations, dates and amounts already read out, it only has to write and
judge a few sentences. The threads are the thread inferrer's (``threaded.group_threads``),
so both paths agree on what belongs together; what each thread names is read with the
same cheap per-observation analysis (``threaded._features``), never a model.

Each call repeats the system prompt, so calls per batch are bounded: the largest threads
get a call of their own, and small ones (less text than the system prompt they would
repeat), the threads beyond the bound, and whatever is not a screen (files, input) share
one more, "other activity".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .models import TEXT_OBSERVERS, Observation
# the thread inferrer's own reading of one observation: the same names, dates and subjects
from .threaded import _Features, _features, group_threads

#: most model calls one batch's proposal may take (each repeats the system prompt)
MAX_CALLS = 4
#: a thread with less text than this shares the "other" call: about the length of the
#: system prompt a call of its own would repeat (``prompts.THREAD_SYSTEM``)
TINY_CHARS = 800
#: most values of one kind listed for a thread (a mail thread can name dozens of people)
MAX_FACTS = 6
# A sum of money: the number touches its currency ("€89", "89 EUR"), so that a year before
# a comma ("June 2027, €89") is no amount.
_AMOUNT = re.compile(r"(?:EUR|USD|GBP|CHF|BRL|R\$|€|\$|£)\s?\d+(?:[.,]\d+)*"
                     r"|\b\d+(?:[.,]\d+)*\s?(?:EUR|USD|GBP|CHF|BRL|€|\$|£)")


@dataclass
class Thread:
    """Related observations of one batch and what they name, read without a model."""

    observations: list[Observation]
    #: the leftovers of a batch (tiny threads, those past the bound, non-screen observations)
    other: bool = False
    app: str = ""
    subject: str = ""
    people: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    #: (day, time of day or None): dates on screen, resolved against the capture time
    dates: list[tuple[date, str | None]] = field(default_factory=list)
    amounts: list[str] = field(default_factory=list)

    def facts(self) -> list[tuple[str, list[str]]]:
        """What the prompt lists before the observations: (label, values), empty ones left out."""
        rows = [
            ("app", [self.app] if self.app else []),
            ("subject", [self.subject] if self.subject else []),
            ("people", self.people),
            ("places", self.places),
            ("organisations", self.organisations),
            ("dates", [d.strftime("%a %Y-%m-%d") + (f" {t}" if t else "") for d, t in self.dates]),
            ("amounts", self.amounts),
        ]
        return [(label, values) for label, values in rows if values]


def _is_screen(o: Observation) -> bool:
    return o.observer in TEXT_OBSERVERS and bool(o.content or o.window_title)


def _top(counts: Counter[str]) -> list[str]:
    return [name for name, _ in counts.most_common(MAX_FACTS)]


def _thread(obs: list[Observation], feats: dict[int, _Features], other: bool = False) -> Thread:
    mine = [feats[id(o)] for o in obs if id(o) in feats]
    apps = Counter(o.app for o in obs if o.app)
    subjects = Counter(f.subject for f in mine if f.subject)
    people: Counter[str] = Counter()
    places: Counter[str] = Counter()
    orgs: Counter[str] = Counter()
    amounts: Counter[str] = Counter()
    dates: set[tuple[date, str | None]] = set()
    for f in mine:
        people.update(f.people)
        places.update(f.places)
        orgs.update(f.orgs)
        amounts.update(m.group(0) for m in _AMOUNT.finditer(f.text))
        dates.update((d, at) for d, _, at in f.dates)
    # one time of day per date, the first one seen
    by_day: dict[date, str | None] = {}
    for d, at in sorted(dates, key=lambda x: (x[0], x[1] or "")):
        if by_day.get(d) is None:
            by_day[d] = at
    return Thread(
        observations=sorted(obs, key=lambda o: (o.captured_at, o.id or 0)), other=other,
        app="" if other and len(apps) > 1 else (apps.most_common(1)[0][0] if apps else ""),
        subject="" if other else (subjects.most_common(1)[0][0] if subjects else ""),
        people=_top(people), places=_top(places), organisations=_top(orgs),
        dates=sorted(by_day.items())[:MAX_FACTS], amounts=_top(amounts),
    )


def split(batch: list[Observation], user: str = "", max_calls: int = MAX_CALLS) -> list[Thread]:
    """``batch`` as at most ``max_calls`` threads: the largest first, the rest as one "other".

    A thread's size is its observations, then its text; an "other" thread is only
    made when something is left over, and comes last.
    """
    max_calls = max(1, max_calls)
    screens = sorted((o for o in batch if _is_screen(o)), key=lambda o: (o.captured_at, o.id or 0))
    # keyed by the object: observations outside a store (a benchmark, a replay) have no id
    feats = {id(o): _features(o, user) for o in screens}
    groups = group_threads(screens, [feats[id(o)] for o in screens])
    rest = [o for o in batch if not _is_screen(o)]
    sized = []
    for g in groups:
        chars = sum(len(feats[id(o)].text) for o in g)
        if chars < TINY_CHARS:
            rest += g
        else:
            sized.append((len(g), chars, g))
    sized.sort(key=lambda s: (-s[0], -s[1], s[2][0].captured_at))
    own = [g for _, _, g in sized]
    if len(own) + (1 if rest else 0) > max_calls:
        keep = max_calls - 1 if max_calls > 1 else 0
        rest += [o for g in own[keep:] for o in g]
        own = own[:keep]
    out = [_thread(g, feats) for g in own]
    if rest:
        out.append(_thread(rest, feats, other=True))
    return out
