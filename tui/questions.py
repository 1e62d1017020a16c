"""The Questions tab: what gumd would like to ask you; y yes, n no, e edit, s skip."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from propositions.service import Question

from .dialogs import EditDialog
from .pane import Pane, Row, clip, fill, selected_key


@dataclass
class QuestionsLoaded(Message):
    questions: list[Question]


class QuestionsPane(Pane):
    title = "Questions"
    DEFAULT_CSS = """
    QuestionsPane #questions { height: 1fr; }
    QuestionsPane #question-box { height: 1fr; border-top: solid $primary-darken-2; padding: 0 1; }
    """
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes"),
        Binding("n", "answer('no')", "No"),
        Binding("e", "edit", "Edit"),
        Binding("s", "answer('skip')", "Skip"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[int, Question] = {}
        self.listed: list[Question] = []

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(id="questions", cursor_type="row")
        table.add_column("question", key="question")
        table.add_column("sure", key="sure")
        yield table
        with VerticalScroll(id="question-box"):
            yield Static("", id="question")

    def focus_main(self) -> None:
        self.query_one("#questions", DataTable).focus()

    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="questions")
    def _load(self) -> None:
        service = self.gumd.service
        # The day's few: the dashboard asks no more often than the command does.
        found = self.guarded(service.questions)
        if found is None or get_current_worker().is_cancelled:
            return
        self.post_message(QuestionsLoaded(found))

    @on(QuestionsLoaded)
    def _show(self, message: QuestionsLoaded) -> None:
        self.items = {q.id: q for q in message.questions}
        self.listed = message.questions
        self.refill()
        self.loaded = True
        self._show_selected()

    def refill(self) -> None:
        fill(self.query_one("#questions", DataTable), self._rows(self.listed))

    def _rows(self, items: list[Question]) -> list[Row]:
        width = max(20, self.row_width - 12)
        return [(str(q.id), (Text(clip(q.question, width)),
                             f"{round((q.calibrated_confidence or 0) * 100)}%"))
                for q in items]

    @on(DataTable.RowHighlighted, "#questions")
    def _highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        item = self._selected(quiet=True)
        box = self.query_one("#question", Static)
        if item is None:
            box.update(Text("No questions for now.", style="dim") if not self.items else "")
            return
        parts = [Text(item.question, style="bold"), Text(item.why, style="dim")]
        if item.proposition is not None:
            parts.append(Text(f"#{item.proposition_id}: {item.proposition.text}"))
        parts.append(Text("y yes · n no · e say what is true · s ask later", style="dim"))
        box.update(Group(*parts))

    def _selected(self, quiet: bool = False) -> Question | None:
        key = selected_key(self.query_one("#questions", DataTable))
        item = self.items.get(int(key)) if key else None
        if item is None and not quiet:
            self.app.notify("Select a question first.", severity="warning")
        return item

    def action_answer(self, answer: str) -> None:
        item = self._selected()
        if item is None:
            return
        service, qid = self.gumd.service, item.id
        said = {"yes": "Confirmed", "no": "Rejected", "skip": "Skipped"}[answer]
        self.write(lambda: service.answer_question(qid, answer),
                   lambda done: f"{said}: {done[1].text}")

    def action_edit(self) -> None:
        item = self._selected()
        if item is None or item.proposition is None:
            return
        service, qid, old = self.gumd.service, item.id, item.proposition.text

        def save(text: str | None) -> None:
            if text and text != old:
                self.write(lambda: service.answer_question(qid, "edit", text),
                           lambda done: f"#{item.proposition_id} replaced by "
                                        f"#{done[1].id}: {done[1].text}")

        self.app.push_screen(EditDialog(old), save)
