"""The Privacy tab: what is never captured, propositions flagged for review, forgetting."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from propositions.models import Proposition
from propositions.service import ForgetRequest

from . import reads
from .dialogs import ForgetDialog
from .messages import PrivacyLoaded
from .pane import Pane, Row, clip, fill, row_table
from .propositions_tab import PropositionFeedback
from .timefmt import clock_time, day_label


def render_exclusions(exclusions: dict[str, Any]) -> Group:
    """One wrapped line per kind of exclusion: "apps: 1Password, Bitwarden, …"."""
    lines = [Text("Never captured", style="bold")]
    if not exclusions:
        lines.append(Text("  nothing is excluded", style="dim"))
    for kind, value in exclusions.items():
        if isinstance(value, (list, tuple, set)):
            shown = ", ".join(str(v) for v in value) if value else "none"
        else:
            shown = str(value)
        lines.append(Text.assemble(("  " + kind + ": ", "bold"), shown))
    return Group(*lines)


class PrivacyPane(PropositionFeedback, Pane):
    title = "Privacy"
    main_table = "flagged"
    DEFAULT_CSS = """
    PrivacyPane #exclusions-box { height: auto; max-height: 7; padding: 0 1; }
    PrivacyPane #flagged-title { height: 1; padding: 0 1; margin-top: 1; }
    PrivacyPane #flagged { height: 1fr; }
    """
    BINDINGS = [
        Binding("c", "confirm", "Confirm"),
        Binding("x", "reject", "Reject"),
        Binding("d", "delete", "Delete"),
        Binding("f", "forget", "Forget…"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.flagged: dict[int, Proposition] = {}
        self.flagged_list: list[Proposition] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="exclusions-box"):
            yield Static("", id="exclusions")
        yield Static(Text("Flagged for review (sensitive)", style="bold"), id="flagged-title")
        yield row_table("flagged", [("#", "id"), ("flags", "flags"), ("proposition", "text")])


    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="privacy")
    def _load(self) -> None:
        gumd = self.gumd
        loaded = self.guarded(lambda: (dict(gumd.controls.exclusions()), reads.flagged(gumd.service)))
        if loaded is not None and not get_current_worker().is_cancelled:
            self.post_message(PrivacyLoaded(*loaded))

    @on(PrivacyLoaded)
    def _show(self, message: PrivacyLoaded) -> None:
        self.query_one("#exclusions", Static).update(render_exclusions(message.exclusions))
        self.flagged = {p.id: p for p in message.flagged if p.id is not None}
        self.flagged_list = message.flagged
        title = Text("Flagged for review (sensitive)", style="bold")
        title.append(f"  {len(message.flagged)}" if message.flagged else "  none", style="dim")
        self.query_one("#flagged-title", Static).update(title)
        fill(self.query_one("#flagged", DataTable), self._rows(message.flagged))
        self.loaded = True

    def refill(self) -> None:
        fill(self.query_one("#flagged", DataTable), self._rows(self.flagged_list))

    def _rows(self, props: list[Proposition]) -> list[Row]:
        width = max(20, self.row_width - 30)
        return [
            (str(p.id), (
                Text(str(p.id), style="dim"),
                Text(clip(p.sensitive.replace(",", ", "), 18), style="yellow"),
                clip(p.text, width),
            ))
            for p in props
        ]

    feedback_table = "#flagged"
    propositions_attr = "flagged"
    nothing_selected = "No flagged proposition is selected."

    def action_forget(self) -> None:
        gumd = self.gumd

        def chosen(request: ForgetRequest | None) -> None:
            if request is not None:
                gumd.forget(request, describe_request(request, gumd.tz))

        self.app.push_screen(ForgetDialog(gumd.clock, gumd.tz), chosen)


def describe_request(request: ForgetRequest, tz: tzinfo | None) -> str:
    """"everything matching “x” and since Thu 28 May 2026 18:26 and from Firefox"."""
    parts = []
    if request.query:
        parts.append(f"matching “{request.query}”")
    if request.since is not None:
        parts.append(f"since {day_label(request.since, tz)} {clock_time(request.since, tz)}")
    if request.app:
        parts.append(f"from {request.app}")
    return "everything " + " and ".join(parts)
