"""The Propositions tab: search as you type, sort, a detail pane, confirm / reject / edit / delete."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Static
from textual.timer import Timer
from textual.worker import get_current_worker

from propositions.models import Proposition
from propositions.service import ForgetRequest, PropositionDetail

from . import reads
from .dialogs import EditDialog
from .messages import DetailLoaded, PropositionsLoaded
from .pane import Pane, Row, clip, fill, row_table, selected_key
from .timefmt import ago

#: how long the highlighted row must stay put before its detail is read
DETAIL_DELAY_S = 0.2
_FEEDBACK_MARK = {"confirmed": " ✓", "edited": " ✎"}


def forget_summary(counts: dict[str, int]) -> str:
    """The CLI's wording of what forgetting removes."""
    parts = [f"{counts.get(k, 0)} {k}" for k in ("propositions", "observations", "screenshots")]
    if counts.get("suggestions"):
        parts.append(f"{counts['suggestions']} suggestions")
    return ", ".join(parts)


class PropositionFeedback:
    """Confirm, reject and delete for a pane that lists propositions in a table.

    A pane mixes this in, names its table in ``feedback_table`` and the
    attribute holding the propositions it shows (id -> Proposition) in
    ``propositions_attr``.
    """

    feedback_table = "#results"
    propositions_attr = "props"
    nothing_selected = "Select a proposition first."

    def _selected(self) -> tuple[int, Proposition] | None:
        pane: Any = self
        key = selected_key(pane.query_one(self.feedback_table, DataTable))
        prop = getattr(self, self.propositions_attr).get(int(key)) if key else None
        if key is None or prop is None:
            pane.app.notify(self.nothing_selected, severity="warning")
            return None
        return int(key), prop

    def action_confirm(self) -> None:
        if (selected := self._selected()) is not None:
            confirm_proposition(self, selected[0])  # type: ignore[arg-type]

    def action_reject(self) -> None:
        if (selected := self._selected()) is not None:
            reject_proposition(self, selected[0])  # type: ignore[arg-type]

    def action_delete(self) -> None:
        if (selected := self._selected()) is not None:
            delete_proposition(self, *selected)  # type: ignore[arg-type]




class PropositionsPane(PropositionFeedback, Pane):
    title = "Propositions"
    main_table = "results"
    DEFAULT_CSS = """
    PropositionsPane #search-row { height: 1; margin-bottom: 1; }
    PropositionsPane #search { width: 1fr; }
    PropositionsPane #sort { width: auto; padding: 0 1; color: $text-muted; }
    PropositionsPane #results { height: 1fr; }
    PropositionsPane #detail-box { height: 1fr; border-top: solid $primary-darken-2; padding: 0 1; }
    """
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("s", "sort", "Sort"),
        Binding("c", "confirm", "Confirm"),
        Binding("x", "reject", "Reject"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = reads.SORTS[0]
        #: the search text whose results are on screen (tests and the benchmark wait on it)
        self.shown_text: str | None = None
        self.shown: list[Proposition] = []
        self.props: dict[int, Proposition] = {}
        self.detail: PropositionDetail | None = None
        self._detail_timer: Timer | None = None
        self._note = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="search-row"):
            yield Input(placeholder="Search propositions (type to filter, ↓ to the list)",
                        id="search", compact=True)
            yield Static(self._sort_label(), id="sort")
        yield row_table("results", [("#", "id"), ("conf", "conf"), ("proposition", "text"),
                                    ("evidence", "seen")])
        with VerticalScroll(id="detail-box"):
            yield Static("", id="detail")


    @property
    def text(self) -> str:
        return self.query_one("#search", Input).value

    def reload(self) -> None:
        self._load(self.text, self.sort)

    # -- loading ------------------------------------------------------------

    @work(thread=True, exclusive=True, group="propositions")
    def _load(self, text: str, sort: str) -> None:
        service = self.gumd.service
        props = self.guarded(lambda: reads.search(service, text, sort))
        if props is not None and not get_current_worker().is_cancelled:
            self.post_message(PropositionsLoaded(text, sort, props))

    @on(PropositionsLoaded)
    def _show(self, message: PropositionsLoaded) -> None:
        if message.text != self.text or message.sort != self.sort:
            return  # the user typed on; newer results are on their way
        self.shown = message.propositions
        self.props = {p.id: p for p in message.propositions if p.id is not None}
        fill(self.query_one("#results", DataTable), self._rows(message.propositions))
        self.shown_text = message.text
        self.loaded = True
        if not message.propositions:
            note = ("No matching propositions." if message.text.strip()
                    else "No propositions yet: gumd has not learnt anything about you.")
            if self.detail is not None or note != self._note:
                # Updating the pane costs a layout pass: skip it while typing on finds nothing.
                self.detail, self._note = None, note
                self.query_one("#detail", Static).update(Text(note, style="dim"))

    def _rows(self, props: list[Proposition]) -> list[Row]:
        now = self.gumd.clock()
        width = max(20, self.row_width - 26)
        return [
            (str(p.id), (
                Text(str(p.id), style="dim"),
                f"{p.confidence:.2f}",
                clip(p.text, width - 2) + _FEEDBACK_MARK.get(p.user_feedback or "", ""),
                ago(p.last_evidence_at, now),
            ))
            for p in props
        ]

    def refill(self) -> None:
        if self.shown:  # the text column takes what the others leave
            fill(self.query_one("#results", DataTable), self._rows(self.shown))

    @on(DataTable.RowHighlighted, "#results")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self._detail_timer is not None:
            self._detail_timer.stop()
        if event.row_key.value is not None:
            # Wait for the cursor (or the typing) to rest: a detail read per keystroke
            # would compete with the next search for the database and the GIL.
            prop_id = int(event.row_key.value)
            self._detail_timer = self.set_timer(DETAIL_DELAY_S, lambda: self._load_detail(prop_id))

    @work(thread=True, exclusive=True, group="detail")
    def _load_detail(self, prop_id: int) -> None:
        service = self.gumd.service
        detail = self.guarded(lambda: service.show(prop_id))
        if detail is not None and not get_current_worker().is_cancelled:
            self.post_message(DetailLoaded(detail))

    @on(DetailLoaded)
    def _show_detail(self, message: DetailLoaded) -> None:
        if str(message.detail.proposition.id) != selected_key(self.query_one("#results", DataTable)):
            return
        self.detail, self._note = message.detail, ""
        self.query_one("#detail", Static).update(render_detail(message.detail, self.gumd.clock()))

    # -- searching ------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _typed(self, event: Input.Changed) -> None:
        self._load(event.value, self.sort)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.focus_main()

    def on_key(self, event: events.Key) -> None:
        search = self.query_one("#search", Input)
        if search.has_focus and event.key in ("down", "escape"):
            event.stop()
            self.focus_main()

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_sort(self) -> None:
        self.sort = reads.SORTS[(reads.SORTS.index(self.sort) + 1) % len(reads.SORTS)]
        self.query_one("#sort", Static).update(self._sort_label())
        self.reload()

    def _sort_label(self) -> str:
        return f"sort: {self.sort} (s)"

    # -- feedback -------------------------------------------------------------

    def action_edit(self) -> None:
        selected = self._selected()
        if selected is None:
            return
        prop_id, prop = selected
        service = self.gumd.service

        def save(text: str | None) -> None:
            if text and text != prop.text:
                self.write(lambda: service.edit(prop_id, text),
                           lambda new: f"#{prop_id} replaced by #{new.id}: {new.text}")

        self.app.push_screen(EditDialog(prop.text), save)




