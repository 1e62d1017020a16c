"""The store on real SQLite files: schema, queue, revisions, forgetting, damage and locks."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlite_utils import Database

from propositions import (
    DatabaseCorrupt,
    DatabaseLocked,
    DatabaseReadOnly,
    DiskFull,
    InvalidInput,
    NotFound,
    Observation,
    Proposition,
    Store,
    migrations,
    query,
)
from propositions.service import ForgetRequest, Service
from propositions.store import url_has_word

from .conftest import FakeClock, Tmpfs, believe, observe


def test_open_applies_every_migration_once(store: Store) -> None:
    db = Database(store.conn, execute_plugins=False)
    assert migrations.pending(db) == []
    names = [m.name for m in migrations.migrations.applied(db)]
    assert names == sorted(names) and len(names) == len(set(names))
    reopened = Store(store.path)
    assert [m.name for m in migrations.migrations.applied(Database(reopened.conn))] == names
    assert store.read("PRAGMA journal_mode")[0][0] == "wal"
    reopened.close()


def test_files_are_private(tmp_path: Path) -> None:
    s = Store(tmp_path / "new" / "nested" / "gumd.db")
    s.enqueue([Observation(captured_at=1.0, observer="t", content="x")])
    folder = tmp_path / "new" / "nested"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for f in folder.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    backup = s.backup(tmp_path / "b" / "copy.db")
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    s.close()


# -- the queue -------------------------------------------------------------


def test_queue_claim_done_fail_retry(store: Store, clock: FakeClock) -> None:
    ids = [observe(store, f"item {i}", ago=100 - i) for i in range(5)]
    assert store.queue_counts()["pending"] == 5
    batch = store.claim_batch(3)
    assert [o.id for o in batch] == ids[:3]  # oldest first
    assert all(o.status == "processing" and o.attempts == 1 for o in batch)
    assert [o.id for o in store.claim_batch(10)] == ids[3:]  # claimed rows are not handed out twice
    store.mark_done([ids[0]])
    store.mark_failed([ids[1], ids[2]], "model said: {not json\nsecond line")
    counts = store.queue_counts()
    assert counts == {"pending": 2, "processing": 2, "done": 1, "failed": 0}
    retried = store.get_observation(ids[1])
    assert retried.last_error == "model said: {not json second line"  # one line
    # Keep failing until attempts run out.
    for _ in range(2):
        batch = store.claim_batch(10)
        store.mark_failed([o.id for o in batch if o.id in (ids[1], ids[2])], "still broken")
        store.release([o.id for o in batch if o.id not in (ids[1], ids[2])])
    assert {o.id for o in store.failed_observations()} == {ids[1], ids[2]}
    assert store.retry_failed([ids[1]]) == 1
    assert store.get_observation(ids[1]).status == "pending"
    assert store.get_observation(ids[1]).attempts == 0
    assert store.retry_failed() == 1


def test_abandoned_batch_is_reclaimed_after_timeout(store: Store, clock: FakeClock) -> None:
    oid = observe(store, "work")
    assert store.claim_batch(5)[0].id == oid
    assert store.claim_batch(5) == []  # still held by the first worker
    clock.advance(store.claim_timeout_s + 1)
    again = store.claim_batch(5)
    assert [o.id for o in again] == [oid] and again[0].attempts == 2
    # A row that keeps killing its worker ends up failed, not looping forever.
    clock.advance(store.claim_timeout_s + 1)
    store.claim_batch(5)
    clock.advance(store.claim_timeout_s + 1)
    assert store.claim_batch(5) == []
    failed = store.get_observation(oid)
    assert failed.status == "failed" and "stopped while processing" in failed.last_error


def test_release_gives_back_the_attempt(store: Store) -> None:
    oid = observe(store, "work")
    store.claim_batch(1)
    store.release([oid])
    obs = store.get_observation(oid)
    assert obs.status == "pending" and obs.attempts == 0


@pytest.mark.slow
def test_kill_9_mid_batch_loses_nothing(tmp_path: Path) -> None:
    db = tmp_path / "gumd.db"
    s = Store(db)
    ids = s.enqueue([Observation(captured_at=float(i), observer="t", content=f"obs {i}")
                     for i in range(20)])
    s.close()
    worker = textwrap.dedent(
        f"""
        import sys, time
        from propositions import Store
        s = Store({str(db)!r})
        batch = s.claim_batch(8)
        print(len(batch), flush=True)
        time.sleep(60)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", worker], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "8"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    later = FakeClock(time.time() + 3600)
    s2 = Store(db, clock=later, claim_timeout_s=60)
    assert s2.queue_counts()["processing"] == 8
    got = []
    while batch := s2.claim_batch(7):
        got += [o.id for o in batch]
        s2.mark_done([o.id for o in batch])
    assert sorted(got) == ids
    assert s2.queue_counts() == {"pending": 0, "processing": 0, "done": 20, "failed": 0}
    s2.close()


