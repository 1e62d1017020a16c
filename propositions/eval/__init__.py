"""The quality harness: scenario files replayed through the pipeline and scored against their facts.

Kept apart from the runtime (the daemon, inference, the store, the service never
import it): ``scenario`` loads scenario files and matches text to their facts,
``metrics`` scores a run (recall, precision, ECE, Brier, AUC, duplicates), and
``replay`` feeds a scenario to a pipeline and evaluates it (``gumd eval``).
"""

from __future__ import annotations

from .metrics import (
    ScenarioScore,
    ScoredProposition,
    aggregate,
    brier_score,
    content_words,
    duplicate_pairs,
    expected_calibration_error,
    roc_auc,
    say_same_thing,
    score,
)
from .replay import EvalResult, evaluate, replay, to_observations
from .scenario import (
    Fact,
    Scenario,
    ScenarioError,
    ScenarioObservation,
    contains_phrase,
    fold,
    load_scenario,
    matched_facts,
    matches,
    words_of,
)

__all__ = [
    "EvalResult", "Fact", "Scenario", "ScenarioError", "ScenarioObservation", "ScenarioScore",
    "ScoredProposition", "aggregate", "brier_score", "contains_phrase", "content_words",
    "duplicate_pairs", "evaluate", "expected_calibration_error", "fold", "load_scenario",
    "matched_facts", "matches", "replay", "roc_auc", "say_same_thing", "score", "to_observations",
    "words_of",
]
