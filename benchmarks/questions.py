"""How answering gumd's questions moves calibration, measured on the scenario files.

Replays each scenario through an inferrer (default: the built-in thread inferrer) into its own
temporary store, as `gumd eval` does, and labels every active proposition as `gumd eval` does
(true when it matches one of the scenario's facts). All of them then go into one store, and a
simulated person answers gumd's questions in the order `gumd questions` asks them, saying yes to
the labelled-true ones and no to the rest. After every step it reports the expected calibration
error (ECE) and Brier score of the propositions not yet asked about, with their stored
confidence (before) and with the confidence calibrated by the answers so far (after).

    python benchmarks/questions.py [SCENARIO.json ...] [--steps 0,10,20,40,80] [--seed 7]
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from propositions import Proposition, Store  # noqa: E402
from propositions.confidence import clamp, logit, sigmoid  # noqa: E402
from propositions.eval.metrics import brier_score, expected_calibration_error  # noqa: E402
from propositions.eval.replay import replay  # noqa: E402
from propositions.eval.scenario import load_scenario, matched_facts  # noqa: E402
from propositions.infer import Pipeline  # noqa: E402
from propositions.questions import QuestionPolicy  # noqa: E402
from propositions.service import Service  # noqa: E402


def default_scenarios() -> list[str]:
    found = sorted(glob.glob(str(ROOT / "tests" / "scenarios" / "**" / "*.json"), recursive=True))
    for up in (ROOT.parent, ROOT.parent.parent):  # a checkout, or a worktree beside others
        found += sorted(glob.glob(str(up / "shared" / "scenarios" / "dev" / "*.json")))
    return found


def labelled(paths: list[str], inferrer: str) -> list[tuple[Proposition, bool]]:
    out = []
    for path in paths:
        scenario = load_scenario(path)
        if inferrer == "threads":
            from propositions.threaded import ThreadInferrer
            make = ThreadInferrer(scenario.user)
        else:
            from propositions.statistical import StatisticalInferrer
            make = StatisticalInferrer(scenario.user)
        with tempfile.TemporaryDirectory(prefix="gumd-questions-") as tmp:
            store = Store(Path(tmp) / "gumd.db")
            try:
                replay(scenario, Pipeline(store, make, batch_size=20))
                rows = store.read("SELECT id FROM propositions WHERE status = 'active'")
                props = store.get_propositions([r["id"] for r in rows])
                for p in props.values():
                    out.append((p, bool(matched_facts(p.text, scenario.facts))))
            finally:
                store.close()
    return out


def one_run(items: list[tuple[Proposition, bool]], args: argparse.Namespace, steps: list[int],
            seed: int) -> list[tuple[float, float, float, float, float, float]]:
    """Answer in one order; after each step (answers, left, ECE before, after, Brier before, after)."""
    out = []
    with tempfile.TemporaryDirectory(prefix="gumd-questions-") as tmp:
        store = Store(Path(tmp) / "gumd.db")
        svc = Service(store, questions=QuestionPolicy(per_day=10**6))
        truth: dict[int, bool] = {}
        for p0, y in items:
            p = dataclasses.replace(p0, id=None)
            if args.overconfident != 1.0:
                p.confidence = clamp(sigmoid(args.overconfident * logit(p.confidence) + 0.5))
            truth[store.add_proposition(p)] = y
        rng = random.Random(seed)
        order = list(truth)
        rng.shuffle(order)
        answered: set[int] = set()
        unaskable: set[int] = set()  # not worth a question (sure ones): never answered
        for step in steps:
            while len(answered) < min(step, len(truth)):
                if args.order == "questions":
                    asked = svc.questions(limit=1)
                    if not asked:
                        break
                    q = asked[0]
                else:
                    pid = next((p for p in order if p not in answered and p not in unaskable),
                               None)
                    if pid is None:
                        break
                    listed = {q.proposition_id: q for q in svc.questions(everything=True)}
                    if pid not in listed:
                        unaskable.add(pid)
                        continue
                    q = listed[pid]
                svc.answer_question(q.id, "yes" if truth[q.proposition_id] else "no")
                answered.add(q.proposition_id)
            cal = svc.calibrations()
            left = [store.get_proposition(pid) for pid in truth if pid not in answered]
            before = [(p.confidence, truth[p.id]) for p in left]
            after = [(svc.calibrated(p, cal), truth[p.id]) for p in left]
            out.append((len(answered), len(left), expected_calibration_error(before),
                        expected_calibration_error(after), brier_score(before), brier_score(after)))
        store.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*", help="scenario files (default: tests/scenarios "
                        "and the shared dev set)")
    parser.add_argument("--steps", default="0,5,10,20,40,80",
                        help="numbers of answers to report after")
    parser.add_argument("--inferrer", choices=["threads", "classic"], default="threads")
    parser.add_argument("--order", choices=["questions", "random"], default="questions",
                        help="answer in gumd's order of questions, or at random")
    parser.add_argument("--overconfident", type=float, default=1.0, metavar="K",
                        help="stretch every confidence to sigmoid(K * logit(p) + 0.5), a source "
                             "more sure of itself than it should be (1: as inferred)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shuffles", type=int, default=8,
                        help="with --order random: how many random orders to average over")
    args = parser.parse_args()
    steps = sorted({int(s) for s in args.steps.split(",")})
    items = labelled(args.scenarios or default_scenarios(), args.inferrer)
    n_true = sum(y for _, y in items)
    print(f"{len(items)} propositions ({n_true} match a fact), inferrer {args.inferrer}"
          f"{f', overconfident x{args.overconfident:g}' if args.overconfident != 1 else ''}, "
          f"answered in {args.order} order")
    runs = [one_run(items, args, steps, args.seed + k)
            for k in range(args.shuffles if args.order == "random" else 1)]
    if len(runs) > 1:
        print(f"(means over {len(runs)} random orders; the last column is the worst change in Brier)")
    print(f"{'answers':>7} {'left':>5} {'ECE before':>10} {'ECE after':>9} "
          f"{'Brier before':>12} {'Brier after':>11}" + (f" {'worst':>7}" if len(runs) > 1 else ""))
    for i in range(len(steps)):
        rows = [run[i] for run in runs if i < len(run)]
        if not rows:
            break
        mean = [sum(r[k] for r in rows) / len(rows) for k in range(6)]
        worst = max(r[5] - r[4] for r in rows)
        print(f"{round(mean[0]):>7} {round(mean[1]):>5} {mean[2]:10.3f} {mean[3]:9.3f} "
              f"{mean[4]:12.3f} {mean[5]:11.3f}" + (f" {worst:+7.3f}" if len(runs) > 1 else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