# -- locks and damage ---------------------------------------------------------


def _hold_write_lock(path: Path, seconds: float, ready: threading.Event) -> None:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO suggestions (created_at, updated_at, title) VALUES (0, 0, 'x')")
    ready.set()
    time.sleep(seconds)
    conn.execute("COMMIT")
    conn.close()


def test_a_write_waits_for_a_lock_instead_of_failing(store: Store) -> None:
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 1.0, ready))
    holder.start()
    ready.wait()
    start = time.monotonic()
    oid = observe(store, "written after the lock is released")
    waited = time.monotonic() - start
    holder.join()
    assert waited >= 0.5
    assert store.get_observation(oid).content.startswith("written")


def test_a_lock_held_past_the_timeout_is_a_clear_error(tmp_path: Path) -> None:
    s = Store(tmp_path / "gumd.db", busy_timeout_s=0.2)
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(s.path, 1.5, ready))
    holder.start()
    ready.wait()
    with pytest.raises(DatabaseLocked) as err:
        s.enqueue([Observation(captured_at=1.0, observer="t", content="x")])
    holder.join()
    assert "locked" in str(err.value) and "\n" not in str(err.value)
    assert s.queue_counts()["pending"] == 0  # the failed write left nothing half-done
    s.enqueue([Observation(captured_at=1.0, observer="t", content="x")])
    assert s.queue_counts()["pending"] == 1
    s.close()


def test_readers_see_committed_data_while_a_writer_holds_the_lock(store: Store) -> None:
    believe(store, "Dana writes Python")
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(store.path, 1.0, ready))
    holder.start()
    ready.wait()
    start = time.monotonic()
    hits = query(store, "python").hits
    assert time.monotonic() - start < 0.5
    holder.join()
    assert [h.proposition.text for h in hits] == ["Dana writes Python"]


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "gumd.db"
    bad.write_bytes(b"this is a text file, not SQLite\n" * 200)
    with pytest.raises(DatabaseCorrupt) as err:
        Store(bad)
    msg = str(err.value)
    assert "damaged or not a gumd database" in msg and "gumd db check" in msg and "\n" not in msg
    report = Store.check_file(bad)
    assert not report.ok and report.problems
    assert bad.read_bytes().startswith(b"this is a text file")  # nothing was overwritten


def test_damaged_pages_are_reported_by_check(tmp_path: Path) -> None:
    path = tmp_path / "gumd.db"
    s = Store(path)
    s.enqueue([Observation(captured_at=float(i), observer="t", content=f"row {i} " * 50)
               for i in range(400)])
    s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    assert Store.check_file(path).ok
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 3, min(len(data), page * 40), page):
        data[offset + 8: offset + 200] = os.urandom(192)
    path.write_bytes(bytes(data))
    report = Store.check_file(path)
    assert not report.ok
    assert report.problems and all("\n" not in p for p in report.problems)


def test_check_reports_missing_file(tmp_path: Path) -> None:
    report = Store.check_file(tmp_path / "absent.db")
    assert not report.ok and "does not exist" in report.problems[0]


# -- hostile text ---------------------------------------------------------------


