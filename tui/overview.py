"""The Overview tab: daemon state, capture and inference rates, queue, backend, disk use."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from .messages import StatusLoaded
from .pane import Pane
from .timefmt import ago, clock_time, duration, size, until

PAUSE_FOR_S = 3600.0
_STATE_STYLE = {"running": "bold green", "starting": "bold cyan", "paused": "bold yellow",
                "stalled": "bold red", "stopped": "bold"}


class OverviewPane(Pane):
    title = "Overview"
    DEFAULT_CSS = """
    OverviewPane #overview-box { height: 1fr; padding: 0 1; }
    """
    BINDINGS = [
        Binding("p", "pause", "Pause"),
        Binding("h", "pause_hour", "Pause 1h"),
        Binding("r", "resume", "Resume"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="overview-box", can_focus=True):
            yield Static("Reading the daemon's status…", id="overview")

    def focus_main(self) -> None:
        self.query_one("#overview-box").focus()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="overview")
    def _load(self) -> None:
        gumd = self.gumd
        loaded = self.guarded(lambda: (dict(gumd.controls.status()), gumd.service.stats()))
        if loaded is not None:
            self.post_message(StatusLoaded(*loaded))

    @on(StatusLoaded)
    def _show(self, message: StatusLoaded) -> None:
        self.query_one("#overview", Static).update(self.render_status(message.status, message.stats))
        self.app.sub_title = str(message.status.get("state") or "stopped")
        self.loaded = True

    def render_status(self, status: dict[str, Any], stats: dict[str, Any]) -> Table:
        now = self.gumd.clock()
        tz = self.gumd.tz
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        state = str(status.get("state") or "stopped")
        line = Text(state, style=_STATE_STYLE.get(state, "bold"))
        if status.get("pid"):
            line.append(f"  (pid {status['pid']})", style="dim")
        if state == "stopped":
            line.append("  — showing the database file; start it with `gumd run`", style="dim")
        grid.add_row("Daemon", line)
        for problem in status.get("problems") or []:
            grid.add_row("", Text(f"! {problem}", style="red"))
        if status.get("paused"):
            paused_until = status.get("paused_until")
            grid.add_row("Paused", "until you resume (r)" if not paused_until else
                         f"until {clock_time(paused_until, tz)} ({until(paused_until, now)})")
        observers = status.get("observers")
        if observers:
            grid.add_row("Observers", ", ".join(observers) + ("  (you are idle)" if status.get("idle") else ""))
        grid.add_row("Last capture", ago(status.get("last_capture_at"), now))
        grid.add_row("Last inference", ago(status.get("last_inference_at"), now))
        queue = status.get("queue") or stats.get("queue") or {}
        if status.get("progress"):
            grid.add_row("Working on", _progress(status["progress"], queue.get("pending", 0), now))
        grid.add_row("Capture rate", _rate(status.get("captures_per_hour"), "observations"))
        grid.add_row("Inference rate", _rate(status.get("inferences_per_hour"), "processed"))
        usage = status.get("model_usage")
        if usage:  # only with a model in use: the statistical inferrer makes no calls
            grid.add_row("Model calls", _model_calls(usage))
            grid.add_row("Model tokens", _model_tokens(usage))
            grid.add_row("Per observation", _per_observation(usage))
        grid.add_row("Queue", f"{queue.get('pending', 0)} pending · {queue.get('processing', 0)} "
                              f"processing · {queue.get('failed', 0)} failed · "
                              f"{queue.get('done', 0)} done")
        backend = status.get("backend") or "—"
        if status.get("model"):
            backend += f" ({status['model']})"
        grid.add_row("Backend", backend)
        db_bytes = status.get("db_bytes", stats.get("db_bytes"))
        grid.add_row("Disk use", size(db_bytes) + (f"  {status['db_path']}" if status.get("db_path") else ""))
        grid.add_row("Propositions", f"{stats.get('active_propositions', 0)} active of "
                                     f"{stats.get('propositions', 0)}")
        grid.add_row("Observations", str(stats.get("observations", 0)))
        grid.add_row("Suggestions", str(stats.get("suggestions", 0)))
        return grid

    def action_pause(self) -> None:
        controls = self.gumd.controls
        self.write(lambda: controls.pause(None), "Paused until you resume (r).")

    def action_pause_hour(self) -> None:
        controls = self.gumd.controls
        end = self.gumd.clock() + PAUSE_FOR_S
        self.write(lambda: controls.pause(end),
                   f"Paused until {clock_time(end, self.gumd.tz)}.")

    def action_resume(self) -> None:
        controls = self.gumd.controls
        self.write(controls.resume, "Capturing again.")


def _rate(per_hour: float | None, what: str) -> str:
    if per_hour is None:
        return "—"
    return f"{per_hour:.1f} {what}/h" if per_hour < 10 else f"{per_hour:.0f} {what}/h"


def _model_calls(usage: dict[str, Any]) -> str:
    """"12/h · median 2.35 s · 1 failed/h": the model's last hour."""
    parts = [f"{usage.get('calls_per_hour', 0)}/h"]
    if usage.get("median_latency_s") is not None:
        parts.append(f"median {usage['median_latency_s']:.2f} s")
    if usage.get("errors_per_hour"):
        parts.append(f"{usage['errors_per_hour']} failed/h")
    return " · ".join(parts)


def _model_tokens(usage: dict[str, Any]) -> str:
    return (f"{usage.get('prompt_tokens_per_hour', 0)} prompt + "
            f"{usage.get('completion_tokens_per_hour', 0)} completion/h")


def _per_observation(usage: dict[str, Any]) -> str:
    """"400 prompt + 50 completion tokens · 1 call a batch", or a dash before the first batch."""
    prompt = usage.get("prompt_tokens_per_observation")
    if prompt is None:
        return "— (no batch in the last hour)"
    return (f"{prompt:g} prompt + {usage.get('completion_tokens_per_observation') or 0:g} "
            f"completion tokens · {usage.get('calls_per_batch') or 0:g} calls a batch")


def _progress(progress: dict[str, Any], pending: int, now: float) -> Text:
    """"reading screenshots 7/12 · batch of 20 · 35 more waiting · 1m": the step, what is left."""
    step = str(progress.get("step") or "working")
    done, total = int(progress.get("done") or 0), int(progress.get("total") or 0)
    out = Text(step, style="bold")
    if total and step != "inferring":
        out.append(f" {done}/{total}")
    rest = []
    if progress.get("observations"):
        rest.append(f"batch of {progress['observations']}")
    if pending:
        rest.append(f"{pending} more waiting")
    since = progress.get("step_started_at")
    if isinstance(since, (int, float)) and not isinstance(since, bool) and since:
        rest.append(f"for {duration(now - since)}")
    if rest:
        out.append("  " + " · ".join(rest), style="dim")
    return out
