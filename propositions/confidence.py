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
3. Recalibration (``fit_calibrations``): every proposition the user confirmed
   or rejected is a pair (stored confidence ``p_i``, true?). Two steps, each
   answer counted once:

   - per source (inferrer), a Platt map ``sigmoid(a * logit p + b)`` fitted to
     that source's answers with an L2 pull of ``PLATT_RIDGE`` towards the map the
     other sources' answers call for (itself pulled towards the identity). A
     near-calibrated source answered at random stays where it was; one that is
     far surer than it is right is pulled in within ten answers, at every
     confidence, not only near the answered ones;
   - per kind of proposition (the topic key's first part: ``relation``,
     ``employer``, ``mail``…), the residuals of that kind's answers from the
     source's map, averaged near ``p`` with ``PRIOR_ANSWERS`` answers' worth of
     no correction::

       c(p) = sum_i K(p, p_i) * (y_i - map(p_i)) / (sum_i K(p, p_i) + M)
       p'   = clamp(map(p) + c(p)),   K = exp(-(logit p - logit p_i)^2 / (2 * H^2))

   So answers about one kind move the unanswered of that kind most, and with no
   answers the map is identity. (Shrinking each level towards one fitted on the
   same answers counted them three times over, and ten random answers about a
   calibrated source made the rest worse: benchmarks/README.md, Questions.)
   ``fit_calibration`` stays for fitting one curve to a spread of feedback.
4. The user's word is final: a confirmed proposition ranks as at least
   ``CONFIRMED_FLOOR`` confident (its stored confidence keeps the model's
   estimate, which step 3 learns from) and is never revised by inference; a
   rejected one leaves the active set.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

REINFORCE = 0.3
MAX_CONFIDENCE = 0.97
MIN_CONFIDENCE = 0.02
CONFIRMED_FLOOR = 0.95
MIN_FEEDBACK = 20
#: how far apart (in logit) two confidences may be for an answer about one to count for the other
KERNEL_LOGIT = 0.15
#: how many answers' worth of no correction a kind's own answers are averaged with
PRIOR_ANSWERS = 10.0
#: how strongly a source's Platt map is pulled towards the one above it (the other sources',
#: then the identity): a near-calibrated source answered at random stays put, an overconfident
#: one is pulled in within ten answers (benchmarks/README.md, Questions)
PLATT_RIDGE = 10.0


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


def fit_calibration(pairs: list[tuple[float, bool]], iterations: int = 100) -> Calibration:
    """Fit ``a, b`` by Newton steps with backtracking on the logistic log-likelihood, with an
    L2 prior pulling towards the identity map (it also keeps the fit finite when the
    feedback happens to separate perfectly)."""
    if len(pairs) < MIN_FEEDBACK or len({y for _, y in pairs}) < 2:
        return Calibration(samples=len(pairs))
    a, b = platt([logit(p) for p, _ in pairs], [1.0 if y else 0.0 for _, y in pairs],
                 ridge=1.0, iterations=iterations)
    return Calibration(a=a, b=b, samples=len(pairs))


def platt(xs: Sequence[float], ys: Sequence[float], *, prior: tuple[float, float] = (1.0, 0.0),
          ridge: float = 1.0, iterations: int = 100) -> tuple[float, float]:
    """The ``a, b`` of ``sigmoid(a * x + b)`` that best predict the outcomes ``ys`` from the
    logits ``xs``, with an L2 pull of ``ridge`` towards ``prior`` (Newton steps with
    backtracking; with no outcomes, the prior)."""
    a0, b0 = prior

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
    return a, b


#: feedback row for ``fit_calibrations``: (stored confidence, confirmed?, source, topic_key)
FeedbackRow = tuple[float, bool, str | None, str | None]


def kind_of(topic_key: str | None) -> str | None:
    """The kind of thing a topic key names: its part before the first colon."""
    if not topic_key:
        return None
    return topic_key.split(":", 1)[0] or None


@dataclass(frozen=True)
class Calibrations:
    """Corrections learnt from the user's answers, per source and per (source, kind); see
    step 3 of the module docstring."""

    #: (logit of the stated confidence, outcome 0 or 1, source, kind) per answer
    answers: tuple[tuple[float, float, str | None, str | None], ...] = ()
    _memo: dict[tuple[float, str | None, str | None], float] = field(
        default_factory=dict, compare=False, repr=False)
    _maps: dict[str | None, tuple[float, float]] = field(
        default_factory=dict, compare=False, repr=False)

    @property
    def samples(self) -> int:
        return len(self.answers)

    def for_(self, source: str | None, topic_key: str | None = None) -> Callable[[float], float]:
        """The map for propositions of this source and kind."""
        return lambda p: self(p, source, topic_key)

    def __call__(self, p: float, source: str | None = None, topic_key: str | None = None) -> float:
        if not self.answers:
            return clamp(p)
        kind = kind_of(topic_key)
        x = round(logit(p), 3)
        key = (x, source, kind)
        if key not in self._memo:
            a, b = self._map(source)
            mapped = sigmoid(a * x + b)
            # each answer counts once: the kind's own answers, as residuals from the
            # source's map, shrunk towards that map
            own = [(xi, yi - sigmoid(a * xi + b)) for xi, yi, s, k in self.answers
                   if s == source and k == kind] if kind else []
            self._memo[key] = mapped + _kernel_mean(x, own)
        return clamp(self._memo[key])

    def _map(self, source: str | None) -> tuple[float, float]:
        """The source's Platt map: fitted on its answers, pulled towards the map the other
        sources' answers call for (itself pulled towards the identity)."""
        if source not in self._maps:
            mine = [(xi, yi) for xi, yi, s, _ in self.answers if s == source]
            others = [(xi, yi) for xi, yi, s, _ in self.answers if s != source]
            prior = platt(*_columns(others), ridge=PLATT_RIDGE) if others else (1.0, 0.0)
            self._maps[source] = platt(*_columns(mine), prior=prior, ridge=PLATT_RIDGE) \
                if mine else prior
        return self._maps[source]


def _columns(pairs: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    return [x for x, _ in pairs], [y for _, y in pairs]


def _kernel_mean(x: float, residuals: Sequence[tuple[float, float]]) -> float:
    """The residuals of answers stated near ``x`` (in logit), averaged with ``PRIOR_ANSWERS``
    answers' worth of zero."""
    num = den = 0.0
    for xi, residual in residuals:
        d = (x - xi) / KERNEL_LOGIT
        if d * d < 50:  # beyond that the weight is nil
            k = math.exp(-0.5 * d * d)
            num += k * residual
            den += k
    return num / (den + PRIOR_ANSWERS)


def fit_calibrations(rows: Sequence[FeedbackRow]) -> Calibrations:
    """The corrections the user's confirmations and rejections call for."""
    return Calibrations(tuple((logit(p), 1.0 if y else 0.0, source, kind_of(topic))
                              for p, y, source, topic in rows))