def test_lone_surrogates_are_stored_as_replacement_characters(store: Store) -> None:
    """A lone surrogate cannot be encoded as UTF-8: each becomes U+FFFD, the rest of the text stays."""
    from propositions import Suggestion
    from propositions.service import Service

    [oid] = store.enqueue([Observation(captured_at=1.0, observer="api", content="before \ud800 after",
                                       app="Ed\udcffitor", window_title="t\udfff", url="u\ud800")])
    obs = store.get_observation(oid)
    assert (obs.content, obs.app, obs.window_title, obs.url) == (
        "before \ufffd after", "Ed\ufffditor", "t\ufffd", "u\ufffd")
    store.set_observation_content(oid, "read \udc80 text")
    assert store.get_observation(oid).content == "read \ufffd text"
    store.claim_batch(1)
    store.mark_failed([oid], "model said \ud83d")
    assert store.get_observation(oid).last_error == "model said \ufffd"

    pid = store.add_proposition(Proposition(text="Dana \ud800 reads", confidence=0.5,
                                            reasoning="seen \udbff", source="test"), [oid])
    prop = store.get_proposition(pid)
    assert (prop.text, prop.reasoning) == ("Dana \ufffd reads", "seen \ufffd")
    edited = Service(store).edit(pid, "Dana \udfff writes")
    assert edited.text == "Dana \ufffd writes"
    assert [h.proposition.id for h in query(store, "writes").hits] == [edited.id]

    sid = store.add_suggestion(Suggestion(title="Reply \ud800", body="b\udc00",
                                          action={"type": "copy", "text": "x\ud800"},
                                          dedupe_key="k"))
    sugg = store.get_suggestion(sid)
    assert (sugg.title, sugg.body, sugg.action["text"]) == ("Reply \ufffd", "b\ufffd", "x\ufffd")


# -- propositions, evidence and history ----------------------------------------


def test_fts_follows_text_changes(store: Store) -> None:
    pid = believe(store, "Dana is learning Portuguese")
    store.conn.execute("UPDATE propositions SET text = 'Dana is learning Italian' WHERE id = ?", (pid,))
    store.conn.commit()
    assert [h.proposition.id for h in query(store, "italian").hits] == [pid]
    assert query(store, "portuguese").hits == []


def test_supersede_keeps_old_version_history_and_evidence(store: Store) -> None:
    o1 = observe(store, "flight to Porto booked")
    o2 = observe(store, "hotel in Porto")
    old = believe(store, "Dana is travelling", evidence=[o1])
    new = store.supersede([old], Proposition(text="Dana is travelling to Porto", confidence=0.8,
                                             source="test"), "edit", note="more specific",
                          evidence=[o2])
    assert store.get_proposition(old).status == "superseded"
    assert store.get_proposition(new).status == "active"
    assert {e.observation_id for e in store.evidence(new)} == {o1, o2}
    assert {e.observation_id for e in store.evidence(old)} == {o1}
    hist = store.history(old)
    assert [(h.old_id, h.new_id, h.kind, h.note) for h in hist] == [(old, new, "edit", "more specific")]
    assert store.history(new) == hist
    with pytest.raises(InvalidInput):
        store.supersede([old], Proposition(text="again", confidence=0.5), "edit")
    with pytest.raises(InvalidInput):
        store.supersede([new], Proposition(text="again", confidence=0.5), "delete")


def test_merge_records_every_source(store: Store) -> None:
    a = believe(store, "Dana likes coffee")
    b = believe(store, "Dana drinks espresso")
    merged = store.supersede([a, b], Proposition(text="Dana loves espresso", confidence=0.8), "merge")
    assert sorted(h.old_id for h in store.history(merged)) == [a, b]
    assert store.lineage([a]) == {a, b, merged}


def test_evidence_time_not_processing_time_sets_last_evidence(store: Store, clock: FakeClock) -> None:
    oid = observe(store, "old activity", ago=5 * 86400)
    pid = believe(store, "Dana did something", evidence=[oid])
    assert store.get_proposition(pid).last_evidence_at == pytest.approx(clock() - 5 * 86400)


def test_bad_propositions_are_refused(store: Store) -> None:
    with pytest.raises(InvalidInput):
        believe(store, "   ")
    with pytest.raises(InvalidInput):
        believe(store, "x", confidence=1.5)
    with pytest.raises(InvalidInput):
        believe(store, "x", decay="fortnights")
    with pytest.raises(InvalidInput):
        store.add_evidence(believe(store, "y"), [], relation="maybe")
    with pytest.raises(NotFound):
        store.get_proposition(999)
    with pytest.raises(NotFound):
        store.set_feedback(999, "confirmed")
    assert store.counts()["propositions"] == 1


