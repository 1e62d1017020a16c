"""The dashboard: Pilot tests against a real store with fixture data, and screen snapshots."""

from __future__ import annotations

import asyncio
import difflib
import io
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_textual_snapshot import SVGImageExtension, normalize_svg
from textual.pilot import Pilot
from rich.console import Console
from textual.widgets import DataTable, Input, Static, TabbedContent

from propositions import Observation, Proposition, Store, Suggestion
from propositions.errors import NotFound
from propositions.service import Service
from tests.conftest import T0, FakeClock
from tui import DaemonControls, GumdApp, make_app
from tui.dialogs import ConfirmDialog, EditDialog, ForgetDialog
from tui.help import HelpScreen
from tui.overview import OverviewPane
from tui.privacy import PrivacyPane
from tui.propositions_tab import PropositionsPane
from tui.suggestions import SuggestionsPane
from tui.timeline import TimelinePane, entries

SIZE = (80, 24)
HOUR = 3600.0


class FakeDaemonControls:
    """Stands in for the daemon: a fixed status, and a record of pause/resume calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []
        self.paused_until: float | None = None
        self.paused = False
        self.progress: dict[str, Any] | None = None
        self.state: str | None = None
        self.model_usage: dict[str, Any] | None = None  # None: the statistical inferrer

    def status(self) -> dict[str, Any]:
        return {
            "state": self.state or ("paused" if self.paused else "running"),
            "progress": self.progress,
            "model_usage": self.model_usage,
            "problems": [],
            "pid": 4242,
            "paused": self.paused,
            "paused_until": self.paused_until,
            "idle": False,
            "observers": ["window", "screen", "input"],
            "last_capture_at": T0 - 40,
            "last_inference_at": T0 - 5 * 60,
            "captures_per_hour": 58.0,
            "inferences_per_hour": 55.0,
            "queue": {"pending": 3, "processing": 0, "done": 120, "failed": 1},
            "backend": "statistical",
            "model": None,
            "db_path": "~/.local/share/gumd/gumd.db",
            "db_bytes": 3_450_000,
        }

    def pause(self, until: float | None) -> None:
        self.calls.append(("pause", until))
        self.paused, self.paused_until = True, until

    def resume(self) -> None:
        self.calls.append(("resume", None))
        self.paused, self.paused_until = False, None

    def exclusions(self) -> dict[str, Any]:
        return {
            "apps": ["1Password", "Bitwarden", "KeePassXC", "loginwindow"],
            "window titles": [r"\bincognito\b", r"\bprivate browsing\b"],
            "redaction": "secrets always; e-mail addresses",
        }


class FakeRunner:
    """Records the actions it was asked to run."""

    def __init__(self) -> None:
        self.ran: list[Mapping[str, Any]] = []

    def run(self, action: Mapping[str, Any]) -> str:
        self.ran.append(dict(action))
        return f"opened {action.get('url')}"


# -- fixture data: one afternoon, at fixed times before T0 (20:26 UTC) -------------------


def seed(store: Store, clock: FakeClock) -> dict[str, int]:
    """Observations with an idle period and a gap, propositions with evidence and history."""
    def obs(ago_s: float, app: str | None, title: str, content: str, dur: float,
            observer: str = "window", content_type: str = "text/plain") -> int:
        return store.enqueue([Observation(
            captured_at=T0 - ago_s, observer=observer, app=app, window_title=title, content=content,
            duration=dur, content_type=content_type)])[0]

    ids: dict[str, int] = {}
    ids["o_flights"] = obs(5 * HOUR, "Firefox", "Flights to Lisbon — Kayak", "flights to Lisbon in June", HOUR)
    ids["o_code"] = obs(4 * HOUR, "Code", "store.py — gumd", "def forget(self, request)", 55 * 60)
    ids["o_idle"] = obs(3 * HOUR + 5 * 60, None, "", "idle for 25 min", 25 * 60, "input", "text/x-idle")
    ids["o_coffee"] = obs(2 * HOUR + 40 * 60, "Firefox", "Ritual Coffee Roasters", "order dark roast beans",
                          40 * 60)
    # nothing recorded for the hour before the doctor's message: a gap
    ids["o_doctor"] = obs(HOUR, "Signal", "Dr. Patel", "appointment on Tuesday about back pain", 10 * 60)
    ids["o_code2"] = obs(50 * 60, "Code", "retrieve.py — gumd", "def query(store, text)", 40 * 60)
    store.mark_done(list(ids.values()))

    def prop(text: str, conf: float, evidence: list[int], reasoning: str = "",
             sensitive: str = "") -> int:
        return store.add_proposition(Proposition(
            text=text, confidence=conf, reasoning=reasoning, source="statistical",
            sensitive=sensitive), evidence)

    ids["p_trip"] = prop("Dana is planning a trip to Lisbon in June", 0.8, [ids["o_flights"]],
                         "Searched for flights to Lisbon on June dates.")
    ids["p_code"] = prop("Dana works on the gumd codebase in Python", 0.9,
                         [ids["o_code"], ids["o_code2"]], "Edits store.py and retrieve.py daily.")
    ids["p_cafe"] = prop("Dana buys coffee beans from Ritual", 0.55, [ids["o_coffee"]])
    ids["p_doctor"] = prop("Dana has a doctor's appointment about back pain", 0.7,
                           [ids["o_doctor"]], "A message from Dr. Patel.", sensitive="health")
    old = prop("Dana prefers dark roast coffee", 0.4, [ids["o_coffee"]])
    clock.advance(-HOUR)  # the revision happened an hour ago
    ids["p_roast"] = store.supersede([old], Proposition(
        text="Dana prefers light roast coffee", confidence=0.6, source="statistical",
        reasoning="Switched to a light roast order."), "edit", note="newer order")
    clock.advance(HOUR)
    ids["p_roast_old"] = old

    def suggest(**fields: Any) -> int:
        sugg_id = store.add_suggestion(Suggestion(**fields))
        assert sugg_id is not None
        return sugg_id

    ids["s_flight"] = suggest(
        title="Book the Lisbon flight before prices rise", body="Fares for June went up 8% this week.",
        action={"type": "open_url", "url": "https://www.kayak.com/flights/LIS"},
        kind="reminder", proposition_ids=[ids["p_trip"]], created_at=T0 - 30 * 60)
    ids["s_break"] = suggest(
        title="Take a break: you have coded for two hours", kind="wellbeing", status="shown",
        created_at=T0 - 2 * HOUR)
    return ids


@pytest.fixture
def data(store: Store, clock: FakeClock) -> dict[str, int]:
    return seed(store, clock)


@pytest.fixture
def controls() -> FakeDaemonControls:
    return FakeDaemonControls()


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def app(service: Service, controls: FakeDaemonControls, runner: FakeRunner,
        data: dict[str, int]) -> GumdApp:
    # UTC and the fake clock: every time on screen is the same on every machine.
    app = make_app(service, controls, runner=runner, refresh_s=None, tz=timezone.utc)
    app.animation_level = "none"  # the pilot waits out animations after every key
    return app


def drive(app: GumdApp, steps: Callable[[Pilot[None]], Awaitable[None]]) -> None:
    """Run the app headless at 80×24 and play ``steps`` against it."""
    async def main() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await steps(pilot)

    asyncio.run(main())


async def settle(pilot: Pilot[None]) -> None:
    """Let workers finish and their messages (and the loads those start) be handled."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def show(pilot: Pilot[None], key: str) -> None:
    await pilot.press(key)
    await settle(pilot)


