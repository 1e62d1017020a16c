"""The old name of the harness's scenario module: it moved to propositions.eval."""

from __future__ import annotations

from .eval.metrics import *  # noqa: F403 - every public name, as before the move
from .eval.metrics import __all__ as _metrics
from .eval.scenario import *  # noqa: F403
from .eval.scenario import __all__ as _scenario

__all__ = [*_scenario, *_metrics]
