"""The daemon controls the dashboard is handed: status, pause and resume, exclusions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypedDict, runtime_checkable

#: the states ``DaemonStatus.state`` takes, as `gumd status` names them
STATES = ("starting", "running", "paused", "stalled", "stopped")


class DaemonStatus(TypedDict, total=False):
    """What ``DaemonControls.status()`` returns (gumd builds it in gumd/status.py); every key is optional.

    Times are epoch seconds. A key the implementation cannot know (a rate
    while the daemon is stopped) is left out or None, and the dashboard shows
    a dash.
    """

    state: str  # one of STATES
    problems: list[str]  # why the state is "stalled", one line each
    running: bool  # the daemon holds its lock (also while starting or stalled)
    pid: int | None
    paused: bool
    paused_until: float | None  # None while paused: until resumed
    idle: bool  # the user is idle, so capture rests
    observers: list[str]
    capture_blocked: str | None  # why a resource guard holds capture back
    model_unavailable: str | None  # why inference waits for the model
    inference_waits: str | None  # why inference waits by policy (on battery)
    frames_captured: int
    frames_skipped: int  # unchanged frames not stored
    last_capture_at: float | None
    last_inference_at: float | None
    captures_per_hour: float | None
    inferences_per_hour: float | None  # observations processed per hour
    queue: dict[str, int]  # pending / processing / done / failed
    backend: str
    model: str | None
    db_path: str
    db_bytes: int
    #: the work in hand, None between batches: step ("reading screenshots", "inferring",
    #: "revising", "suggesting"), done and total of that step, observations in the batch,
    #: batch (False for work outside a batch), step_started_at
    progress: dict[str, Any] | None
    #: model calls over the last hour (calls_per_hour, prompt_tokens_per_hour,
    #: completion_tokens_per_hour, errors_per_hour, median_latency_s,
    #: prompt_tokens_per_observation, completion_tokens_per_observation, calls_per_batch, ...);
    #: None when no model is in use or the daemon is stopped
    model_usage: dict[str, Any] | None
    #: the daemon's HTTP API while it serves one: url, workers, workers_resting
    api: dict[str, Any] | None


@runtime_checkable
class DaemonControls(Protocol):
    """The daemon as the dashboard sees it; gumd implements it over the health and pause files.

    The dashboard calls these from worker threads, never from the UI thread,
    so an implementation may read files or block briefly.
    """

    def status(self) -> DaemonStatus | dict[str, Any]:
        """The daemon's state now (works while the daemon is stopped: state "stopped")."""
        ...

    def pause(self, until: float | None) -> None:
        """Stop capturing until ``until`` (epoch seconds), or until ``resume()`` when None."""
        ...

    def resume(self) -> None:
        """Capture again."""
        ...

    def exclusions(self) -> dict[str, Any]:
        """What is never captured, by kind, e.g. {"apps": [...], "window titles": [...]}."""
        ...


class ActionRunner(Protocol):
    """Performs an accepted suggestion's typed action (propositions.actions.ActionRunner is one)."""

    def run(self, action: Mapping[str, Any]) -> str:
        """Do it; returns one line saying what was done."""
        ...
