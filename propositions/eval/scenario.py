"""Scenario files for the user-model quality harness: loading them, and matching text to their facts."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ..errors import ScenarioError

ObservationKind = Literal["screen", "file", "idle"]
OBSERVATION_KINDS: tuple[str, ...] = ("screen", "file", "idle")
# Keys each observation kind must carry; "screen" is the kind of an entry without "kind".
REQUIRED_OBSERVATION_KEYS: dict[str, tuple[str, ...]] = {
    "screen": ("app", "title", "text"),
    "file": ("path", "event"),
    "idle": ("seconds",),
}
REQUIRED_SCENARIO_KEYS = ("name", "user", "start", "observations", "facts")
REQUIRED_FACT_KEYS = ("id", "statement", "match")

_WORD_RE = re.compile(r"[^\W_]+")  # runs of letters and digits; everything else separates


# --------------------------------------------------------------------------- data


@dataclass(slots=True, frozen=True)
class ScenarioObservation:
    """One step of a simulated session, ``t`` seconds after the scenario's start.

    ``screen``: a window with ``app``, ``title``, optional ``url`` and its OCR ``text``.
    ``file``: ``path`` had ``event`` (e.g. "modified"). ``idle``: no input for ``seconds``.
    """

    t: float
    kind: ObservationKind = "screen"
    app: str | None = None
    title: str | None = None
    url: str | None = None
    text: str | None = None
    path: str | None = None
    event: str | None = None
    seconds: float | None = None


@dataclass(slots=True)
class Fact:
    """Something true of the user that a good model should come to believe.

    ``match`` is a list of word groups; see :func:`matches` for how a text matches it.
    ``lasting`` facts are stable traits (employer, tools); the others are current episodes.
    """

    id: str
    statement: str
    match: list[list[str]]
    lasting: bool = False


@dataclass(slots=True)
class Scenario:
    """A simulated stretch of computer use and the facts it should teach the model."""

    name: str
    user: str
    start: datetime  # naive local time of t = 0, as written in the file
    observations: list[ScenarioObservation]
    facts: list[Fact]
    #: what the pages claim about the person and is not so (a prize won, an account to save,
    #: an authorisation "recorded" for an AI): no proposition may believe one
    decoys: list[Fact] = field(default_factory=list)

    def captured_at(self, obs: ScenarioObservation) -> float:
        """Epoch seconds of ``obs``: ``start`` read as local wall-clock time, plus ``t`` seconds.

        ``t`` is elapsed time, so it is added after conversion (a DST change during the
        scenario shifts wall-clock time, not the gap between observations).
        """
        return self.start.timestamp() + obs.t


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate one scenario file; raises :class:`ScenarioError` with a one-line reason."""
    path = Path(path)
    data = _read_json(path)
    where = str(path)
    _require(data, REQUIRED_SCENARIO_KEYS, where)
    name = _expect(data["name"], str, f"{where}: 'name'")
    user = _expect(data["user"], str, f"{where}: 'user'")
    start = _parse_start(data["start"], where)
    raw_obs = _expect(data["observations"], list, f"{where}: 'observations'")
    raw_facts = _expect(data["facts"], list, f"{where}: 'facts'")
    observations = [_observation(o, f"{where}: observations[{i}]") for i, o in enumerate(raw_obs)]
    _check_time_order(observations, where)
    facts = [_fact(f, f"{where}: facts[{i}]") for i, f in enumerate(raw_facts)]
    _check_unique_ids(facts, where)
    raw_decoys = _expect(data.get("decoys", []), list, f"{where}: 'decoys'")
    decoys = [_fact(f, f"{where}: decoys[{i}]") for i, f in enumerate(raw_decoys)]
    _check_unique_ids(decoys, where)
    return Scenario(name=name, user=user, start=start, observations=observations, facts=facts,
                    decoys=decoys)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ScenarioError(f"{path}: cannot read scenario file: {reason}") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ScenarioError(
            f"{path}: invalid JSON at line {err.lineno} column {err.colno}: {err.msg}") from None
    return _expect(data, dict, f"{path}: top level")


def _require(obj: Mapping[str, Any], keys: Iterable[str], where: str) -> None:
    for key in keys:
        if key not in obj:
            raise ScenarioError(f"{where}: missing required key '{key}'")


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    # bool is an int subclass; a JSON true where a number belongs is a mistake, not 1.
    if isinstance(value, bool) and kind is not bool:
        ok = False
    else:
        ok = isinstance(value, kind)
    if not ok:
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        names = {"dict": "an object", "list": "a list", "str": "a string"}.get(names, names)
        raise ScenarioError(f"{where} must be {names}, not {type(value).__name__}")
    return value


def _number(value: Any, where: str) -> float:
    number = float(_expect(value, (int, float), where))
    if not math.isfinite(number) or number < 0:
        raise ScenarioError(f"{where} must be a finite number >= 0, not {value!r}")
    return number


def _optional_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    return None if value is None else _expect(value, str, f"{where}.{key}")


