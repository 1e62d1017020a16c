"""Scenario files for the user-model quality harness: loading, fact matching and metrics."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from propositions.errors import InvalidInput, ScenarioError

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

ECE_BINS = 10
DUPLICATE_JACCARD = 0.6
# Words shorter than this ("a", "is", "to", "of") say little about what a text claims,
# so they are left out when deciding whether two propositions say the same thing.
MIN_CONTENT_WORD_LEN = 3

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
    return Scenario(name=name, user=user, start=start, observations=observations, facts=facts)


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


# --------------------------------------------------------------------------- metrics


@dataclass(slots=True, frozen=True)
class ScoredProposition:
    """One active proposition, its confidence and the ids of the facts it matches."""

    text: str
    confidence: float
    facts: tuple[str, ...]

    @property
    def grounded(self) -> bool:
        return bool(self.facts)


@dataclass(slots=True)
class ScenarioScore:
    """The metrics of one set of active propositions against one scenario's facts.

    recall       facts matched by at least one proposition / number of facts (0 with no facts)
    precision    propositions matching at least one fact / number of propositions (0 with none)
    ece          expected calibration error, see :func:`expected_calibration_error`
    brier        mean (confidence - grounded)^2 (0 with no propositions)
    auc          ROC AUC of confidence against grounded, see :func:`roc_auc`
                 (None when no proposition or every proposition is grounded)
    duplicates   pairs of propositions that match a common fact and say the same thing
    """

    fact_ids: list[str]
    propositions: list[ScoredProposition]
    duplicate_pairs: list[tuple[int, int]]  # indexes into ``propositions``, i < j
    recall: float
    precision: float
    ece: float
    brier: float
    auc: float | None

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_pairs)

    @property
    def matched_fact_ids(self) -> list[str]:
        """Ids of the facts at least one proposition matches, in fact order."""
        hit = {fid for p in self.propositions for fid in p.facts}
        return [fid for fid in self.fact_ids if fid in hit]

    @property
    def missed_fact_ids(self) -> list[str]:
        """Ids of the facts no proposition matches, in fact order."""
        hit = set(self.matched_fact_ids)
        return [fid for fid in self.fact_ids if fid not in hit]

    @property
    def matches_by_fact(self) -> dict[str, list[str]]:
        """Fact id -> texts of the propositions matching it (in proposition order)."""
        return {fid: [p.text for p in self.propositions if fid in p.facts]
                for fid in self.fact_ids}

    def to_dict(self) -> dict[str, Any]:
        return {
            "facts": len(self.fact_ids),
            "propositions": len(self.propositions),
            "recall": self.recall,
            "precision": self.precision,
            "ece": self.ece,
            "brier": self.brier,
            "auc": self.auc,
            "duplicates": self.duplicates,
            "matched": self.matched_fact_ids,
            "missed": self.missed_fact_ids,
            "matches": self.matches_by_fact,
            "ungrounded": [p.text for p in self.propositions if not p.grounded],
            "duplicate_pairs": [[self.propositions[i].text, self.propositions[j].text]
                                for i, j in self.duplicate_pairs],
        }


def _check_confidence(confidence: float, text: str) -> float:
    value = float(confidence)
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise InvalidInput(f"confidence must be between 0 and 1, got {confidence!r} for {text!r}")
    return value


def expected_calibration_error(outcomes: Sequence[tuple[float, bool]]) -> float:
    """ECE over 10 equal-width confidence bins [0, .1), [.1, .2), ... [.9, 1.0].

    Sum over non-empty bins of (bin size / total) * |mean confidence - fraction true|.
    0 with no outcomes.
    """
    if not outcomes:
        return 0.0
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(ECE_BINS)]
    for confidence, hit in outcomes:
        bins[min(int(confidence * ECE_BINS), ECE_BINS - 1)].append((confidence, hit))
    total = len(outcomes)
    error = 0.0
    for members in bins:
        if members:
            mean_conf = sum(c for c, _ in members) / len(members)
            frac_true = sum(1 for _, h in members if h) / len(members)
            error += len(members) / total * abs(mean_conf - frac_true)
    return error


def brier_score(outcomes: Sequence[tuple[float, bool]]) -> float:
    """Mean of (confidence - outcome)^2 with outcome 1 or 0; 0 with no outcomes."""
    if not outcomes:
        return 0.0
    return sum((c - (1.0 if h else 0.0)) ** 2 for c, h in outcomes) / len(outcomes)


def roc_auc(outcomes: Sequence[tuple[float, bool]]) -> float | None:
    """Probability that a random true outcome has a higher confidence than a random false one.

    Ties count half. None when there are no true or no false outcomes: ranking is then
    undefined, and 0 or 1 would read as a verdict on the confidences.
    """
    negatives = sorted(c for c, hit in outcomes if not hit)
    positives = [c for c, hit in outcomes if hit]
    if not positives or not negatives:
        return None
    # Counting below/equal negatives by bisection keeps this O(n log n) for large pools.
    wins = 0.0
    for c in positives:
        below = bisect_left(negatives, c)
        equal = bisect_right(negatives, c) - below
        wins += below + equal / 2
    return wins / (len(positives) * len(negatives))


def content_words(text: str) -> frozenset[str]:
    """Folded words of ``text`` at least MIN_CONTENT_WORD_LEN characters long."""
    return frozenset(w for w in words_of(text) if len(w) >= MIN_CONTENT_WORD_LEN)


def say_same_thing(a: str, b: str) -> bool:
    """True when the content-word sets of ``a`` and ``b`` have Jaccard similarity >= 0.6,
    or one set contains the other.

    Texts with no content words at all are the same only if their folded words are equal
    (an empty set is a subset of anything, which would make every pair a duplicate).
    """
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return words_of(a) == words_of(b)
    if wa <= wb or wb <= wa:
        return True
    return len(wa & wb) / len(wa | wb) >= DUPLICATE_JACCARD


def duplicate_pairs(props: Sequence[ScoredProposition]) -> list[tuple[int, int]]:
    """Index pairs (i < j) that match at least one common fact and say the same thing."""
    return [(i, j)
            for i in range(len(props)) for j in range(i + 1, len(props))
            if set(props[i].facts) & set(props[j].facts)
            and say_same_thing(props[i].text, props[j].text)]


def score(props: Sequence[tuple[str, float]], facts: Sequence[Fact]) -> ScenarioScore:
    """Score active propositions ``(text, confidence)`` against ``facts``; see ScenarioScore."""
    scored = [ScoredProposition(text, _check_confidence(conf, text),
                                tuple(matched_facts(text, facts)))
              for text, conf in props]
    fact_ids = [f.id for f in facts]
    hit_facts = {fid for p in scored for fid in p.facts}
    outcomes = [(p.confidence, p.grounded) for p in scored]
    return ScenarioScore(
        fact_ids=fact_ids,
        propositions=scored,
        duplicate_pairs=duplicate_pairs(scored),
        recall=_ratio(len(hit_facts), len(fact_ids)),
        precision=_ratio(sum(1 for p in scored if p.grounded), len(scored)),
        ece=expected_calibration_error(outcomes),
        brier=brier_score(outcomes),
        auc=roc_auc(outcomes),
    )


def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def aggregate(scores: Sequence[ScenarioScore]) -> dict[str, Any]:
    """Overall numbers over several scenarios.

    *_macro: mean of the per-scenario values (each scenario weighs the same).
    *_micro: pooled counts (matched facts / all facts, grounded / all propositions).
    ece, brier, auc: computed once over all propositions of all scenarios pooled.
    duplicates: summed. Every value is 0 with no scores, except auc, which is None.
    """
    outcomes = [(p.confidence, p.grounded) for s in scores for p in s.propositions]
    n_facts = sum(len(s.fact_ids) for s in scores)
    n_props = len(outcomes)
    return {
        "scenarios": len(scores),
        "facts": n_facts,
        "propositions": n_props,
        "recall_macro": _mean([s.recall for s in scores]),
        "recall_micro": _ratio(sum(len(s.matched_fact_ids) for s in scores), n_facts),
        "precision_macro": _mean([s.precision for s in scores]),
        "precision_micro": _ratio(sum(1 for _, hit in outcomes if hit), n_props),
        "ece": expected_calibration_error(outcomes),
        "brier": brier_score(outcomes),
        "auc": roc_auc(outcomes),
        "duplicates": sum(s.duplicates for s in scores),
    }


__all__ = [
    "Fact", "Scenario", "ScenarioError", "ScenarioObservation", "ScenarioScore",
    "ScoredProposition", "aggregate", "brier_score", "contains_phrase", "content_words",
    "duplicate_pairs", "expected_calibration_error", "fold", "load_scenario", "matched_facts",
    "matches", "roc_auc", "say_same_thing", "score", "words_of",
]
