"""Fact recall counting only propositions that read as statements.

`gumd eval` counts a fact as found when any proposition holds its match words. A list of
salient words ("… is spending time on Pryce, VAT, Aberdare and Joinery") or a quoted screen line
("… has something on Mon 10 May: “Chrome File Edit View …”") holds many words and so finds
facts a reader would not say it knows. This prints, per inferrer, the recall of
`gumd eval --json` beside the recall by propositions that are neither.

Run: python scripts/sentence_recall.py SCENARIO.json ... (uses the `gumd` on PATH)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

# what the classic inferrer writes when it lists words or quotes a line instead of saying something
_NOT_A_STATEMENT = re.compile(
    r"spending time on|has something on|\buses .* for “|is interested in|\w+, \w+,? and \w+")


def recall(inferrer: str, paths: list[str]) -> tuple[float, float, int]:
    env = {**os.environ, "GUMD_INFERENCE__STATISTICAL": inferrer}
    out = subprocess.run(["gumd", "eval", "--json", *paths], env=env, capture_output=True,
                         text=True, check=True).stdout
    facts = found = said = 0
    for scenario in json.loads(out)["scenarios"]:
        for texts in scenario["matches"].values():
            facts += 1
            found += bool(texts)
            said += any(not _NOT_A_STATEMENT.search(t) for t in texts)
    return found / max(facts, 1), said / max(facts, 1), facts


def main() -> None:
    paths = sys.argv[1:]
    if not paths:
        sys.exit("usage: python scripts/sentence_recall.py SCENARIO.json ...")
    print(f"{'inferrer':10s} {'facts':>5s} {'recall':>7s} {'by statements':>14s}")
    for inferrer in ("threads", "classic"):
        r, s, n = recall(inferrer, paths)
        print(f"{inferrer:10s} {n:5d} {r:7.2f} {s:14.2f}")


if __name__ == "__main__":
    main()