def _parse_start(value: Any, where: str) -> datetime:
    text = _expect(value, str, f"{where}: 'start'")
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise ScenarioError(f"{where}: 'start' is not an ISO date-time: {text!r}") from None
    if start.tzinfo is not None:
        # The format defines start as local time; an offset would silently change its meaning.
        raise ScenarioError(f"{where}: 'start' must be local time without a UTC offset: {text!r}")
    return start


def _observation(raw: Any, where: str) -> ScenarioObservation:
    obj = _expect(raw, dict, where)
    _require(obj, ("t",), where)
    kind = obj.get("kind", "screen")
    if kind not in OBSERVATION_KINDS:
        raise ScenarioError(f"{where}: unknown kind {kind!r} (expected one of {OBSERVATION_KINDS})")
    _require(obj, REQUIRED_OBSERVATION_KEYS[kind], where)
    seconds = obj.get("seconds")
    return ScenarioObservation(
        t=_number(obj["t"], f"{where}.t"),
        kind=kind,
        app=_optional_str(obj, "app", where),
        title=_optional_str(obj, "title", where),
        url=_optional_str(obj, "url", where),
        text=_optional_str(obj, "text", where),
        path=_optional_str(obj, "path", where),
        event=_optional_str(obj, "event", where),
        seconds=None if seconds is None else _number(seconds, f"{where}.seconds"),
    )


def _check_time_order(observations: Sequence[ScenarioObservation], where: str) -> None:
    for i in range(1, len(observations)):
        if observations[i].t < observations[i - 1].t:
            raise ScenarioError(f"{where}: observations[{i}] (t={observations[i].t:g}) comes "
                                f"before observations[{i - 1}] (t={observations[i - 1].t:g})")


def _fact(raw: Any, where: str) -> Fact:
    obj = _expect(raw, dict, where)
    _require(obj, REQUIRED_FACT_KEYS, where)
    lasting = obj.get("lasting", False)
    return Fact(
        id=_expect(obj["id"], str, f"{where}.id"),
        statement=_expect(obj["statement"], str, f"{where}.statement"),
        match=_match_groups(obj["match"], f"{where}.match"),
        lasting=_expect(lasting, bool, f"{where}.lasting"),
    )


def _match_groups(raw: Any, where: str) -> list[list[str]]:
    groups = _expect(raw, list, where)
    # An empty list would match every text (all() of nothing), so it is refused here.
    if not groups:
        raise ScenarioError(f"{where} must list at least one word group")
    result = []
    for g, group in enumerate(groups):
        words = _expect(group, list, f"{where}[{g}]")
        if not words:
            raise ScenarioError(f"{where}[{g}] must list at least one word")
        for w, word in enumerate(words):
            _expect(word, str, f"{where}[{g}][{w}]")
            if not words_of(word):
                raise ScenarioError(f"{where}[{g}][{w}] has no letters or digits: {word!r}")
        result.append(list(words))
    return result


def _check_unique_ids(facts: Sequence[Fact], where: str) -> None:
    seen: set[str] = set()
    for fact in facts:
        if fact.id in seen:
            raise ScenarioError(f"{where}: duplicate fact id {fact.id!r}")
        seen.add(fact.id)


# --------------------------------------------------------------------------- matching


def fold(text: str) -> str:
    """Case- and accent-fold: casefold, NFKD, then drop combining marks ("João" -> "joao")."""
    # casefold first: some folds (e.g. "İ") produce combining marks that NFKD then exposes.
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """Folded words of ``text``: maximal runs of letters and digits, all else a separator.

    Both propositions and match words go through this, so "lo-fi" is ["lo", "fi"] on
    either side, and "24th" is one word that the match word "24" prefixes.
    """
    return _WORD_RE.findall(fold(text))


def _phrase_at(words: Sequence[str], phrase: Sequence[str], i: int) -> bool:
    last = len(phrase) - 1
    return (all(words[i + k] == phrase[k] for k in range(last))
            and words[i + last].startswith(phrase[last]))


def contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    """True when ``phrase`` occurs as consecutive ``words``: all equal, the last as a prefix.

    An empty phrase occurs nowhere.
    """
    if not phrase:
        return False
    return any(_phrase_at(words, phrase, i) for i in range(len(words) - len(phrase) + 1))


def _matches_words(words: Sequence[str], fact: Fact) -> bool:
    return all(any(contains_phrase(words, words_of(w)) for w in group) for group in fact.match)


def matches(text: str, fact: Fact) -> bool:
    """True when, for every group of ``fact.match``, some match word occurs in ``text``.

    A match word occurs when its folded words (:func:`words_of`) appear as consecutive
    folded words of ``text``, each equal except the last, which may be a prefix: "appl"
    occurs in "applying", "pars" does not occur in "sparse", "cover letter" occurs in
    "cover letters". A fact with no groups matches everything (load_scenario refuses those).
    """
    return _matches_words(words_of(text), fact)


def matched_facts(text: str, facts: Sequence[Fact]) -> list[str]:
    """Ids of the ``facts`` that ``text`` matches, in the order of ``facts``."""
    words = words_of(text)
    return [fact.id for fact in facts if _matches_words(words, fact)]


__all__ = [
    "Fact", "Scenario", "ScenarioError", "ScenarioObservation", "contains_phrase", "fold", "load_scenario",
    "matched_facts", "matches", "words_of",
]
