"""How confidence is combined from the model, the evidence and the user's feedback.

Every confidence is a probability that the proposition is true.

1. A new proposition starts at the proposer's probability, passed through the
   calibration map (step 3).
2. Each later batch that proposes the same thing again is further evidence:
   ``p <- p + (1 - p) * REINFORCE * p_new`` (a damped noisy-OR). Repeats raise
   confidence with diminishing returns and never reach 1; a weak repeat moves
   it little. A contradiction revises the proposition instead (new version).
   A revision or contradiction is a new claim: it starts at the probability the
   reconciler states for the new sentence (the model's), calibrated as in
   step 1, not at a value built on the old version's. Only rule reconciliation,
   which states none, builds a reworded restatement on the old value.
3. Recalibration: once the user has confirmed or rejected at least
   ``MIN_FEEDBACK`` propositions, a Platt map ``p' = sigmoid(a * logit(p) + b)``
   is fitted to (stored confidence, confirmed?) pairs and applied to every new
   confidence, so a model that is systematically over- or under-confident is
   corrected by what the user actually said. Until then the map is identity.
   Each source (inferrer) and each kind of proposition (the topic key's first
   part: ``relation``, ``employer``, ``project``…) with ``MIN_GROUP_FEEDBACK``
   answers gets its own map, fitted with the global one as its prior, so an
   answer about one kind rescales the confidence of the others of that kind
   most (``fit_calibrations``).
4. The user's word is final: a confirmed proposition ranks as at least
   ``CONFIRMED_FLOOR`` confident (its stored confidence keeps the model's
   estimate, which step 3 learns from) and is never revised by inference; a
   rejected one leaves the active set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

REINFORCE = 0.3
MAX_CONFIDENCE = 0.97
MIN_CONFIDENCE = 0.02
CONFIRMED_FLOOR = 0.95
MIN_FEEDBACK = 20
#: answers about one source or kind of proposition before it gets a map of its own
MIN_GROUP_FEEDBACK = 5


def clamp(p: float) -> float:
    return min(MAX_CONFIDENCE, max(MIN_CONFIDENCE, float(p)))


def logit(p: float) -> float:
    p = min(1 - 1e-6, max(1e-6, p))
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def reinforce(p_old: float, p_new: float) -> float:
    """Confidence after the same proposition is supported again with probability ``p_new``."""
    return clamp(p_old + (1 - p_old) * REINFORCE * p_new)


@dataclass(frozen=True)
class Calibration:
    """A Platt map fitted to user feedback; identity until there is enough of it."""

    a: float = 1.0
    b: float = 0.0
    samples: int = 0

    def __call__(self, p: float) -> float:
        return clamp(sigmoid(self.a * logit(p) + self.b))


def fit_calibration(pairs: list[tuple[float, bool]], iterations: int = 100,
                    prior: Calibration | None = None) -> Calibration:
    """Fit ``a, b`` by Newton steps with backtracking on the logistic log-likelihood, with an
    L2 prior pulling towards the identity map (it also keeps the fit finite when the
    feedback happens to separate perfectly).

    With ``prior`` (the map fitted to all feedback) the pull is towards it instead, and a
    few answers are enough: this fits one kind or source of propositions, which falls back
    to the prior where it has little feedback of its own (see ``fit_calibrations``)."""
    if prior is None and (len(pairs) < MIN_FEEDBACK or len({y for _, y in pairs}) < 2):
        return Calibration(samples=len(pairs))
    if prior is not None and len(pairs) < MIN_GROUP_FEEDBACK:
        return prior
    a0, b0 = (prior.a, prior.b) if prior is not None else (1.0, 0.0)
    xs = [logit(p) for p, _ in pairs]
    ys = [1.0 if y else 0.0 for _, y in pairs]
    ridge = 1.0

    def loss(a: float, b: float) -> float:
        total = 0.5 * ridge * ((a - a0) ** 2 + (b - b0) ** 2)
        for x, y in zip(xs, ys):
            z = a * x + b
            # log(1 + e^z) - y z, computed without overflow
            total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
        return total

    a, b = a0, b0
    current = loss(a, b)
    for _ in range(iterations):
        ga, gb = ridge * (a - a0), ridge * (b - b0)
        haa = hbb = ridge
        hab = 0.0
        for x, y in zip(xs, ys):
            q = sigmoid(a * x + b)
            w = q * (1 - q)
            ga += (q - y) * x
            gb += q - y
            haa += w * x * x
            hab += w * x
            hbb += w
        det = haa * hbb - hab * hab
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        t = 1.0
        while t > 1e-6:
            trial = loss(a - t * da, b - t * db)
            if trial <= current:
                break
            t /= 2
        else:
            break
        a, b = a - t * da, b - t * db
        improvement, current = current - trial, trial
        if improvement < 1e-10:
            break
    return Calibration(a=a, b=b, samples=len(pairs))


#: feedback row for ``fit_calibrations``: (stored confidence, confirmed?, source, topic_key)
FeedbackRow = tuple[float, bool, str | None, str | None]


def kind_of(topic_key: str | None) -> str | None:
    """The kind of thing a topic key names: its part before the first colon."""
    if not topic_key:
        return None
    return topic_key.split(":", 1)[0] or None


@dataclass(frozen=True)
class Calibrations:
    """The global map, and maps per source and per (source, kind) where answers allow."""

    overall: Calibration = Calibration()
    by_source: dict[str, Calibration] | None = None
    by_kind: dict[tuple[str, str], Calibration] | None = None

    def for_(self, source: str | None, topic_key: str | None = None) -> Calibration:
        """The most specific map there is feedback for: source and kind, source, or all."""
        kind = kind_of(topic_key)
        if source and kind and self.by_kind and (source, kind) in self.by_kind:
            return self.by_kind[(source, kind)]
        if source and self.by_source and source in self.by_source:
            return self.by_source[source]
        return self.overall

    def __call__(self, p: float, source: str | None = None, topic_key: str | None = None) -> float:
        return self.for_(source, topic_key)(p)


def fit_calibrations(rows: list[FeedbackRow]) -> Calibrations:
    """Fit the global map to all feedback, then per source and per (source, kind), each
    pulled towards the level above it."""
    overall = fit_calibration([(p, y) for p, y, _, _ in rows])
    sources: dict[str, list[tuple[float, bool]]] = {}
    kinds: dict[tuple[str, str], list[tuple[float, bool]]] = {}
    for p, y, source, topic in rows:
        if not source:
            continue
        sources.setdefault(source, []).append((p, y))
        kind = kind_of(topic)
        if kind:
            kinds.setdefault((source, kind), []).append((p, y))
    by_source = {s: fit_calibration(pairs, prior=overall) for s, pairs in sources.items()
                 if len(pairs) >= MIN_GROUP_FEEDBACK}
    by_kind = {k: fit_calibration(pairs, prior=by_source.get(k[0], overall))
               for k, pairs in kinds.items() if len(pairs) >= MIN_GROUP_FEEDBACK}
    return Calibrations(overall, by_source, by_kind)


def expected_calibration_error(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """ECE: the gap between stated probability and how often it came true, averaged over
    equal-width bins weighted by how many fall in each (0: perfectly calibrated)."""
    if not pairs:
        return 0.0
    total = 0.0
    for i in range(bins):
        lo, hi = i / bins, (i + 1) / bins
        inside = [(p, y) for p, y in pairs if lo <= p < hi or (i == bins - 1 and p == 1.0)]
        if inside:
            mean_p = sum(p for p, _ in inside) / len(inside)
            rate = sum(1 for _, y in inside if y) / len(inside)
            total += len(inside) * abs(mean_p - rate)
    return total / len(pairs)