# -- forgetting ---------------------------------------------------------------


def test_forget_by_id_removes_every_version_from_the_file(store: Store) -> None:
    oid = observe(store, "an ordinary page")
    old = believe(store, "Dana is seeing a zyxwvutian therapist", evidence=[oid])
    new = store.supersede([old], Proposition(text="Dana sees a zyxwvutian therapist weekly",
                                             confidence=0.8), "edit")
    keep = believe(store, "Dana writes Python", evidence=[oid])
    result = store.forget(proposition_ids=[new])
    assert result["propositions"] == 2
    store.reclaim()
    assert query(store, "zyxwvutian").hits == []
    with pytest.raises(NotFound):
        store.get_proposition(old)
    assert store.get_proposition(keep).status == "active"
    raw = b"".join(Path(str(store.path) + s).read_bytes()
                   for s in ("", "-wal") if Path(str(store.path) + s).exists())
    assert b"zyxwvutian" not in raw


def test_forget_observations_takes_propositions_that_depended_only_on_them(
    store: Store, tmp_path: Path
) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(b"png")
    secret = observe(store, "chat with my doctor", app="Signal", image_path=str(shot))
    other = observe(store, "reading the news", app="Firefox")
    only_signal = believe(store, "Dana has a doctor appointment", evidence=[secret])
    mixed = believe(store, "Dana reads on the web", evidence=[secret, other])
    dry = store.forget(observation_where="app = ? COLLATE NOCASE", observation_params=["signal"],
                       dry_run=True)
    assert dry == {"propositions": 1, "observations": 1, "suggestions": 0, "screenshots": 1}
    assert shot.exists() and store.counts()["observations"] == 2  # dry run changed nothing
    done = store.forget(observation_where="app = ? COLLATE NOCASE", observation_params=["signal"])
    assert done == dry
    assert not shot.exists()
    with pytest.raises(NotFound):
        store.get_proposition(only_signal)
    assert [e.observation_id for e in store.evidence(mixed)] == [other]
    assert "Signal" not in store.get_proposition(mixed).evidence_digest


def test_forget_everything(store: Store) -> None:
    oid = observe(store, "x")
    believe(store, "y", evidence=[oid])
    assert store.forget(everything=True)["propositions"] == 1
    assert store.counts() == {"observations": 0, "active_propositions": 0, "propositions": 0,
                              "suggestions": 0}


def _file_bytes(path: Path) -> bytes:
    """Everything SQLite keeps of the database on disk: the main file and its -wal."""
    return b"".join(Path(str(path) + s).read_bytes() for s in ("", "-wal")
                    if Path(str(path) + s).exists())


def test_url_words_match_as_the_index_matches_words() -> None:
    url = "https://Clinic-Zorblat.example/app%C3%B3intments?who=dana_reyes#top"
    for word in ("zorblat", "clinic", "appointments", "APPOINTMENTS", "dana", "reyes",
                 "nope zorblat"):
        assert url_has_word(url, word), word
    for word in ("zorb", "clinic-zorblat", "", "xyz"):
        assert not url_has_word(url, word), word
    assert not url_has_word(None, "clinic")


