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
    xs = [logit(p) for p, _ in pairs]
    ys = [1.0 if y else 0.0 for _, y in pairs]
    ridge = 1.0

    def loss(a: float, b: float) -> float:
        total = 0.5 * ridge * ((a - 1) ** 2 + b ** 2)
        for x, y in zip(xs, ys):
            z = a * x + b
            # log(1 + e^z) - y z, computed without overflow
            total += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - y * z
        return total

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        ga, gb = ridge * (a - 1), ridge * b
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