def plain(widget: Static) -> str:
    """The text a Static shows, as 80 columns of plain text."""
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def rows(app: GumdApp, table_id: str) -> list[str]:
    table = app.query_one(f"#{table_id}", DataTable)
    return [str(k.value) for k in table.rows]


def texts(app: GumdApp, table_id: str, column: str) -> list[str]:
    table = app.query_one(f"#{table_id}", DataTable)
    return [str(table.get_cell(k, column)) for k in table.rows]


async def wait_for(pilot: Pilot[None], check: Callable[[], bool], tries: int = 100) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.01)
    assert check()


# -- the factory and the controls ---------------------------------------------------


def test_fake_controls_fit_the_protocol(controls: FakeDaemonControls) -> None:
    assert isinstance(controls, DaemonControls)


def test_overview_shows_the_batch_in_hand_and_what_is_left(
        app: GumdApp, controls: FakeDaemonControls) -> None:
    controls.progress = {"step": "reading screenshots", "done": 7, "total": 12, "batch": True,
                         "observations": 20, "step_started_at": T0 - 90}

    async def steps(pilot: Pilot[None]) -> None:
        await settle(pilot)
        screen = plain(app.query_one("#overview", Static))
        assert "Working on" in screen
        line = next(row for row in screen.splitlines() if "Working on" in row)
        assert "reading screenshots 7/12" in line
        assert "batch of 20 · 3 more waiting · for 1m" in line, line

    drive(app, steps)


