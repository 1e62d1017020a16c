"""The dashboard's Questions tab, driven by Pilot against a real store."""

from __future__ import annotations

from datetime import timezone

from textual.pilot import Pilot
from textual.widgets import Input, Static

from propositions import Store
from propositions.service import QuestionPolicy, Service
from tests.conftest import FakeClock
from tui import make_app
from tui.dialogs import EditDialog
from tui.questions import QuestionsPane

from .test_tui import FakeDaemonControls, FakeRunner, drive, plain, rows, seed, settle, show, texts


def test_questions_tab_answers_yes_no_edit_skip(store: Store, clock: FakeClock) -> None:
    data = seed(store, clock)
    service = Service(store, questions=QuestionPolicy(user="Dana", per_day=4))
    app = make_app(service, FakeDaemonControls(), runner=FakeRunner(), refresh_s=None,
                   tz=timezone.utc)
    app.animation_level = "none"

    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "6")
        pane = app.query_one(QuestionsPane)
        assert pane.loaded
        assert texts(app, "questions", "question") == [
            "Do you buy coffee beans from Ritual?",
            "Do you have a doctor's appointment about back pain?",
            "Do you prefer light roast coffee?",
            "Are you planning a trip to Lisbon in June?"]
        box = plain(app.query_one("#question", Static))
        assert "55% sure; seen in Firefox — Ritual Coffee Roasters" in box
        await show(pilot, "y")
        assert store.get_proposition(data["p_cafe"]).user_feedback == "confirmed"
        assert len(rows(app, "questions")) == 3
        await show(pilot, "n")
        assert store.get_proposition(data["p_doctor"]).status == "rejected"
        await show(pilot, "s")
        assert store.get_proposition(data["p_roast"]).user_feedback is None
        assert texts(app, "questions", "question") == [
            "Are you planning a trip to Lisbon in June?"]
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditDialog)
        field = app.screen.query_one("#text", Input)
        field.value = "Dana is planning a trip to Porto in July"
        await pilot.press("enter")
        await settle(pilot)
        assert store.get_proposition(data["p_trip"]).status == "superseded"
        assert rows(app, "questions") == []
        assert "No questions for now." in plain(app.query_one("#question", Static))

    drive(app, steps)
