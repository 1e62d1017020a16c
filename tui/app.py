"""The dashboard application, its factory ``make_app`` and ``run_tui`` for `gumd tui`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, TabbedContent, TabPane

from propositions.errors import GumdError
from propositions.service import ForgetRequest, Service

from .controls import ActionRunner, DaemonControls
from .dialogs import ConfirmDialog
from .help import HelpScreen, Section
from .messages import DataChanged
from .overview import OverviewPane
from .pane import Pane
from .privacy import PrivacyPane
from .propositions_tab import PropositionsPane, forget_summary
from .questions import QuestionsPane
from .suggestions import SuggestionsPane
from .timeline import TimelinePane

PANES: tuple[type[Pane], ...] = (OverviewPane, PropositionsPane, SuggestionsPane, TimelinePane,
                                 PrivacyPane, QuestionsPane)


class GumdApp(App[None]):
    """Tabs over one Service: Overview, Propositions, Suggestions, Timeline, Privacy, Questions."""

    TITLE = "gumd"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    TabbedContent { height: 1fr; }
    TabPane { padding: 0; }
    Pane { height: 1fr; }
    """
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        *(Binding(str(i), f"show_tab('{pane.__name__}')", pane.title, show=False)
          for i, pane in enumerate(PANES, 1)),
    ]

    def __init__(
        self,
        service: Service,
        controls: DaemonControls,
        *,
        runner: ActionRunner | None = None,
        refresh_s: float | None = 2.0,
        clock: Callable[[], float] | None = None,
        tz: tzinfo | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.controls = controls
        self.runner = runner
        self.refresh_s = refresh_s
        #: "now" for every "5m ago": the service's clock, so a fixed clock gives fixed screens
        self.clock: Callable[[], float] = clock or service.clock
        #: time zone of clock times and day boundaries; None is the machine's local zone
        self.tz = tz

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for i, pane in enumerate(PANES, 1):
                with TabPane(f"{i} {pane.title}", id=pane.__name__):
                    yield pane()
        yield Footer()

    def on_mount(self) -> None:
        if self.refresh_s:
            # The daemon writes while the dashboard is open: re-read what is on screen.
            self.set_interval(self.refresh_s, self.refresh_live)

    @property
    def active_pane(self) -> Pane:
        active = self.query_one(TabbedContent).active or PANES[0].__name__
        return self.query_one(f"#{active} Pane", Pane)

    def pane(self, kind: type[Pane]) -> Pane:
        return self.query_one(kind)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self) -> None:
        pane = self.active_pane
        pane.reload()
        pane.focus_main()
        if not isinstance(pane, OverviewPane):
            self.pane(OverviewPane).reload()  # the header's state line comes from it

    def refresh_live(self) -> None:
        self.pane(OverviewPane).reload()
        if not isinstance(self.active_pane, OverviewPane):
            self.active_pane.reload()

    @on(DataChanged)
    def _data_changed(self) -> None:
        self.refresh_live()

    # -- actions --------------------------------------------------------------

    def action_show_tab(self, pane_name: str) -> None:
        self.query_one(TabbedContent).active = pane_name

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[Section]:
        def keys(bindings: list[Any]) -> list[tuple[str, str]]:
            out = []
            for b in bindings:
                b = b if isinstance(b, Binding) else Binding(*b)
                out.append((self.get_key_display(b), b.description))
            return out

        tabs = [(", ".join(str(i) for i in range(1, len(PANES) + 1)),
                 "show a tab: " + ", ".join(p.title for p in PANES)),
                ("tab", "move between the search box, lists and panes"),
                ("↑ ↓ PgUp PgDn", "move in a list")]
        sections: list[Section] = [
            ("Everywhere", [*keys([b for b in self.BINDINGS if isinstance(b, Binding) and b.show]),
                            *tabs])]
        for pane in PANES:
            sections.append((pane.title, keys(list(pane.BINDINGS))))
        return sections

    # -- writes ---------------------------------------------------------------

    @work(thread=True, group="write")
    def run_write(self, call: Callable[[], Any], note: str | Callable[[Any], str]) -> None:
        """Run a write off the UI thread, say what it did, and have the tabs read again."""
        try:
            result = call()
        except GumdError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        text = note(result) if callable(note) else note
        self.notify(text, markup=False)
        self.post_message(DataChanged(text))

    @work(thread=True, group="write")
    def forget(self, request: ForgetRequest, what: str) -> None:
        """Forget as `gumd forget` does: count first (a dry run), ask, then delete for good."""
        try:
            plan = self.service.forget(request, dry_run=True)
        except GumdError as err:
            self.notify(str(err), severity="error", markup=False)
            return
        if not any(plan.values()):
            self.notify("Nothing matches; nothing was deleted.", markup=False)
            return
        self.call_from_thread(self._ask_forget, request, what, plan)

    def _ask_forget(self, request: ForgetRequest, what: str, plan: dict[str, int]) -> None:
        service = self.service

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_write(lambda: service.forget(request),
                               lambda done: f"Deleted {forget_summary(done)}." + (
                                   " Another process is reading the database: the text leaves "
                                   "the file when it closes." if service.wipe_pending else ""))

        self.push_screen(
            ConfirmDialog(f"Forget {what}?\n\nThis permanently deletes {forget_summary(plan)}.",
                          yes="Delete"),
            answered,
        )


#: the dashboard over ``service``; ``controls`` reach the daemon, ``runner`` runs accepted
#: suggestions' actions; ``refresh_s`` None turns live refresh off (tests, snapshots)
make_app = GumdApp


def run_tui(
    service: Service,
    controls: DaemonControls,
    *,
    runner: ActionRunner | None = None,
    refresh_s: float | None = 2.0,
) -> None:
    """Run the dashboard in this terminal until the user quits."""
    make_app(service, controls, runner=runner, refresh_s=refresh_s).run()