def test_overview_shows_model_calls_only_with_a_model_in_use(
        app: GumdApp, controls: FakeDaemonControls) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await settle(pilot)
        screen = plain(app.query_one("#overview", Static))
        assert "Model" not in screen and "Per observation" not in screen
        controls.model_usage = {
            "calls_per_hour": 12, "prompt_tokens_per_hour": 4800, "completion_tokens_per_hour": 600,
            "errors_per_hour": 1, "median_latency_s": 2.345, "batches_per_hour": 6,
            "observations_per_hour": 40, "prompt_tokens_per_observation": 120.0,
            "completion_tokens_per_observation": 15.0, "calls_per_batch": 2.0}
        app.query_one(OverviewPane).reload()
        await settle(pilot)
        screen = plain(app.query_one("#overview", Static))
        calls = next(row for row in screen.splitlines() if "Model calls" in row)
        assert "12/h · median 2.35 s · 1 failed/h" in calls, calls
        tokens = next(row for row in screen.splitlines() if "Model tokens" in row)
        assert "4800 prompt + 600 completion/h" in tokens, tokens
        per = next(row for row in screen.splitlines() if "Per observation" in row)
        assert "120 prompt + 15 completion tokens · 2 calls a batch" in per, per
        controls.model_usage = {**controls.model_usage, "prompt_tokens_per_observation": None,
                                "completion_tokens_per_observation": None, "calls_per_batch": None}
        app.query_one(OverviewPane).reload()
        await settle(pilot)
        assert "no batch in the last hour" in plain(app.query_one("#overview", Static))

    drive(app, steps)


def test_overview_says_starting(app: GumdApp, controls: FakeDaemonControls) -> None:
    controls.state = "starting"

    async def steps(pilot: Pilot[None]) -> None:
        await settle(pilot)
        assert "starting" in plain(app.query_one("#overview", Static))
        assert app.sub_title == "starting"

    drive(app, steps)


def test_overview_shows_the_daemon_and_pause_resume_call_the_controls(
        app: GumdApp, controls: FakeDaemonControls) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await settle(pilot)
        overview = app.query_one(OverviewPane)
        assert overview.loaded
        screen = plain(app.query_one("#overview", Static))
        assert "running" in screen and "statistical" in screen
        await show(pilot, "p")
        assert controls.calls == [("pause", None)]
        assert "paused" in plain(app.query_one("#overview", Static))
        await show(pilot, "r")
        await show(pilot, "h")
        assert controls.calls[1] == ("resume", None)
        assert controls.calls[2] == ("pause", T0 + HOUR)

    drive(app, steps)


def test_help_screen_lists_the_keys(app: GumdApp) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = plain(app.screen.query_one("#help", Static))
        for words in ("Confirm", "Reject", "Edit", "Delete", "Accept", "Snooze 1h", "Pause",
                      "Forget", "Earlier day"):
            assert words in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

    drive(app, steps)


# -- propositions -----------------------------------------------------------------


