"""The library's facade, propositions.service.Service, on a real SQLite store: what the CLI, TUI and API call."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from propositions import InvalidInput, NotFound, Store
from propositions.errors import ActionError
from propositions.models import Suggestion
from propositions.service import USER_EDIT_CONFIDENCE, ForgetRequest, Service
from propositions.suggest import Suggester

from .conftest import FakeClock, believe, observe


def _file_bytes(path: Path) -> bytes:
    """Everything SQLite keeps of the database on disk: the main file and its -wal."""
    return b"".join(Path(str(path) + s).read_bytes() for s in ("", "-wal")
                    if Path(str(path) + s).exists())


class Runner:
    """Stands in for ActionRunner: records the actions it ran, or fails like a missing tool."""

    def __init__(self, fail: bool = False) -> None:
        self.ran: list[Mapping[str, Any]] = []
        self.fail = fail

    def run(self, action: Mapping[str, Any]) -> str:
        if self.fail:
            raise ActionError("no calendar to save to")
        self.ran.append(action)
        return "saved"


def _suggestion(store: Store, title: str, kind: str = "reminder") -> int:
    sid = store.add_suggestion(Suggestion(title=title, kind=kind, dedupe_key=f"{kind}:{title}",
                                          action={"type": "copy_text", "text": title}))
    assert sid is not None
    return sid


# -- reading -------------------------------------------------------------------------------


def test_query_ranks_what_matches_and_filters_by_confidence(service: Service) -> None:
    store = service.store
    porto = believe(store, "Dana is travelling to Porto in June", confidence=0.9)
    believe(store, "Dana writes Python in VS Code", confidence=0.8)
    doubt = believe(store, "Dana may be moving to Porto", confidence=0.2)
    hits = [h.proposition.id for h in service.query("porto").hits]
    assert set(hits) == {porto, doubt} and hits[0] == porto
    assert [h.proposition.id for h in service.query("porto", min_confidence=0.5).hits] == [porto]
    assert service.query("zorblat").hits == []


def test_recent_lists_the_newest_evidence_first(service: Service, clock: FakeClock) -> None:
    old = believe(service.store, "Dana runs on Sundays")
    clock.advance(3600)
    new = believe(service.store, "Dana is reading Middlemarch")
    assert [p.id for p in service.recent()] == [new, old]
    assert [p.id for p in service.recent(limit=1)] == [new]


def test_show_gives_evidence_and_unknown_ids_are_not_found(service: Service) -> None:
    store = service.store
    seen = observe(store, "Booking confirmed: Lisbon to Porto, 12 June")
    pid = believe(store, "Dana flies to Porto on 12 June", evidence=[seen])
    detail = service.show(pid)
    assert detail.proposition.text == "Dana flies to Porto on 12 June"
    assert [e.observation_id for e in detail.evidence] == [seen]
    assert detail.history == [] and detail.superseded_by == []
    with pytest.raises(NotFound):
        service.show(pid + 100)


# -- correcting ----------------------------------------------------------------------------


def test_an_edit_supersedes_with_history_and_keeps_the_evidence_trail(service: Service) -> None:
    store = service.store
    seen = observe(store, "Flights Lisbon to Porto")
    pid = believe(store, "Dana is travelling to Lisbon", confidence=0.6, evidence=[seen])
    new = service.edit(pid, "  Dana is travelling to Porto  ")
    assert new.id != pid and new.text == "Dana is travelling to Porto" and new.status == "active"
    assert new.source == "user" and new.user_feedback == "edited"
    assert new.confidence == pytest.approx(USER_EDIT_CONFIDENCE)
    assert store.get_proposition(pid).status == "superseded"
    detail = service.show(new.id)
    assert [(h.old_id, h.new_id, h.kind) for h in detail.history] == [(pid, new.id, "user_edit")]
    assert detail.replaces == [pid] and service.show(pid).superseded_by == [new.id]
    assert [h.proposition.id for h in service.query("travelling").hits] == [new.id]
    with pytest.raises(InvalidInput):
        service.edit(new.id, "   ")
    with pytest.raises(NotFound):
        service.edit(new.id + 100, "Dana is somewhere")


def test_an_edit_gets_its_own_reasoning(service: Service, store: Store, clock) -> None:
    long = "Dana is planning " + "a very long trip " * 20
    pid = believe(store, long, reasoning="a date mentioned in 1 observation(s)")
    edited = service.edit(pid, "Dana is planning a trip to Porto")
    day = time.strftime("%Y-%m-%d", time.localtime(clock()))
    assert edited.reasoning.startswith(f"edited by you on {day}; was: Dana is planning a very long")
    assert edited.reasoning.endswith("…") and "observation(s)" not in edited.reasoning
    assert len(edited.reasoning) < len(long) + 40
    assert store.get_proposition(pid).reasoning == "a date mentioned in 1 observation(s)"


def test_confirm_and_reject(service: Service) -> None:
    keep = believe(service.store, "Dana plays the cello")
    drop = believe(service.store, "Dana plays the violin")
    assert service.confirm(keep).user_feedback == "confirmed"
    rejected = service.reject(drop)
    assert rejected.user_feedback == "rejected" and rejected.status != "active"
    assert [h.proposition.id for h in service.query("plays").hits] == [keep]
    assert service.store.get_proposition(drop).text == "Dana plays the violin"  # the row remains


# -- forgetting ----------------------------------------------------------------------------


def test_forget_by_text_takes_urls_titles_and_apps_off_the_disk(service: Service) -> None:
    store = service.store
    by_url = observe(store, "an ordinary page")
    store.read("UPDATE observations SET url = ? WHERE id = ?",
               ("https://zorblatclinic.example/zorblat/appointments", by_url))
    store.conn.commit()
    by_title = observe(store, "notes", title="zorblat results")
    by_app = observe(store, "chat", app="Zorblat")
    kept = observe(store, "the weather in Porto")
    store.read("UPDATE observations SET url = 'https://weather.example/porto' WHERE id = ?",
               (kept,))
    store.conn.commit()
    learnt = believe(store, "Dana reads about the weather", evidence=[kept, by_url])
    assert b"zorblat" in _file_bytes(store.path).lower()
    done = service.forget(ForgetRequest(query="zorblat"))
    assert done["observations"] == 3
    assert [r["id"] for r in store.read("SELECT id FROM observations")] == [kept]
    assert store.get_proposition(learnt).status == "active"
    assert not store.wipe_pending
    assert b"zorblat" not in _file_bytes(store.path).lower()
    assert {by_title, by_app}.isdisjoint(r["id"] for r in store.read("SELECT id FROM observations"))


def test_forget_by_id_takes_every_version_and_a_dry_run_only_counts(service: Service) -> None:
    store = service.store
    pid = believe(store, "Dana is moving to Lisbon")
    new = service.edit(pid, "Dana is moving to Porto").id
    other = believe(store, "Dana likes jazz")
    counts = service.forget(ForgetRequest(ids=[new]), dry_run=True)
    assert counts["propositions"] == 2
    assert store.get_proposition(new).status == "active"  # nothing went
    assert service.forget(ForgetRequest(ids=[new]))["propositions"] == 2
    for gone in (pid, new):
        with pytest.raises(NotFound):
            store.get_proposition(gone)
    assert store.get_proposition(other).status == "active"


def test_forget_refuses_what_it_cannot_read(service: Service, clock: FakeClock) -> None:
    with pytest.raises(InvalidInput, match="say what to forget"):
        service.forget(ForgetRequest())
    with pytest.raises(InvalidInput, match="since is after until"):
        service.forget(ForgetRequest(since=clock() + 10, until=clock()))
    with pytest.raises(InvalidInput, match="no words"):
        service.forget(ForgetRequest(query="!!!"))
    with pytest.raises(NotFound):
        service.forget(ForgetRequest(ids=[12345]))


# -- suggestions ---------------------------------------------------------------------------


def test_accepting_runs_the_action_once_and_a_failing_action_changes_nothing(service: Service) -> None:
    sid = _suggestion(service.store, "Call the dentist")
    with pytest.raises(ActionError):
        service.accept_suggestion(sid, Runner(fail=True))
    assert service.get_suggestion(sid).status == "new" and service.get_suggestion(sid).feedback is None
    runner = Runner()
    accepted, done = service.accept_suggestion(sid, runner)
    assert done == "saved" and runner.ran == [{"type": "copy_text", "text": "Call the dentist"}]
    assert accepted.status == "accepted" and accepted.feedback == "accepted"
    with pytest.raises(InvalidInput, match="already accepted"):
        service.accept_suggestion(sid, runner)
    assert len(runner.ran) == 1
    assert [s.id for s in service.list_suggestions("accepted")] == [sid]


def test_dismissals_raise_the_kinds_threshold(service: Service, clock: FakeClock) -> None:
    suggester = Suggester(service.store, clock=clock)
    before = suggester.thresholds()["reminder"]
    for n in range(3):
        assert service.dismiss_suggestion(_suggestion(service.store, f"Reminder {n}")).status == "dismissed"
    assert suggester.thresholds()["reminder"] > before
    assert suggester.thresholds()["resume_work"] == pytest.approx(before)


def test_a_snooze_hides_until_its_time_and_must_be_in_the_future(service: Service, clock: FakeClock) -> None:
    sid = _suggestion(service.store, "Renew the passport")
    with pytest.raises(InvalidInput):
        service.snooze_suggestion(sid, until=clock() - 1)
    assert service.snooze_suggestion(sid, until=clock() + 3600).status == "snoozed"
    assert sid not in [s.id for s in service.list_suggestions("new")]
    clock.advance(3601)
    assert sid in [s.id for s in service.list_suggestions("new")]


def test_mark_shown_counts_only_new_ones_and_unknown_ids_are_not_found(service: Service) -> None:
    fresh, dismissed = _suggestion(service.store, "A"), _suggestion(service.store, "B")
    service.dismiss_suggestion(dismissed)
    assert service.mark_shown([fresh, dismissed]) == 1
    assert service.get_suggestion(fresh).status == "shown"
    with pytest.raises(NotFound):
        service.get_suggestion(999)
    with pytest.raises(NotFound):
        service.dismiss_suggestion(999)


# -- export and the database ---------------------------------------------------------------


def test_export_streams_each_kind_and_refuses_others(service: Service) -> None:
    seen = observe(service.store, "Porto flights")
    pid = believe(service.store, "Dana flies to Porto", evidence=[seen])
    _suggestion(service.store, "Pack for Porto")
    [prop] = list(service.export("propositions"))
    assert prop["id"] == pid and prop["evidence"] == [{"observation_id": seen, "relation": "supports"}]
    assert [o["id"] for o in service.export("observations")] == [seen]
    assert [s["title"] for s in service.export("suggestions")] == ["Pack for Porto"]
    with pytest.raises(InvalidInput):
        list(service.export("passwords"))


def test_open_stats_backup_and_check(gumd_home: Path, tmp_path: Path) -> None:
    service = Service.open(gumd_home / "gumd.db")
    try:
        believe(service.store, "Dana keeps bees")
        observe(service.store, "hive inspection notes")
        stats = service.stats()
        assert stats["propositions"] == 1 and stats["queue"]["pending"] == 1 and stats["db_bytes"] > 0
        copy = Service.open(service.backup(tmp_path / "copy.db"))
        assert copy.query("bees").hits[0].proposition.text == "Dana keeps bees"
        copy.close()
        assert service.check().ok
    finally:
        service.close()
