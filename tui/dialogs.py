"""Modal dialogs: yes/no confirmation, editing a proposition's text, choosing what to forget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from propositions.errors import InvalidInput
from propositions.service import ForgetRequest
from propositions.timeparse import parse_time


_DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 70;
    max-width: 95%;
    height: auto;
    max-height: 90%;
    border: thick $primary;
    background: $surface;
    padding: 0 1;
}}
{name} .question {{
    width: 100%;
    margin-bottom: 1;
}}
{name} .error {{
    color: $error;
    height: auto;
}}
{name} Horizontal {{
    height: auto;
    align-horizontal: right;
}}
{name} Button {{
    margin-left: 1;
    min-width: 10;
}}
"""


class ConfirmDialog(ModalScreen[bool]):
    """Ask before doing something that cannot be undone; y / n (or Enter / Escape)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ConfirmDialog")
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="question", markup=False)
            with Horizontal():
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class EditDialog(ModalScreen[str | None]):
    """New wording for a proposition; Enter saves, Escape cancels."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="EditDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Say what is true instead (Enter saves, Escape cancels):", classes="question")
            yield Input(self.text, id="text")
            yield Static("", classes="error", id="error")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.query_one("#error", Static).update("The new text is empty.")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ForgetDialog(ModalScreen[ForgetRequest | None]):
    """What to forget: text, a start time and an app, combined with AND (like `gumd forget`)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="ForgetDialog") + """
    ForgetDialog .field { height: 1; margin-bottom: 1; align-horizontal: left; }
    ForgetDialog .label { width: 7; }
    ForgetDialog .field Input { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, now: Callable[[], float], tz: tzinfo | None) -> None:
        super().__init__()
        self.now = now
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Forget for good what matches all of these (Enter to review):",
                        classes="question")
            for field_id, label, hint in (
                ("query", "Text", "words to match, e.g. doctor"),
                ("since", "Since", "e.g. 2h, 3d, 1w, 2026-05-01 14:00"),
                ("app", "App", "e.g. Firefox (any case)"),
            ):
                with Horizontal(classes="field"):
                    yield Label(label, classes="label")
                    yield Input(placeholder=hint, id=field_id, compact=True)
            yield Static("", classes="error", id="error")
            with Horizontal():
                yield Button("Review (Enter)", variant="warning", id="review")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#query", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#review")
    def _review(self) -> None:
        try:
            request = self.request()
        except ValueError as err:
            self.query_one("#error", Static).update(str(err))
            return
        self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def request(self) -> ForgetRequest:
        query = self.query_one("#query", Input).value.strip() or None
        since_text = self.query_one("#since", Input).value.strip()
        app = self.query_one("#app", Input).value.strip() or None
        try:
            since = parse_time(since_text, self.now(), tz=self.tz) if since_text else None
        except InvalidInput as err:
            raise ValueError(str(err)) from None
        request = ForgetRequest(query=query, since=since, app=app)
        if request.is_empty():
            raise ValueError("Say what to forget: some text, a time, or an app.")
        return request
