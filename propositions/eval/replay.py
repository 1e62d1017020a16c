"""Replaying scenario files through the pipeline, and scoring the result against their facts."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..infer import DrainReport, Inferrer, Pipeline
from ..models import Observation
from ..store import Store
from .metrics import ScenarioScore, aggregate, score
from .scenario import Scenario, load_scenario

#: where observations enter the store; the application puts its privacy filter here
Submit = Callable[[list[Observation]], list[int]]


def to_observations(scenario: Scenario) -> list[Observation]:
    """The scenario's steps as observations, stamped with the times they happened."""
    out = []
    for step in scenario.observations:
        at = scenario.captured_at(step)
        if step.kind == "file":
            out.append(Observation(captured_at=at, observer="files", window_title=step.path,
                                   content=f"{step.event} {step.path}",
                                   content_type="text/x-file-event"))
        elif step.kind == "idle":
            minutes = round((step.seconds or 0) / 60)
            out.append(Observation(captured_at=at, observer="input", duration=step.seconds or 0,
                                   content=f"idle for {minutes} min", content_type="text/x-idle"))
        else:
            out.append(Observation(captured_at=at, observer="screen", app=step.app,
                                   window_title=step.title, url=step.url, content=step.text or ""))
    return out


def replay(scenario: Scenario, pipeline: Pipeline, submit: Submit | None = None) -> DrainReport:
    """Enqueue the scenario's observations (through ``submit``), then drain the queue."""
    observations = to_observations(scenario)
    (submit or pipeline.store.enqueue)(observations)
    return pipeline.drain()


@dataclass
class EvalResult:
    scenario: str
    score: ScenarioScore
    drain: DrainReport

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, **self.score.to_dict(),
                "batches": self.drain.batches, "failed_batches": self.drain.failed_batches,
                "unavailable": self.drain.unavailable}


def evaluate(
    paths: Sequence[str | Path],
    make_inferrer: Callable[[str], Inferrer],
    *,
    batch_size: int = 20,
) -> tuple[list[EvalResult], dict[str, Any]]:
    """Replay each scenario into a fresh temporary store and score its active propositions."""
    results = []
    for path in paths:
        scenario = load_scenario(path)
        with tempfile.TemporaryDirectory(prefix="gumd-eval-") as tmp:
            store = Store(Path(tmp) / "gumd.db")
            try:
                pipeline = Pipeline(store, make_inferrer(scenario.user), batch_size=batch_size)
                drain = replay(scenario, pipeline)
                results.append(EvalResult(
                    scenario.name,
                    score(store.active_texts(), scenario.facts, scenario.decoys),
                    drain,
                ))
            finally:
                store.close()
    return results, aggregate([r.score for r in results])
