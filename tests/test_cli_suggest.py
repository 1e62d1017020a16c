"""The suggestion commands end to end: observations seen, a reminder suggested, accepted into an .ics."""

from __future__ import annotations

import json
import time
from pathlib import Path

from propositions import Observation, Store, Suggestion

from .test_cli import run


def _seed(home: Path) -> None:
    run("recent")  # creates the home and the store
    s = Store(home / "gumd.db")
    now = time.time()
    when = time.strftime("%A, %B %d", time.localtime(now + 2 * 86400))
    s.enqueue([Observation(captured_at=now - 600, observer="screen", app="Gmail",
                           window_title="Interview invitation - Gmail",
                           content=f"We'd like to schedule a technical interview on {when} at 2:00 PM.")])
    s.claim_batch(10)
    s.mark_done([1])
    s.close()


def test_suggest_accept_writes_a_reminder(gumd_home: Path) -> None:
    _seed(gumd_home)
    code, out, err = run("suggest", "--now", "--json")
    assert code == 0, err
    made = json.loads(out)
    reminders = [s for s in made if s["kind"] == "reminder"]
    assert reminders, made
    sid = reminders[0]["id"]
    code, out, _ = run("suggestions", "list")
    assert f"{sid}" in out and "*" in out
    code, out, _ = run("suggestions", "accept", str(sid), input="n\n")
    assert code == 1  # declined: nothing ran
    assert not (gumd_home / "reminders").exists()
    code, out, err = run("suggestions", "accept", str(sid), "--yes")
    assert code == 0, err
    ics = list((gumd_home / "reminders").glob("*.ics"))
    assert len(ics) == 1 and "BEGIN:VCALENDAR" in ics[0].read_text()
    assert ics[0].stat().st_mode & 0o777 == 0o600
    code, out, _ = run("suggestions", "list", "--status", "accepted", "--json")
    assert [s["id"] for s in json.loads(out)] == [sid]
    # The same reminder is never suggested twice.
    code, out, _ = run("suggest", "--now", "--json")
    assert sid not in [s["id"] for s in json.loads(out)]


def test_dismiss_and_snooze(gumd_home: Path) -> None:
    _seed(gumd_home)
    code, out, _ = run("suggest", "--now", "--json")
    sid = json.loads(out)[0]["id"]
    code, out, _ = run("suggestions", "snooze", str(sid), "--for", "2h")
    assert code == 0 and "Snoozed until" in out
    code, out, _ = run("suggestions", "list", "--status", "new", "--json")
    assert sid not in [s["id"] for s in json.loads(out)]
    code, out, _ = run("suggestions", "dismiss", str(sid))
    assert code == 0 and out.startswith("Dismissed")
    code, _, err = run("suggestions", "dismiss", "999")
    assert code == 1 and "no suggestion with id 999" in err


def _suggest_opening(home: Path, path: Path) -> int:
    s = Store(home / "gumd.db")
    sid = s.add_suggestion(Suggestion(title=f"Pick up {path.name}", kind="resume_work",
                                      action={"type": "open_file", "path": str(path)},
                                      dedupe_key=f"file|{path}"))
    s.close()
    assert sid is not None
    return sid


def test_accept_shows_the_exact_target_before_asking(gumd_home: Path, tmp_path: Path) -> None:
    _seed(gumd_home)
    code, out, _ = run("suggest", "--now", "--json")
    reminder = next(s for s in json.loads(out) if s["kind"] == "reminder")
    code, out, _ = run("suggestions", "accept", str(reminder["id"]), input="n\n")
    assert code == 1
    title = reminder["action"]["title"]
    assert f"Accepting will save the reminder “{title}” for " in out
    assert f"as {gumd_home / 'reminders'}/" in out
    assert out.index("Accepting will") < out.index("Run it?")
    doc = tmp_path / "Q3 plan.odt"
    doc.write_text("x")
    sid = _suggest_opening(gumd_home, doc)
    code, out, _ = run("suggestions", "accept", str(sid), input="n\n")
    assert code == 1 and f"Accepting will open the file {doc}." in out


def test_accept_refuses_a_file_that_became_a_program(gumd_home: Path, tmp_path: Path) -> None:
    run("recent")
    doc = tmp_path / "notes.txt"
    doc.write_text("#!/bin/sh\n")
    sid = _suggest_opening(gumd_home, doc)
    doc.chmod(0o755)
    for answer in ("--yes", None):
        code, out, err = run("suggestions", "accept", str(sid), *([answer] if answer else []), input="y\n")
        assert code == 1
        assert err.startswith("Error: invalid open_file: path: ") and "is executable" in err
        assert "Run it?" not in out  # refused before asking
    code, out, _ = run("suggestions", "list", "--json")
    assert json.loads(out)[0]["status"] == "new"


def test_suggest_explain_shows_the_near_misses_and_why(gumd_home: Path, monkeypatch: object) -> None:
    run("recent")
    s = Store(gumd_home / "gumd.db")
    now = time.time()
    day = time.strftime("%A %d %B", time.localtime(now + 2 * 86400))
    s.enqueue([
        Observation(captured_at=now - 3600, observer="screen", app="Thunderbird",
                    window_title="Booking confirmation - Thunderbird",
                    content=("From: Pedal & Chain <bookings@pedal.example>\nSubject: Booking confirmation\n\n"
                             f"Your bike service is booked for {day}, 10:00.")),
        Observation(captured_at=now - 1800, observer="screen", app="Firefox", window_title="City News - Firefox",
                    url="https://news.example.org/metro",
                    content=f"Metro workers will strike on {day}, the union said in a statement."),
    ])
    s.close()
    code, out, err = run("suggest", "--now", "--explain")
    assert code == 0, err
    made, _, missed = out.partition("Not suggested now")
    assert "[reminder] Bike service — " in made and ", 10:00  (new)" in made
    assert "[reminder] Metro workers will strike — " in missed
    assert "below the threshold (p_useful 0.05: news, not your plans;" in missed
    # Asked again: the reminder is not made twice, and says so.
    code, out, _ = run("suggest", "--now", "--explain")
    assert out.startswith("No new suggestions.")
    assert "made before as #1 (new)" in out
    code, out, _ = run("suggest", "--now", "--explain", "--json")
    shown = json.loads(out)
    assert shown["suggestions"] == [] and shown["skipped"] == []
    assert {m["outcome"] for m in shown["not_made"]} == {"made before", "below the threshold"}
    assert all({"kind", "title", "scores", "why"} <= set(m) for m in shown["not_made"])


def test_suggest_explain_names_the_hourly_limit(gumd_home: Path, monkeypatch) -> None:
    _seed(gumd_home)
    monkeypatch.setenv("GUMD_SUGGESTIONS__MAX_PER_HOUR", "0")
    monkeypatch.setenv("GUMD_SUGGESTIONS__QUIET_HOURS", "[]")
    code, out, err = run("suggest", "--explain")
    assert code == 0, err
    assert out.startswith("No new suggestions.") and "held back: the hourly limit" in out
    code, out, _ = run("suggest")
    assert out == "No new suggestions.\n"
