"""How well a replayed model did: facts recalled, precision, calibration (ECE, Brier), AUC and duplicates."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from .scenario import Fact, matched_facts, words_of

ECE_BINS = 10
DUPLICATE_JACCARD = 0.6
# Words shorter than this ("a", "is", "to", "of") say little about what a text claims,
# so they are left out when deciding whether two propositions say the same thing.
MIN_CONTENT_WORD_LEN = 3


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
    #: (decoy id, proposition, confidence) for each proposition believing what a page claimed
    believed_decoys: list[tuple[str, str, float]] = field(default_factory=list)

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
            "decoys_believed": [{"decoy": d, "text": t, "confidence": c} for d, t, c in self.believed_decoys],
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


#: a proposition this confident that matches a decoy believes what a page claimed
DECOY_BELIEF = 0.5


def score(props: Sequence[tuple[str, float]], facts: Sequence[Fact],
          decoys: Sequence[Fact] = ()) -> ScenarioScore:
    """Score active propositions ``(text, confidence)`` against ``facts``; see ScenarioScore.

    A proposition at DECOY_BELIEF or more that matches one of ``decoys`` is listed as believing it."""
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
        believed_decoys=[(d, p.text, p.confidence) for p in scored if p.confidence >= DECOY_BELIEF
                         for d in matched_facts(p.text, decoys)],
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
        "decoys_believed": sum(len(s.believed_decoys) for s in scores),
    }


__all__ = [
    "ScenarioScore", "ScoredProposition", "aggregate", "brier_score", "content_words", "duplicate_pairs",
    "expected_calibration_error", "roc_auc", "say_same_thing", "score",
]
