"""The old name of the harness's replay module: it moved to propositions.eval."""

from __future__ import annotations

from .eval.replay import EvalResult, Submit, evaluate, replay, to_observations

__all__ = ["EvalResult", "Submit", "evaluate", "replay", "to_observations"]
