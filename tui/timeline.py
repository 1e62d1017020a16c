"""The Timeline tab: one day's observations by time and app, with idle periods and gaps marked."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from propositions.models import Observation

from . import reads
from .messages import TimelineLoaded
from .pane import Pane, Row, clip, fill, row_table
from .timefmt import clock_time, day_bounds, day_label, duration

#: a stretch this long with nothing recorded shows as a gap row
GAP_S = 600.0
#: content type of the input observer's "idle for N min" observations
IDLE_TYPE = "text/x-idle"


@dataclass(frozen=True)
class Entry:
    """One timeline row: an observation, an idle period, or a gap with nothing recorded."""

    kind: str  # "observation" | "idle" | "gap"
    start: float
    seconds: float
    observation: Observation | None = None


def entries(observations: Sequence[Observation], gap_s: float = GAP_S) -> list[Entry]:
    """Observations oldest first, with a gap entry wherever ``gap_s`` or more passed unrecorded."""
    out: list[Entry] = []
    covered_until: float | None = None
    for o in observations:
        if covered_until is not None and o.captured_at - covered_until >= gap_s:
            out.append(Entry("gap", covered_until, o.captured_at - covered_until))
        kind = "idle" if o.content_type == IDLE_TYPE else "observation"
        out.append(Entry(kind, o.captured_at, o.duration, o))
        end = o.captured_at + o.duration
        covered_until = end if covered_until is None else max(covered_until, end)
    return out


def time_by_app(observations: Sequence[Observation], top: int = 4) -> str:
    """"Firefox 1h05m (12) · Code 40m (30)": recorded time and count per app, most first."""
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for o in observations:
        if o.content_type == IDLE_TYPE or not o.app:
            continue
        seconds[o.app] += o.duration
        counts[o.app] += 1
    ranked = sorted(counts, key=lambda a: (-seconds[a], -counts[a], a.lower()))[:top]
    return " · ".join(
        f"{a} {duration(seconds[a])} ({counts[a]})" if seconds[a] else f"{a} ({counts[a]})"
        for a in ranked
    )


class TimelinePane(Pane):
    title = "Timeline"
    main_table = "timeline"
    DEFAULT_CSS = """
    TimelinePane #day { height: auto; padding: 0 1; margin-bottom: 1; }
    TimelinePane #timeline { height: 1fr; }
    """
    BINDINGS = [
        Binding("left_square_bracket", "day(1)", "Earlier day"),
        Binding("right_square_bracket", "day(-1)", "Later day"),
        Binding("t", "today", "Today"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days_back = 0
        self.entries: list[Entry] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="day")
        yield row_table("timeline", [("time", "time"), ("for", "for"), ("app", "app"), ("what", "what")])


    def reload(self) -> None:
        start, end = day_bounds(self.gumd.clock(), self.gumd.tz, self.days_back)
        self._load(start, end)

    @work(thread=True, exclusive=True, group="timeline")
    def _load(self, start: float, end: float) -> None:
        service = self.gumd.service
        found = self.guarded(lambda: reads.day(service, start, end))
        if found is not None and not get_current_worker().is_cancelled:
            self.post_message(TimelineLoaded(start, end, *found))

    @on(TimelineLoaded)
    def _show(self, message: TimelineLoaded) -> None:
        tz = self.gumd.tz
        self.entries = entries(message.observations)
        heading = Text.assemble((day_label(message.start, tz), "bold"),
                                f"  {len(message.observations)} observations")
        summary = time_by_app(message.observations)
        if summary:
            heading.append(f"\n{summary}", style="dim")
        if message.truncated:
            heading.append(f"\nshowing the last {len(message.observations)} of the day", style="yellow")
        self.query_one("#day", Static).update(heading)
        table = self.query_one("#timeline", DataTable)
        first_load = not self.loaded
        fill(table, self._rows(self.entries, tz))
        if first_load and self.entries:
            table.move_cursor(row=len(self.entries) - 1)  # the latest activity, as in a log
        if not self.entries:
            self.query_one("#day", Static).update(
                heading.append("\nNothing was recorded this day.", style="dim"))
        self.loaded = True

    def refill(self) -> None:
        fill(self.query_one("#timeline", DataTable), self._rows(self.entries, self.gumd.tz))

    def _rows(self, items: list[Entry], tz: tzinfo | None) -> list[Row]:
        width = max(16, self.row_width - 34)
        rows: list[Row] = []
        for i, e in enumerate(items):
            when = clock_time(e.start, tz)
            if e.kind == "gap":
                rows.append((f"gap-{i}", (
                    Text(when, style="dim"), Text(duration(e.seconds), style="dim"),
                    Text("", style="dim"),
                    Text("· · · nothing recorded", style="dim italic"),
                )))
                continue
            o = e.observation
            assert o is not None
            if e.kind == "idle":
                rows.append((f"obs-{o.id}", (
                    Text(when, style="yellow"), Text(duration(e.seconds), style="yellow"),
                    Text("idle", style="yellow"), Text("── away from the keyboard ──", style="yellow"),
                )))
                continue
            what = o.window_title or " ".join(o.content.split())
            rows.append((f"obs-{o.id}", (
                when, duration(o.duration) if o.duration else "",
                clip(o.app or o.observer, 14), clip(what, width),
            )))
        return rows

    def action_day(self, step: int) -> None:
        self.days_back = max(0, self.days_back + step)
        self.loaded = False
        self.reload()

    def action_today(self) -> None:
        self.days_back = 0
        self.loaded = False
        self.reload()
