"""The help screen: every key of the dashboard, per tab, built from the bindings themselves."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

Section = tuple[str, Sequence[tuple[str, str]]]


class HelpScreen(ModalScreen[None]):
    """Lists the keys; any of Escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 64;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close")]

    def __init__(self, sections: Sequence[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=True):
            yield Static(self._table(), id="help")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True, justify="right")
        table.add_column()
        table.add_row("", Text("gumd dashboard — keys (Esc closes)", style="bold"))
        for title, keys in self.sections:
            table.add_row("", "")
            table.add_row("", Text(title, style="bold underline"))
            for key, description in keys:
                table.add_row(key, description)
        return table
