"""The suggestion commands end to end: observations seen, a reminder suggested, accepted into an .ics."""

from __future__ import annotations

import json
import time
from pathlib import Path

from propositions import Observation, Store

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
