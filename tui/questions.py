"""The Questions tab: what gumd would like to ask you; y yes, n no, e edit, s skip."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from propositions.service import Question

from .dialogs import EditDialog
from .pane import ListPane, Row, clip


@dataclass
class QuestionsLoaded(Message):
    questions: list[Question]


class QuestionsPane(ListPane[Question]):
    title = "Questions"
    main_table = "questions"
    detail = "question"
    noun = "question"
    empty = "No questions for now."
    columns = (("question", "question"), ("sure", "sure"))
    BINDINGS = [
        Binding("y", "answer('yes')", "Yes"),
        Binding("n", "answer('no')", "No"),
        Binding("e", "edit", "Edit"),
        Binding("s", "answer('skip')", "Skip"),
    ]

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
        self.show_items(message.questions, [q.id for q in message.questions])

    def _rows(self, items: list[Question]) -> list[Row]:
        width = max(20, self.row_width - 12)
        return [(str(q.id), (Text(clip(q.question, width)),
                             f"{round((q.calibrated_confidence or 0) * 100)}%"))
                for q in items]

    def describe(self, item: Question) -> Group:
        parts = [Text(item.question, style="bold"), Text(item.why, style="dim")]
        if item.proposition is not None:
            parts.append(Text(f"#{item.proposition_id}: {item.proposition.text}"))
        parts.append(Text("y yes · n no · e say what is true · s ask later", style="dim"))
        return Group(*parts)

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