def confirm_proposition(pane: Pane, prop_id: int) -> None:
    service = pane.gumd.service
    pane.write(lambda: service.confirm(prop_id),
               lambda p: f"#{p.id} {p.user_feedback}: {p.text}")


def reject_proposition(pane: Pane, prop_id: int) -> None:
    service = pane.gumd.service
    pane.write(lambda: service.reject(prop_id),
               lambda p: f"#{p.id} {p.user_feedback}: {p.text}")


def delete_proposition(pane: Pane, prop_id: int, prop: Proposition) -> None:
    """Forget it and every version of it, as `gumd forget --id` does (asking first)."""
    pane.gumd.forget(ForgetRequest(ids=[prop_id]), f"proposition #{prop_id} “{prop.text}”")


def render_detail(detail: PropositionDetail, now: float) -> Group:
    """Text, reasoning, evidence observations and revision history, like `gumd show`."""
    p = detail.proposition
    parts: list[Text] = [Text.assemble((f"#{p.id} ", "dim"), (p.text, "bold"))]
    facts = (f"confidence {p.confidence:.2f} · decay {p.decay} · {p.status} · source {p.source}"
             + (f" · you {p.user_feedback} it" if p.user_feedback else ""))
    parts.append(Text(facts, style="dim"))
    parts.append(Text(f"created {ago(p.created_at, now)} · last evidence {ago(p.last_evidence_at, now)}",
                      style="dim"))
    if p.sensitive:
        parts.append(Text(f"flagged for review: {p.sensitive.replace(',', ', ')}", style="yellow"))
    if p.provenance:
        parts.append(Text("rests on what you did (wrote, sent, edited, ran)" if p.provenance == "did"
                          else "rests only on what you were shown", style="dim"))
    if p.reasoning:
        parts.append(Text.assemble(("reasoning: ", "bold"), p.reasoning))
    parts.append(Text(f"evidence ({len(detail.evidence)}):", style="bold"))
    for link in detail.evidence:
        o = link.observation
        if o is None:
            continue
        snippet = " ".join(o.content.split())[:70]
        line = Text.assemble(
            (f"  [{link.relation}] ", "green" if link.relation == "supports" else "red"),
            f"#{o.id} {ago(o.captured_at, now)} {o.app or '-'}",
            f" — {o.window_title}" if o.window_title else "",
            (f" · {snippet}" if snippet else "", "dim"),
        )
        parts.append(line)
    if detail.history:
        parts.append(Text("history:", style="bold"))
        for h in detail.history:
            old = detail.versions.get(h.old_id)
            new = detail.versions.get(h.new_id)
            parts.append(Text(f"  {ago(h.created_at, now)} {h.kind}: #{h.old_id} "
                              f"“{old.text if old else '?'}” → #{h.new_id} “{new.text if new else '?'}”"))
    return Group(*parts)
