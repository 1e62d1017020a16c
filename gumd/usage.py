"""The daemon's model calls over the last hour and since start: calls, tokens, latency, errors."""

from __future__ import annotations

import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

#: the rolling window the "per hour" numbers count over
WINDOW_S = 3600.0
#: the most calls (and errors, and batches) the window holds: a bound on memory, far above
#: what a local model answers in an hour (one call a second)
MAX_EVENTS = 4096


class ModelUsage:
    """Counts the calls of the backends it watches, and the batches the pipeline ran.

    A call is tagged "inference" (proposing, reconciling, reading screenshots: work done
    for observations) or not (suggestions); tokens per observation and calls per batch
    count inference calls only, against the observations of the batches in the same
    window. Per-hour numbers are counts over the last hour, not extrapolated.
    """

    def __init__(self, clock: Callable[[], float] = time.time, window_s: float = WINDOW_S,
                 max_events: int = MAX_EVENTS) -> None:
        self.clock = clock
        self.window_s = window_s
        self.started_at = clock()
        self._lock = threading.Lock()
        # (at, prompt tokens, completion tokens, seconds, for observations)
        self._calls: deque[tuple[float, int, int, float, bool]] = deque(maxlen=max_events)
        self._errors: deque[float] = deque(maxlen=max_events)
        self._batches: deque[tuple[float, int]] = deque(maxlen=max_events)  # (at, observations)
        self._watched: set[int] = set()
        self.totals = {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0, "errors": 0,
                       "batches": 0, "observations": 0}

    @property
    def in_use(self) -> bool:
        """Whether any model backend is watched: the statistical inferrer has none."""
        return bool(self._watched)

    def watch(self, backend: Any, inference: bool = True) -> None:
        """Count ``backend``'s calls from now on (once, however often it is handed over)."""
        stats = getattr(backend, "stats", None)
        if stats is None or not hasattr(stats, "watch") or id(stats) in self._watched:
            return
        self._watched.add(id(stats))
        stats.watch(lambda entry: self._heard(entry, inference))

    def _heard(self, entry: dict[str, float], inference: bool) -> None:
        now = self.clock()
        with self._lock:
            if entry.get("error"):
                self._errors.append(now)
                self.totals["errors"] += 1
                return
            prompt, completion = int(entry.get("prompt_tokens", 0)), int(entry.get("completion_tokens", 0))
            self._calls.append((now, prompt, completion, float(entry.get("seconds", 0.0)), inference))
            self.totals["calls"] += 1
            self.totals["prompt_tokens"] += prompt
            self.totals["completion_tokens"] += completion

    def batch(self, observations: int) -> None:
        """A batch of the pipeline ended (failed ones too: their calls were made)."""
        with self._lock:
            self._batches.append((self.clock(), observations))
            self.totals["batches"] += 1
            self.totals["observations"] += observations

    def _prune(self, now: float) -> None:
        cutoff = now - self.window_s
        while self._calls and self._calls[0][0] < cutoff:
            self._calls.popleft()
        while self._errors and self._errors[0] < cutoff:
            self._errors.popleft()
        while self._batches and self._batches[0][0] < cutoff:
            self._batches.popleft()

    def snapshot(self) -> dict[str, Any]:
        """The numbers `gumd status`, the API and the dashboard show; None where nothing counts yet."""
        now = self.clock()
        with self._lock:
            self._prune(now)
            calls, batches = list(self._calls), list(self._batches)
            errors, totals = len(self._errors), dict(self.totals)
        for_obs = [c for c in calls if c[4]]
        observations = sum(n for _, n in batches)
        return {
            "window_s": self.window_s,
            "calls_per_hour": len(calls),
            "prompt_tokens_per_hour": sum(c[1] for c in calls),
            "completion_tokens_per_hour": sum(c[2] for c in calls),
            "errors_per_hour": errors,
            "median_latency_s": (round(statistics.median(c[3] for c in calls), 3) if calls else None),
            "batches_per_hour": len(batches),
            "observations_per_hour": observations,
            "prompt_tokens_per_observation": _ratio(sum(c[1] for c in for_obs), observations),
            "completion_tokens_per_observation": _ratio(sum(c[2] for c in for_obs), observations),
            "calls_per_batch": _ratio(len(for_obs), len(batches)),
            "suggestion_calls_per_hour": len(calls) - len(for_obs),
            "started_at": self.started_at,
            "totals": totals,
        }


def _ratio(part: float, whole: int) -> float | None:
    return round(part / whole, 1) if whole else None


def describe(usage: dict[str, Any]) -> list[str]:
    """The block in words, two lines: the model's last hour, and what an observation cost."""
    median = usage.get("median_latency_s")
    calls = usage.get("calls_per_hour", 0)
    first = (f"{calls} {'call' if calls == 1 else 'calls'} in the last hour, "
             f"{usage.get('prompt_tokens_per_hour', 0)} prompt + "
             f"{usage.get('completion_tokens_per_hour', 0)} completion tokens"
             + (f", median {median:.2f} s a call" if median is not None else ""))
    if usage.get("errors_per_hour"):
        first += f", {usage['errors_per_hour']} failed"
    prompt, completion = (usage.get("prompt_tokens_per_observation"),
                          usage.get("completion_tokens_per_observation"))
    if prompt is None:
        return [first, "no batch in the last hour"]
    per_batch = usage.get("calls_per_batch") or 0
    batches, observations = usage.get("batches_per_hour", 0), usage.get("observations_per_hour", 0)
    second = (f"{prompt:g} prompt + {completion or 0:g} completion tokens; "
              f"{per_batch:g} {'call' if per_batch == 1 else 'calls'} a batch "
              f"({batches} {'batch' if batches == 1 else 'batches'}, {observations} observations)")
    return [first, second]
