"""Provenance: each proposition records whether its evidence is what the person did or only saw."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from propositions import Observation, Proposition, Store, provenance, query, serialize

from .conftest import observe
from .test_infer import item, pipeline, proposal


def screen(text: str, app: str = "Firefox", title: str = "", observer: str = "screen") -> Observation:
    return Observation(captured_at=1.0, observer=observer, app=app, window_title=title, content=text)


@pytest.mark.parametrize("o", [
    screen("Me: I'll bring the cake on Saturday", app="WhatsApp"),
    screen("Dana: vou levar o bolo", app="WhatsApp"),
    screen("Hi Maria, the draft is attached", app="Thunderbird", title="Re: Toast draft"),
    screen("def parse(rows):", app="Code", title="parser.py — invoice-parser"),
    screen("dana@laptop:~/src/ledger$ cargo test\nrunning 12 tests", app="Terminal"),
    screen("", app=None, title="~/Documents/toast.md", observer="files"),
], ids=["chat-me", "chat-own-name", "reply", "editor", "prompt", "file"])
def test_what_the_person_did(o: Observation) -> None:
    assert provenance.acted(o, "Dana Reyes")


@pytest.mark.parametrize("o", [
    screen("Maria: can you send the toast by Friday?", app="WhatsApp"),
    screen("Flights Lisbon to Porto from €59", title="Kayak"),
    screen("Your order has shipped", app="Thunderbird", title="Your order - Inbox"),
    screen("You have won! Claim your prize", title="Prize"),
], ids=["their-chat", "page", "mail-read", "ad"])
def test_what_the_person_only_saw(o: Observation) -> None:
    assert not provenance.acted(o, "Dana Reyes")


def test_a_proposition_says_what_it_rests_on_and_seeing_alone_caps_it(store: Store) -> None:
    observe(store, "Flights Lisbon to Porto, June 12, from €59", title="Kayak")          # 1: seen
    observe(store, "Me: booked it! Porto on the 12th 🎉", app="WhatsApp", title="Maria")  # 2: done
    pipe, backend = pipeline(store, [proposal(item("Dana is looking at flights to Porto", 0.95, [1]),
                                              item("Dana booked a flight to Porto", 0.95, [2]))])
    pipe.run_batch()
    seen = query(store, "looking").hits[0].proposition
    done = query(store, "booked").hits[0].proposition
    assert (seen.provenance, done.provenance) == ("saw", "did")
    assert seen.confidence == pytest.approx(0.8)      # only shown: at most SAW_ONLY_MAX
    assert done.confidence == pytest.approx(0.95)     # acted on: the model's word stands
    assert serialize.proposition(seen)["provenance"] == "saw"
    # the same proposition, now also from what the person did: it rests on an act from now on
    observe(store, "Me: looking at Porto flights for the 12th", app="WhatsApp", title="Maria")
    backend.replies = [proposal(item("Dana is looking at flights to Porto", 0.9, [1])),
                       {"decisions": [{"candidate": 0, "action": "same", "targets": [seen.id]}]}]
    pipe.run_batch()
    assert store.get_proposition(seen.id).provenance == "did"


def test_a_store_from_before_provenance_opens_with_it_empty(tmp_path: Path) -> None:
    path = tmp_path / "gumd.db"
    with Store(path) as s:
        pid = s.add_proposition(Proposition(text="Dana cooks", confidence=0.6), [])
    db = sqlite3.connect(path)  # as an older gumd left it: no provenance column
    db.execute("ALTER TABLE propositions DROP COLUMN provenance")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm008_provenance'")
    db.commit()
    db.close()
    with Store(path) as s:
        assert s.get_proposition(pid).provenance == ""
