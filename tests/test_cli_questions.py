"""`gumd questions` and `gumd answer` on a real database in GUMD_HOME."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from propositions import Proposition, Store

from .conftest import observe
from .test_cli import run


@pytest.fixture
def seeded(gumd_home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("GUMD_INFERENCE__USER_NAME", "Dana Reyes")
    s = Store(gumd_home / "gumd.db")
    o = observe(s, "Apartments in Chicago, 2 bedrooms", app="Firefox", title="Zillow: Chicago")
    ids = {name: s.add_proposition(Proposition(text=text, confidence=c, source="test"), [o])
           for name, text, c in [("move", "Dana is moving to Chicago", 0.5),
                                 ("sister", "Dana's sister is a nurse", 0.6),
                                 ("cello", "Dana plays the cello", 0.65),
                                 ("dog", "Dana has a dog", 0.7),
                                 ("sure", "Dana uses Firefox", 0.96)]}
    s.close()
    return ids


def test_questions_lists_best_first_in_plain_words(seeded: dict[str, int]) -> None:
    code, out, _ = run("questions")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split(None, 1)[1] == "Are you moving to Chicago?"
    assert lines[1].strip().startswith("why: 50% sure; seen in Firefox — Zillow: Chicago")
    assert "Is your sister a nurse?" in out
    assert len([ln for ln in lines if not ln.startswith(" " * 7)]) == 3  # the daily cap
    code, out, _ = run("questions", "--json", "--limit", "10")
    rows = json.loads(out)
    assert [r["proposition_id"] for r in rows] == [seeded[k] for k in ("move", "sister", "cello",
                                                                       "dog")]
    assert set(rows[0]) >= {"id", "proposition_id", "question", "why", "score", "confidence",
                            "calibrated_confidence", "status"}


def test_answer_yes_no_skip_edit(seeded: dict[str, int], gumd_home: Path) -> None:
    rows = {r["proposition_id"]: r["id"] for r in json.loads(run("questions", "--json", "--all")[1])}
    code, out, _ = run("answer", str(rows[seeded["move"]]), "yes")
    assert (code, out.strip()) == (0, f"Confirmed #{seeded['move']}: Dana is moving to Chicago")
    code, out, _ = run("answer", str(rows[seeded["dog"]]), "NO")
    assert code == 0 and out.startswith("Rejected")
    code, out, _ = run("answer", str(rows[seeded["cello"]]), "skip")
    assert code == 0 and "asked again in 7 days" in out
    code, out, _ = run("answer", str(rows[seeded["sister"]]), "--edit",
                       "Dana's sister is a doctor", "--json")
    answered = json.loads(out)
    assert answered["question"]["answer"] == "edit"
    assert answered["proposition"]["text"] == "Dana's sister is a doctor"
    s = Store(gumd_home / "gumd.db")
    try:
        assert s.get_proposition(seeded["move"]).user_feedback == "confirmed"
        assert s.get_proposition(seeded["dog"]).status == "rejected"
        assert s.get_proposition(seeded["sister"]).status == "superseded"
    finally:
        s.close()
    assert json.loads(run("questions", "--json", "--all")[1]) == []


@pytest.mark.parametrize("args, message", [
    (["answer", "999", "yes"], "Error: no question with id 999; `gumd questions` lists them"),
    (["answer", "1", "--edit", ""], "Error: an edit needs the corrected text"),
])
def test_answer_errors_are_one_line(seeded: dict[str, int], args: list[str], message: str) -> None:
    run("questions")
    code, _, err = run(*args)
    assert code == 1 and err.strip() == message


@pytest.mark.parametrize("args", [["answer", "1", "maybe"], ["answer", "1"],
                                  ["answer", "1", "yes", "--edit", "x"]])
def test_answer_usage_errors(seeded: dict[str, int], args: list[str]) -> None:
    code, _, err = run(*args)
    assert code == 2 and "Error:" in err


def test_answering_twice_is_an_error(seeded: dict[str, int]) -> None:
    qid = json.loads(run("questions", "--json")[1])[0]["id"]
    assert run("answer", str(qid), "yes")[0] == 0
    code, _, err = run("answer", str(qid), "no")
    assert code == 1 and err.strip() == f"Error: question {qid} was already answered (yes)"