def test_search_as_you_type_updates_per_keystroke(app: GumdApp, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        pane = app.query_one(PropositionsPane)
        assert set(rows(app, "results")) == {str(data[k]) for k in
                                              ("p_trip", "p_code", "p_cafe", "p_doctor", "p_roast")}
        await pilot.press("slash")
        assert app.query_one("#search", Input).has_focus
        seen = []
        for key in "lisb":
            await pilot.press(key)
            await wait_for(pilot, lambda: pane.shown_text == app.query_one("#search", Input).value)
            seen.append((pane.shown_text, rows(app, "results")))
        # Under 4 letters the last word matches whole words only (a short prefix would rank
        # most of a large store); from 4 letters on it is a prefix.
        assert seen == [("l", []), ("li", []), ("lis", []), ("lisb", [str(data["p_trip"])])]
        await pilot.press(*["backspace"] * 4, *"coff")
        await wait_for(pilot, lambda: pane.shown_text == "coff")
        assert set(rows(app, "results")) == {str(data["p_cafe"]), str(data["p_roast"])}
        await pilot.press(*["backspace"] * 4, "z", "z", "q")
        await wait_for(pilot, lambda: pane.shown_text == "zzq")
        assert rows(app, "results") == []

    drive(app, steps)


def test_sort_by_confidence_and_recency(app: GumdApp, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        await show(pilot, "s")
        assert app.query_one(PropositionsPane).sort == "confidence"
        confs = [float(c) for c in texts(app, "results", "conf")]
        assert confs == sorted(confs, reverse=True)
        await show(pilot, "s")
        assert rows(app, "results")[0] == str(data["p_code"])  # evidence 10 minutes ago

    drive(app, steps)


def test_detail_pane_shows_reasoning_evidence_and_history(app: GumdApp, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        await pilot.press("slash", *"light", "enter")
        pane = app.query_one(PropositionsPane)
        await wait_for(pilot, lambda: pane.shown_text == "light")
        await wait_for(pilot, lambda: pane.detail is not None
                       and pane.detail.proposition.id == data["p_roast"])
        shown = plain(app.query_one("#detail", Static))
        assert "Switched to a light roast order." in shown
        assert "Ritual Coffee Roasters" in shown
        assert f"edit: #{data['p_roast_old']} “Dana prefers dark roast coffee”" in shown

    drive(app, steps)


async def _select(pilot: Pilot[None], text: str, prop_id: int) -> None:
    app = pilot.app
    pane = app.query_one(PropositionsPane)
    search = app.query_one("#search", Input)
    search.value = text
    await wait_for(pilot, lambda: pane.shown_text == text)
    await settle(pilot)
    table = app.query_one("#results", DataTable)
    table.move_cursor(row=table.get_row_index(str(prop_id)))
    table.focus()
    await settle(pilot)


def test_confirm_reject_edit_change_the_store_as_the_cli_does(
        app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        await _select(pilot, "", data["p_trip"])
        await show(pilot, "c")
        assert service.store.get_proposition(data["p_trip"]).user_feedback == "confirmed"
        assert "✓" in " ".join(texts(app, "results", "text"))

        await _select(pilot, "", data["p_cafe"])
        await show(pilot, "x")
        rejected = service.store.get_proposition(data["p_cafe"])
        assert (rejected.status, rejected.user_feedback) == ("rejected", "rejected")
        assert str(data["p_cafe"]) not in rows(app, "results")

        await _select(pilot, "", data["p_code"])
        await pilot.press("e")
        assert isinstance(app.screen, EditDialog)
        field = app.screen.query_one("#text", Input)
        field.value = "Dana maintains gumd, a Python daemon"
        await pilot.press("enter")
        await settle(pilot)
        old = service.store.get_proposition(data["p_code"])
        assert old.status == "superseded"
        detail = service.show(data["p_code"])
        (new_id,) = detail.superseded_by
        new = service.store.get_proposition(new_id)
        assert (new.text, new.source, new.user_feedback) == (
            "Dana maintains gumd, a Python daemon", "user", "edited")
        assert detail.history[-1].kind == "user_edit"
        assert str(new_id) in rows(app, "results")

    drive(app, steps)


def test_escape_cancels_edit(app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        await _select(pilot, "", data["p_code"])
        await pilot.press("e", "escape")
        await settle(pilot)
        assert service.store.get_proposition(data["p_code"]).status == "active"

    drive(app, steps)


def test_delete_asks_then_forgets_every_version(
        app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "2")
        await _select(pilot, "", data["p_roast"])
        await show(pilot, "d")
        assert isinstance(app.screen, ConfirmDialog)
        assert "2 propositions" in app.screen.question  # the version it replaced goes too
        await show(pilot, "n")
        assert service.store.get_proposition(data["p_roast"]).status == "active"
        await show(pilot, "d")
        await show(pilot, "y")
        for key in ("p_roast", "p_roast_old"):
            with pytest.raises(NotFound):
                service.store.get_proposition(data[key])
        assert str(data["p_roast"]) not in rows(app, "results")
        # the observation behind it still backs another proposition, so it stays
        assert service.store.get_observation(data["o_coffee"])

    drive(app, steps)


# -- suggestions ------------------------------------------------------------------


def test_accept_asks_then_runs_the_action(
        app: GumdApp, service: Service, runner: FakeRunner, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "3")
        assert rows(app, "suggestions")[0] == str(data["s_flight"])
        assert str(app.query_one("#suggestions", DataTable).get_cell(str(data["s_flight"]), "mark")) == "●"
        app.query_one("#suggestions", DataTable).focus()
        await show(pilot, "a")
        assert isinstance(app.screen, ConfirmDialog)
        assert "This will open https://www.kayak.com/flights/LIS in the web browser." in app.screen.question
        await show(pilot, "y")
        assert runner.ran == [{"type": "open_url", "url": "https://www.kayak.com/flights/LIS"}]
        assert service.get_suggestion(data["s_flight"]).status in ("accepted", "done")

    drive(app, steps)


def test_accept_names_the_exact_file_and_refuses_a_program(
        service: Service, controls: FakeDaemonControls, data: dict[str, int], tmp_path: Any) -> None:
    from propositions.actions import ActionRunner

    doc = tmp_path / "Q3 plan.odt"
    doc.write_text("x")
    opened: list[str] = []
    runner = ActionRunner(tmp_path / "notes", tmp_path / "reminders", opener=opened.append)
    store = service.store
    ids = {name: store.add_suggestion(Suggestion(
        title=f"Pick up {path.name}", kind="resume_work", action={"type": "open_file", "path": str(path)},
        dedupe_key=f"file|{path}", created_at=T0 - 60 * (n + 1))) for n, (name, path) in enumerate(
        (("doc", doc), ("program", tmp_path / "tool")))}
    (tmp_path / "tool").write_text("x")  # a document when suggested ...
    app = make_app(service, controls, runner=runner, refresh_s=None, tz=timezone.utc)
    app.animation_level = "none"

    async def steps(pilot: Pilot[None]) -> None:
        (tmp_path / "tool").chmod(0o755)  # ... a program by the time it is accepted
        await show(pilot, "3")
        table = app.query_one("#suggestions", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(ids["doc"])))
        await settle(pilot)
        assert f"accepting will: open the file {doc}" in plain(app.query_one("#suggestion", Static)).replace("\n", "")
        await show(pilot, "a")
        assert isinstance(app.screen, ConfirmDialog)
        assert f"This will open the file {doc}." in app.screen.question
        await show(pilot, "y")
        assert opened == [str(doc)]
        table.move_cursor(row=table.get_row_index(str(ids["program"])))
        await settle(pilot)
        assert "is executable" in plain(app.query_one("#suggestion", Static)).replace("\n", "")
        await show(pilot, "a")
        assert not isinstance(app.screen, ConfirmDialog)  # nothing to say yes to
        assert opened == [str(doc)]
        assert service.get_suggestion(ids["program"]).status != "accepted"

    drive(app, steps)


def test_dismiss_and_snooze(app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "3")
        table = app.query_one("#suggestions", DataTable)
        table.focus()
        table.move_cursor(row=table.get_row_index(str(data["s_break"])))
        await show(pilot, "d")
        assert service.get_suggestion(data["s_break"]).status == "dismissed"
        assert str(data["s_break"]) not in rows(app, "suggestions")
        table.move_cursor(row=table.get_row_index(str(data["s_flight"])))
        await show(pilot, "z")
        snoozed = service.get_suggestion(data["s_flight"])
        assert (snoozed.status, snoozed.snoozed_until) == ("snoozed", T0 + HOUR)

    drive(app, steps)


# -- timeline ---------------------------------------------------------------------


def test_timeline_marks_idle_periods_and_gaps(app: GumdApp, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "4")
        keys = rows(app, "timeline")
        assert keys == [f"obs-{data['o_flights']}", f"obs-{data['o_code']}", f"obs-{data['o_idle']}",
                        f"obs-{data['o_coffee']}", "gap-4", f"obs-{data['o_doctor']}",
                        f"obs-{data['o_code2']}"]
        assert texts(app, "timeline", "app")[2] == "idle"
        assert texts(app, "timeline", "for")[4] == "1h00m"
        assert "Firefox" in plain(app.query_one("#day", Static))
        await show(pilot, "left_square_bracket")
        assert rows(app, "timeline") == []
        await show(pilot, "t")
        assert len(rows(app, "timeline")) == 7

    drive(app, steps)


def test_entries_put_gaps_where_nothing_was_recorded() -> None:
    def o(at: float, dur: float) -> Observation:
        return Observation(captured_at=at, observer="window", duration=dur)

    found = entries([o(0, 100), o(50, 900), o(1000, 0), o(2000, 0)], gap_s=600)
    assert [e.kind for e in found] == ["observation", "observation", "observation", "gap", "observation"]
    assert (found[3].start, found[3].seconds) == (1000, 1000)


# -- privacy ----------------------------------------------------------------------


def test_privacy_lists_exclusions_and_flagged_propositions(
        app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "5")
        shown = plain(app.query_one("#exclusions", Static))
        assert "1Password" in shown and "incognito" in shown
        assert rows(app, "flagged") == [str(data["p_doctor"])]
        await show(pilot, "c")
        assert service.store.get_proposition(data["p_doctor"]).user_feedback == "confirmed"
        await show(pilot, "x")
        assert service.store.get_proposition(data["p_doctor"]).status == "rejected"
        assert rows(app, "flagged") == []

    drive(app, steps)


def test_forget_by_app_and_time_asks_with_the_counts(
        app: GumdApp, service: Service, data: dict[str, int]) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "5")
        await pilot.press("f")
        assert isinstance(app.screen, ForgetDialog)
        app.screen.query_one("#since", Input).value = "90m"
        app.screen.query_one("#app", Input).value = "signal"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "1 propositions, 1 observations" in app.screen.question
        await show(pilot, "y")
        with pytest.raises(NotFound):
            service.store.get_observation(data["o_doctor"])
        with pytest.raises(NotFound):  # left with no evidence, so it goes too (as in the CLI)
            service.store.get_proposition(data["p_doctor"])
        assert service.store.get_observation(data["o_code2"])  # after 90m ago, but from Code

    drive(app, steps)


def test_forget_dialog_refuses_an_empty_or_unreadable_request(app: GumdApp) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await show(pilot, "5")
        await pilot.press("f", "enter")
        assert isinstance(app.screen, ForgetDialog)
        assert "Say what to forget" in plain(app.screen.query_one("#error", Static))
        app.screen.query_one("#since", Input).value = "last tuesday-ish"
        await pilot.press("enter")
        assert "cannot read" in plain(app.screen.query_one("#error", Static))
        await pilot.press("escape")
        assert not isinstance(app.screen, ForgetDialog)  # the dialog closed, back on the privacy tab
        assert app.screen.query_one(TabbedContent).active == PrivacyPane.__name__

    drive(app, steps)


# -- layout -----------------------------------------------------------------------


def test_every_tab_renders_at_80x24(app: GumdApp) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        for key, pane in (("1", OverviewPane), ("2", PropositionsPane), ("3", SuggestionsPane),
                          ("4", TimelinePane), ("5", PrivacyPane)):
            await show(pilot, key)
            widget = app.query_one(pane)
            assert widget.loaded
            assert widget.region.width == 80 and widget.region.height >= 16

    drive(app, steps)


# -- snapshots (pytest-textual-snapshot's files; update with --snapshot-update) ----------

#: pictures taken of a fresh dashboard before one is judged different from the stored one
SNAPSHOT_TRIES = 3


def svg_lines(svg: str) -> list[str]:
    """The text rows of a Textual SVG screenshot, for a readable diff when pictures differ."""
    import html

    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    out = []
    for y in sorted(rows):
        line = ""
        for x, text in sorted(rows[y]):
            line = line.ljust(round(x / 12.2)) + text
        out.append(line.replace("\xa0", " ").rstrip())
    return out


def picture(tmp_path: Path, keys: str) -> str:
    """An SVG screenshot of a dashboard on a freshly seeded store, after pressing ``keys``."""
    from textual._doc import take_svg_screenshot

    clock = FakeClock()
    tmp_path.mkdir(parents=True)
    store = Store(tmp_path / "gumd.db", clock=clock, busy_timeout_s=5)
    try:
        seed(store, clock)
        app = make_app(Service(store), FakeDaemonControls(), runner=FakeRunner(), refresh_s=None,
                       tz=timezone.utc)
        app.animation_level = "none"

        async def run_before(pilot: Pilot[None]) -> None:
            for key in keys:
                await show(pilot, {"?": "question_mark"}.get(key, key))
            if keys.startswith("2"):
                pane = app.query_one(PropositionsPane)
                await wait_for(pilot, lambda: pane.detail is not None)
            await settle(pilot)
            # every table laid out at its full width before the picture (a busy machine can
            # be a frame behind)
            await wait_for(pilot, lambda: all(t.size.width > 40 for t in app.screen.query(DataTable)
                                              if t.display and t.region.width))
            await pilot.wait_for_scheduled_animations()
            await settle(pilot)

        return normalize_svg(take_svg_screenshot(app=app, terminal_size=SIZE, run_before=run_before))
    finally:
        store.close()


@pytest.mark.parametrize("keys", [
    pytest.param("1", id="overview"),
    pytest.param("2", id="propositions"),
    pytest.param("3", id="suggestions"),
    pytest.param("4", id="timeline"),
    pytest.param("5", id="privacy"),
    pytest.param("2?", id="help"),
])
def test_snapshot(tmp_path: Path, snapshot: Any, request: pytest.FixtureRequest, keys: str) -> None:
    """Each tab looks as its stored picture shows.

    A busy machine can take the picture a frame before the last layout lands, so a picture that
    differs is taken again, each time of a new dashboard on a new store (up to SNAPSHOT_TRIES):
    a real change in the dashboard differs every time and still fails.
    """
    stored = Path(request.node.path).parent / "__snapshots__" / "test_tui" / f"{request.node.name}.svg"
    expected = normalize_svg(stored.read_text()) if stored.exists() else None
    updating = bool(request.config.getoption("--snapshot-update", default=False))
    taken = [picture(tmp_path / "try0", keys)]
    while expected is not None and not updating and taken[-1] != expected \
            and len(taken) < SNAPSHOT_TRIES:
        taken.append(picture(tmp_path / f"try{len(taken)}", keys))
    if expected is not None and not updating and taken[-1] != expected:
        # Said in few lines, where a CI log's tail shows them: which rows differ.
        want, got = svg_lines(expected), svg_lines(taken[-1])
        diff = "\n".join(difflib.unified_diff(want, got, "stored", "taken", lineterm="", n=1))
        pytest.fail(f"{len(taken)} pictures differed from {stored.name}:\n"
                    + (diff or "the same text: only colours or styles differ"), pytrace=False)
    assert snapshot.use_extension(SVGImageExtension) == taken[-1]
