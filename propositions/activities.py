"""Kinds of activity a person pursues (planning a trip, looking for a job …), recognised from cue words.

The cue lists are generic data in English, Spanish, German, French and Portuguese, kept in
data/activities.toml: folded (lower case, no accents) word stems that match at the start of
a word ("applic" matches "application", "applications"). A stem written with a trailing "$"
(held here with a trailing space) must be the whole word. A thread of
observations is scored against every kind: the number of distinct cues it holds, weighted by
how many of its observations hold one, so one stray word never makes a kind.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of activity: its cue stems, how it is said, and how long it stays true."""

    id: str
    cues: tuple[str, ...]
    #: the verb phrase a sentence uses ("is planning a trip")
    phrase: str
    decay: str = "weeks"
    #: cues this strong on their own make the kind (an "RSVP" is an event)
    strong: tuple[str, ...] = ()


def _cues(text: str) -> tuple[str, ...]:
    return tuple(c.strip().removesuffix("$") + (" " if c.strip().endswith("$") else "")
                 for c in text.split("|") if c.strip())


def _load(path: Path) -> tuple[Kind, ...]:
    """The kinds in ``path`` (data/activities.toml: its header says what each field holds)."""
    with path.open("rb") as f:
        table = tomllib.load(f)
    return tuple(Kind(k["id"], _cues("|".join(k["cues"])), k["phrase"], k.get("decay", "weeks"),
                      tuple(k.get("strong", ()))) for k in table["kind"])


KINDS: tuple[Kind, ...] = _load(Path(__file__).with_name("data") / "activities.toml")
KINDS_BY_ID = {k.id: k for k in KINDS}


# each run of characters beyond ASCII, folded: its compatibility decomposition without
# combining marks ("ü" -> "u", "ﬁ" -> "fi"), learnt as runs are met (most are one letter)
_FOLDED: dict[str, str] = {}


def fold(text: str) -> str:
    """Lower case without accents, so "Prüfung" and "prufung" are one word.

    The same as stripping the combining marks from the NFKD form of the case-folded text,
    one run of non-ASCII characters at a time (decomposing is per character, and the marks a
    reordering would move are dropped): it runs on every line the inferrer reads, and most of
    a line is ASCII, which needs nothing."""
    low = text.casefold()
    if low.isascii():
        return low
    return _BEYOND_ASCII.sub(_fold_char, low)


_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_char(m: re.Match[str]) -> str:
    run = m.group(0)
    out = _FOLDED.get(run)
    if out is None:
        out = "".join(c for c in unicodedata.normalize("NFKD", run) if not unicodedata.combining(c))
        if len(_FOLDED) < 100_000:
            _FOLDED[run] = out
    return out


@lru_cache(maxsize=1)
def _matchers() -> tuple[tuple[Kind, re.Pattern[str]], ...]:
    out = []
    for kind in KINDS:
        parts = []
        for cue in kind.cues:
            whole = cue.endswith(" ")
            body = re.escape(cue.strip()).replace(r"\ ", r"\s+")
            parts.append(r"\b" + body + (r"\b" if whole else ""))
        out.append((kind, re.compile("|".join(f"(?:{p})" for p in parts))))
    return tuple(out)


def cues_in(text: str) -> dict[str, tuple[str, ...]]:
    """Kind id -> the distinct cues found in ``text`` (already folded or not), sorted: what is
    counted from them must not depend on a set's order (which changes from run to run)."""
    folded = fold(text)
    found: dict[str, tuple[str, ...]] = {}
    for kind, pattern in _matchers():
        hits = {" ".join(m.group(0).split()) for m in pattern.finditer(folded)}
        if hits:
            found[kind.id] = tuple(sorted(hits))
    return found


def score_kinds(per_observation: Iterable[dict[str, tuple[str, ...]]]) -> dict[str, float]:
    """Kind id -> score over a thread: distinct cues plus observations holding one, strong cues double.

    A kind needs evidence from more than one word or more than one observation to score
    above 1.5, the level at which a thread is said to be of that kind.
    """
    distinct: dict[str, set[str]] = {}
    observations: dict[str, int] = {}
    for cues in per_observation:
        for kind_id, hits in cues.items():
            distinct.setdefault(kind_id, set()).update(hits)
            observations[kind_id] = observations.get(kind_id, 0) + 1
    scores = {}
    for kind_id, hits in distinct.items():
        kind = KINDS_BY_ID[kind_id]
        strong = sum(1 for h in hits if any(h.startswith(s) for s in kind.strong))
        scores[kind_id] = 0.6 * len(hits) + 0.5 * observations[kind_id] + 0.6 * strong
    return scores