def test_forget_while_another_connection_reads_finishes_on_the_next_open(store: Store) -> None:
    observe(store, "the zorblat diagnosis letter", title="zorblat")
    store.wipe_wait_s = 0.2
    # Another process's read: its snapshot still needs the old pages, so they cannot be
    # overwritten until it ends.
    reader = sqlite3.connect(store.path, isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM observations").fetchone() == (1,)
    try:
        assert Service(store).forget(ForgetRequest(query="zorblat"))["observations"] == 1
        assert store.wipe_pending
        assert stat.S_IMODE(store.wipe_marker.stat().st_mode) == 0o600
        assert store.wipe_marker.name == "gumd.db.wipe-pending"
        assert store.counts()["observations"] == 0
        assert Store.check_file(store.path).warnings  # db check and doctor say so
        assert not store.finish_wipe()  # the reader is still there: still pending
    finally:
        reader.execute("COMMIT")
        reader.close()
    store.close()
    reopened = Store(store.path)
    try:
        assert not reopened.wipe_pending
        assert b"zorblat" not in _file_bytes(store.path)
        assert Store.check_file(store.path).warnings == []
    finally:
        reopened.close()


def test_a_wipe_cut_off_before_the_rewrite_is_redone_in_full(store: Store) -> None:
    observe(store, "the zorblat letter")
    store.forget(observation_where="1")  # deleted, but the file not yet rewritten
    store.wipe_marker.write_text("vacuum\n")  # as a crash in the middle would leave it
    assert b"zorblat" in _file_bytes(store.path)
    assert store.finish_wipe()
    assert not store.wipe_pending and b"zorblat" not in _file_bytes(store.path)


def test_an_empty_file_is_reported_not_silently_used(tmp_path: Path) -> None:
    path = tmp_path / "gumd.db"
    path.write_bytes(b"")
    report = Store.check_file(path)
    assert report.ok and report.problems == []
    assert any("empty (0 bytes)" in w and str(path) in w for w in report.warnings)
    store = Store(path)
    assert store.started_empty
    store.close()
    again = Store(path)
    assert not again.started_empty  # said once: it is a database now
    again.close()
    assert Store.check_file(path).warnings == []


def _seed_on(folder: Path) -> Path:
    path = folder / "gumd.db"
    with Store(path) as s:
        believe(s, "Dana bakes sourdough", evidence=[observe(s, "a sourdough recipe")])
    return path


def test_a_read_only_folder_opens_the_database_read_only(tmpfs: Tmpfs) -> None:
    path = _seed_on(tmpfs.path)
    tmpfs.read_only()
    with Store(path) as s:
        assert query(s, "sourdough").hits
        assert isinstance(s.read_only, DatabaseReadOnly)
        with pytest.raises(DatabaseReadOnly, match="is read-only"):
            observe(s, "more")
        with pytest.raises(DatabaseReadOnly):
            s.reclaim()
        assert s.list_suggestions() == []
    report = Store.check_file(path)
    assert report.ok and report.counts["propositions"] == 1
    with pytest.raises(DatabaseReadOnly, match="no database to read"):
        Store(tmpfs.path / "other.db")


def test_a_full_disk_still_reads_and_writes_say_disk_full(tmpfs: Tmpfs) -> None:
    path = _seed_on(tmpfs.path)
    tmpfs.fill()
    for _ in range(2):  # the first open's failed try at the -shm file changes nothing
        with Store(path) as s:
            assert query(s, "sourdough").hits and s.counts()["observations"] == 1
            with pytest.raises(DiskFull, match=f"disk full: cannot write the database {path}"):
                observe(s, "more")
    assert Store.check_file(path).ok
    (tmpfs.path / "filler").unlink()
    with Store(path) as s:  # space again: writable again
        assert s.read_only is None
        observe(s, "more")


def test_a_write_that_meets_a_full_disk_says_disk_full(tmpfs: Tmpfs) -> None:
    path = _seed_on(tmpfs.path)
    with Store(path) as s:  # opened while there was room, as a running daemon would be
        tmpfs.fill()
        with pytest.raises(DiskFull, match="disk full"):
            s.enqueue([Observation(captured_at=1.0, observer="t", content="x" * 100_000)
                       for _ in range(50)])
        assert query(s, "sourdough").hits


def test_expired_screenshots_leave_the_disk(store: Store, clock: FakeClock, tmp_path: Path) -> None:
    old_shot, new_shot = tmp_path / "old.webp", tmp_path / "new.webp"
    old_shot.write_bytes(b"webp")
    new_shot.write_bytes(b"webp")
    old = observe(store, "read long ago", image_path=str(old_shot), ago=7200)
    new = observe(store, "read just now", image_path=str(new_shot), ago=60)
    store.claim_batch(5)
    store.mark_done([old, new])
    assert store.expire_screenshots(clock() - 3600) == 1
    assert not old_shot.exists() and new_shot.exists()
    assert store.get_observation(old).image_path is None
    assert store.get_observation(new).image_path == str(new_shot)


def test_backup_is_a_consistent_copy(store: Store, tmp_path: Path) -> None:
    oid = observe(store, "backup me")
    believe(store, "Dana keeps backups", evidence=[oid])
    dest = store.backup(tmp_path / "copy.db")
    copy = Store(dest)
    assert query(copy, "backups").hits[0].proposition.text == "Dana keeps backups"
    assert Store.check_file(dest).ok
    copy.close()
    with pytest.raises(InvalidInput):
        store.backup(dest)


def test_reads_map_the_file_as_configured(gumd_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gumd import settings as settings_module
    from gumd.wiring import make_store

    default = Store(gumd_home / "a.db")
    assert default.conn.execute("PRAGMA mmap_size").fetchone()[0] == 256 << 20
    default.close()
    monkeypatch.setenv("GUMD_STORE__MMAP_MB", "0")
    configured = make_store(settings_module.load())
    assert configured.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    configured.close()


def test_a_screenshot_read_later_is_fingerprinted_by_what_was_read(store: Store) -> None:
    """Before OCR a screenshot has no text: its fingerprint, made from the empty text, would be
    that of every screenshot of the window; once read it is made again from the text. A
    fingerprint the caller gave (an ingested file's bytes) is kept."""
    from propositions.store.base import content_hash

    ids = store.enqueue([
        Observation(captured_at=1.0, observer="screen", app="Xmessage", window_title="Calendar",
                    content_type="image/png", image_path=None),
        Observation(captured_at=2.0, observer="screen", app="Xmessage", window_title="Calendar",
                    content_type="image/png", image_path=None),
        Observation(captured_at=3.0, observer="ingest", window_title="shot.png", content_type="image/png",
                    image_path=None, content_hash="bytes-digest"),
    ])
    store.set_observation_content(ids[0], "Tomorrow 2 pm: interview with Acme")
    store.set_observation_content(ids[1], "Friday: dentist")
    store.set_observation_content(ids[2], "Friday: dentist")
    got = {o.id: o.content_hash for o in (store.get_observation(i) for i in ids)}
    assert got[ids[0]] == content_hash("Tomorrow 2 pm: interview with Acme", "Xmessage", "Calendar")
    assert got[ids[0]] != got[ids[1]]
    assert got[ids[2]] == "bytes-digest"


def test_first_opens_at_once_set_the_database_up_once(tmp_path: Path) -> None:
    """Several commands started together on a new home (`gumd run &` then `gumd status`): one
    sets the database up, the others wait for it; none sees a half-made file as a 0-byte one."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    for round_ in range(6):
        path, go = tmp_path / f"r{round_}" / "gumd.db", tmp_path / f"go{round_}"
        path.parent.mkdir()
        children = [subprocess.Popen([sys.executable, "-m", "tests.store_opener", str(path), str(go)],
                                     cwd=root, env=env, stdout=subprocess.PIPE, text=True)
                    for _ in range(4)]
        go.touch()
        said = [c.communicate(timeout=60)[0].strip() for c in children]
        assert said == ["ok"] * 4, said


def test_an_id_is_never_given_again_after_its_row_is_forgotten(store: Store) -> None:
    """SQLite gives the highest id + 1: forgetting the newest row would hand its id to the next,
    and an assistant holding the old id would act on another fact."""
    from propositions import Proposition, Suggestion

    obs = store.enqueue([Observation(captured_at=1.0, observer="screen", app="A", content="one"),
                         Observation(captured_at=2.0, observer="screen", app="A", content="two")])
    first = store.add_proposition(Proposition(text="Dana lives in Gohlis", confidence=0.6), [obs[1]])
    sugg = store.add_suggestion(Suggestion(title="Book it", kind="reminder", dedupe_key="k1"))
    qid = store.upsert_question(first, "Do you live in Gohlis?", "a chat line", 0.5, ["uncertain"])
    store.forget(everything=True)
    again = store.enqueue([Observation(captured_at=3.0, observer="screen", app="A", content="three")])
    second = store.add_proposition(Proposition(text="Dana lives in Leipzig", confidence=0.6), again)
    sugg2 = store.add_suggestion(Suggestion(title="Book it again", kind="reminder", dedupe_key="k2"))
    assert again[0] > obs[1] and second > first and sugg2 is not None and sugg is not None and sugg2 > sugg
    assert store.upsert_question(second, "Do you live in Leipzig?", "", 0.5, []) > qid
