"""The `gumd` command, driven as a user would, against a real database in GUMD_HOME."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gumd.cli import cli
from propositions import Observation, Store

from .conftest import Tmpfs, believe, observe


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    # One process-wide umask, as main() sets it, so created files are private.
    old = os.umask(0o077)
    try:
        result = CliRunner().invoke(cli, list(args), input=input, prog_name="gumd")
    finally:
        os.umask(old)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def seeded(gumd_home: Path) -> dict[str, int]:
    s = Store(gumd_home / "gumd.db")
    o1 = observe(s, "Maria and João's wedding in Porto on June 13", app="Gmail",
                 title="Re: wedding RSVP")
    o2 = observe(s, "def parse_line_items(pdf_text)", app="Code", title="parser.py - invoice-parser")
    ids = {
        "wedding": believe(s, "Dana is attending a wedding in Porto", confidence=0.8, evidence=[o1],
                           reasoning="An RSVP e-mail about the wedding"),
        "parser": believe(s, "Dana is building an invoice parser in Python", evidence=[o2]),
        "o1": o1,
        "o2": o2,
    }
    s.close()
    return ids


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append(prefix + (name,))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, prefix + (name,))
    return out


@pytest.mark.parametrize("path", [()] + _commands(cli), ids=lambda p: " ".join(p) or "gumd")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    code, out, _ = run(*path, "--help")
    assert code == 0
    assert out.startswith("Usage: gumd")
    assert len(out.splitlines()) > 3


def test_console_script_and_module_both_run(gumd_home: Path) -> None:
    env = {**os.environ, "GUMD_HOME": str(gumd_home)}
    for argv in (["gumd", "recent"], [sys.executable, "-m", "gumd", "recent"]):
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert "No propositions yet" in proc.stdout
    assert stat.S_IMODE(gumd_home.stat().st_mode) == 0o700
    assert stat.S_IMODE((gumd_home / "gumd.db").stat().st_mode) == 0o600


def test_query_text_and_json(seeded: dict[str, int]) -> None:
    code, out, _ = run("query", "porto wedding")
    assert code == 0 and "Dana is attending a wedding in Porto" in out
    code, out, _ = run("query", "porto", "--json", "--observations")
    data = json.loads(out)
    assert data["query"] == "porto"
    first = data["results"][0]
    assert first["id"] == seeded["wedding"] and first["confidence"] == 0.8
    for key in ("text", "reasoning", "decay", "status", "source", "created_at",
                "last_evidence_at", "score", "text_score", "recency", "user_feedback"):
        assert key in first
    assert first["created_at"].endswith("Z")
    assert data["observations"][0]["id"] == seeded["o1"]
    code, out, _ = run("query", 'NEAR("porto" AND *', "--since", "1d", "--min-confidence", "0.5",
                       "--limit", "5")
    assert code == 0


def test_bad_time_is_a_one_line_error(seeded: dict[str, int]) -> None:
    code, out, err = run("query", "x", "--since", "last tuesday-ish")
    assert code == 1
    assert err.count("\n") == 1 and "cannot read time" in err


def test_recent_and_show(seeded: dict[str, int]) -> None:
    code, out, _ = run("recent", "--json")
    assert {p["id"] for p in json.loads(out)} == {seeded["wedding"], seeded["parser"]}
    code, out, _ = run("show", str(seeded["wedding"]))
    assert "An RSVP e-mail" in out and "Re: wedding RSVP" in out and "[supports]" in out
    code, out, _ = run("show", str(seeded["wedding"]), "--json")
    detail = json.loads(out)
    assert detail["evidence"][0]["observation_id"] == seeded["o1"]
    assert detail["evidence"][0]["observation"]["app"] == "Gmail"
    code, _, err = run("show", "9999")
    assert code == 1 and "no proposition with id 9999" in err


def test_an_edit_says_it_is_yours_not_the_old_reasoning(seeded: dict[str, int]) -> None:
    wid = seeded["wedding"]
    code, out, _ = run("feedback", str(wid), "edit", "Dana is giving a toast at the Porto wedding",
                       "--json")
    assert code == 0
    today = time.strftime("%Y-%m-%d")
    new = json.loads(out)
    assert new["reasoning"] == f"edited by you on {today}; was: Dana is attending a wedding in Porto"
    code, out, _ = run("show", str(new["id"]))
    assert "An RSVP e-mail" not in out
    assert f"reasoning: edited by you on {today}; was: Dana is attending a wedding in Porto" in out
    # edited again: the reasoning quotes the wording it replaces, not the first one
    code, out, _ = run("feedback", str(new["id"]), "edit", "Dana is giving the toast", "--json")
    assert json.loads(out)["reasoning"] == (
        f"edited by you on {today}; was: Dana is giving a toast at the Porto wedding")


def test_feedback_confirm_reject_edit(seeded: dict[str, int]) -> None:
    wid, pid = seeded["wedding"], seeded["parser"]
    code, out, _ = run("feedback", str(wid), "confirm")
    assert code == 0 and "confirmed" in out
    code, out, _ = run("feedback", str(wid), "edit", "Dana is giving a toast at the Porto wedding",
                       "--json")
    new = json.loads(out)
    assert new["id"] != wid and new["user_feedback"] == "edited" and new["source"] == "user"
    code, out, _ = run("show", str(new["id"]), "--json")
    hist = json.loads(out)["history"]
    assert hist[0]["kind"] == "user_edit" and hist[0]["old_id"] == wid
    assert hist[0]["old_text"] == "Dana is attending a wedding in Porto"
    code, out, _ = run("show", str(wid), "--json")
    old = json.loads(out)
    assert old["status"] == "superseded" and old["superseded_by"] == [new["id"]]
    assert old["reasoning"] == "An RSVP e-mail about the wedding"  # the old version keeps its own
    code, out, _ = run("feedback", str(pid), "reject")
    assert code == 0
    code, out, _ = run("query", "invoice parser", "--json")
    assert json.loads(out)["results"] == []
    code, _, err = run("feedback", str(pid), "edit")
    assert code == 2 and "needs the new text" in err
    code, _, err = run("feedback", str(wid), "edit", "x")
    assert code == 1 and "only active ones can be revised" in err


def test_text_that_is_not_utf8_is_kept_with_replacement_characters(seeded: dict[str, int],
                                                                    tmp_path: Path,
                                                                    gumd_home: Path) -> None:
    """Arguments and file names are bytes; undecodable ones reach Python as lone surrogates."""
    env = {**os.environ, "GUMD_HOME": str(gumd_home)}
    gumd = [sys.executable, "-m", "gumd"]
    edit = subprocess.run([*gumd, "feedback", str(seeded["wedding"]), "edit", b"Dana \xff toasts",
                           "--json"], capture_output=True, env=env, timeout=60)
    assert edit.returncode == 0, edit.stderr
    assert json.loads(edit.stdout)["text"] == "Dana \ufffd toasts"
    note = tmp_path / os.fsdecode(b"trip-\xfe.txt")
    note.write_text("Packing list for the Lisbon trip\n")
    ingest = subprocess.run([*gumd, "ingest", "--no-process", str(note)], capture_output=True,
                            env=env, timeout=60)
    assert ingest.returncode == 0, ingest.stderr
    with Store(gumd_home / "gumd.db") as store:
        titles = [r["window_title"] for r in store.read(
            "SELECT window_title FROM observations WHERE observer = 'ingest'")]
    assert titles == ["trip-\ufffd.txt"]


def test_forget_asks_first_and_then_removes_everything(seeded: dict[str, int], gumd_home: Path) -> None:
    code, out, _ = run("forget", "--app", "gmail", input="n\n")
    assert code == 1 and "Permanently delete 1 propositions, 1 observations" in out
    code, out, _ = run("query", "porto", "--json")
    assert json.loads(out)["results"]  # answering no kept everything
    code, out, _ = run("forget", "--app", "gmail", "--dry-run")
    assert code == 0 and out.startswith("Would delete 1 propositions")
    code, out, _ = run("forget", "--app", "gmail", "--yes")
    assert code == 0 and "Deleted 1 propositions, 1 observations" in out
    for args in (["query", "porto", "--observations", "--json"], ["recent", "--json"],
                 ["export", "--what", "propositions"], ["export", "--what", "observations"]):
        code, out, _ = run(*args)
        assert "Porto" not in out and "wedding" not in out
    code, _, err = run("show", str(seeded["wedding"]))
    assert code == 1
    raw = (gumd_home / "gumd.db").read_bytes()
    assert b"Porto" not in raw and b"RSVP" not in raw
    code, out, _ = run("forget", "--app", "gmail", "--yes")
    assert "Nothing matches" in out
    code, _, err = run("forget")
    assert code == 1 and "say what to forget" in err


def test_forget_by_query_time_and_all(seeded: dict[str, int]) -> None:
    code, out, _ = run("forget", "--query", "invoice", "--yes")
    assert "Deleted 1 propositions, 1 observations" in out
    code, out, _ = run("forget", "--since", "1h", "--yes")
    assert "Deleted 1 propositions, 1 observations" in out
    code, out, _ = run("forget", "--all", "--yes")
    assert "Nothing matches" in out
    code, _, err = run("forget", "--id", "12345", "--yes")
    assert code == 1 and "no proposition with id 12345" in err


def test_export_formats_and_private_file(seeded: dict[str, int], tmp_path: Path) -> None:
    code, out, _ = run("export")
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["id"] for r in rows} == {seeded["wedding"], seeded["parser"]}
    assert rows[0]["evidence"][0]["relation"] == "supports"
    code, out, _ = run("export", "--what", "observations", "--format", "json")
    assert len(json.loads(out)) == 2
    code, out, _ = run("export", "--what", "suggestions", "--format", "json")
    assert json.loads(out) == []
    dest = tmp_path / "out.jsonl"
    code, _, err = run("export", "--output", str(dest))
    assert code == 0 and len(dest.read_text().splitlines()) == 2
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    code, _, err = run("export", "--output", str(dest))
    assert code == 1 and "already exists" in err


def test_db_commands(seeded: dict[str, int], gumd_home: Path, tmp_path: Path) -> None:
    code, out, _ = run("db", "path")
    assert out.strip() == str(gumd_home / "gumd.db")
    code, out, _ = run("db", "check")
    assert code == 0 and out.startswith("ok:")
    code, out, _ = run("db", "check", "--json")
    assert json.loads(out)["counts"]["propositions"] == 2
    dest = tmp_path / "backup.db"
    code, out, _ = run("db", "backup", str(dest))
    assert code == 0 and Store.check_file(dest).ok
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    code, out, _ = run("db", "vacuum")
    assert code == 0 and "bytes ->" in out


def test_damaged_database_is_one_line_error(gumd_home: Path) -> None:
    gumd_home.mkdir(parents=True)
    (gumd_home / "gumd.db").write_bytes(b"garbage" * 1000)
    code, _, err = run("recent")
    assert code == 1
    assert err.count("\n") == 1 and "damaged or not a gumd database" in err
    code, out, _ = run("db", "check")
    assert code == 1 and out.startswith("problems in")


def _on_disk(db: Path) -> bytes:
    return b"".join(Path(str(db) + s).read_bytes() for s in ("", "-wal")
                    if Path(str(db) + s).exists())


def test_forget_by_query_takes_the_word_out_of_urls_on_disk(gumd_home: Path) -> None:
    db = gumd_home / "gumd.db"
    with Store(db) as s:
        oid = observe(s, "Opening hours and prices", app="Firefox", title="Booking")
        s.read("UPDATE observations SET url = 'https://www.zorblat-clinic.example/book' "
               "WHERE id = ?", (oid,))
        s.conn.commit()
        observe(s, "a page about Porto", app="Firefox", title="Travel")
    assert b"zorblat" in _on_disk(db)
    code, out, _ = run("forget", "--query", "zorblat", "--yes")
    assert code == 0 and "Deleted 0 propositions, 1 observations" in out
    assert "another process" not in out
    assert b"zorblat" not in _on_disk(db)
    code, out, _ = run("export", "--what", "observations")
    assert "Porto" in out and "zorblat" not in out


READER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN")
print(conn.execute("SELECT count(*) FROM observations").fetchone()[0], flush=True)
sys.stdin.read()  # holds its read open until the test closes stdin
conn.execute("COMMIT")
"""


def test_forget_while_another_process_reads_says_so_and_the_next_run_finishes(
    seeded: dict[str, int], gumd_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import propositions.store.base

    monkeypatch.setattr(propositions.store.base, "WIPE_WAIT_S", 0.2)
    db = gumd_home / "gumd.db"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "2"
        code, out, _ = run("forget", "--app", "gmail", "--yes")
        assert code == 0 and "Deleted 1 propositions, 1 observations" in out
        assert ("Forgotten, but another process is reading the database: the text leaves the "
                "file when it closes; gumd finishes the wipe on its next start or run.") in out
        marker = gumd_home / "gumd.db.wipe-pending"
        assert marker.exists() and stat.S_IMODE(marker.stat().st_mode) == 0o600
        code, out, _ = run("db", "check")
        assert code == 0 and "warning: forgotten data may still be in" in out
    finally:
        reader.communicate("", timeout=30)
    assert reader.returncode == 0
    code, out, _ = run("recent")  # any command's open finishes the wipe
    assert code == 0 and "invoice parser" in out
    assert not (gumd_home / "gumd.db.wipe-pending").exists()
    assert b"Porto" not in _on_disk(db) and b"RSVP" not in _on_disk(db)


def test_an_empty_database_file_is_reported(gumd_home: Path) -> None:
    gumd_home.mkdir(parents=True)
    db = gumd_home / "gumd.db"
    db.write_bytes(b"")
    code, out, _ = run("db", "check")
    assert code == 0 and f"warning: {db} is empty (0 bytes)" in out
    code, out, _ = run("doctor", "--json")
    check = next(c for c in json.loads(out) if c["name"] == "database")
    assert check["level"] == "warn" and "empty (0 bytes)" in check["message"]
    code, out, err = run("recent")
    assert code == 0 and f"gumd: warning: {db} was an empty (0-byte) file" in err
    assert err.count("\n") == 1
    code, out, err = run("recent")
    assert code == 0 and err == ""  # said once
    code, out, _ = run("db", "check")
    assert out.startswith("ok:") and "warning" not in out


def _one_line_error(err: str, *needles: str) -> None:
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


def _home_with_a_belief(tmpfs: Tmpfs, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A GUMD_HOME on the small filesystem, holding one proposition and its evidence."""
    home = tmpfs.path / "home"
    monkeypatch.setenv("GUMD_HOME", str(home))
    with Store(home / "gumd.db") as s:
        believe(s, "Dana bakes sourdough", evidence=[observe(s, "a sourdough recipe")])
    return home


def test_a_read_only_home_reads_and_refuses_writes_in_one_line(
    tmpfs: Tmpfs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = _home_with_a_belief(tmpfs, monkeypatch)
    code, token, _ = run("api", "token")
    tmpfs.read_only()
    refused = f"GUMD_HOME {home} is read-only: cannot"
    for args in (["pause"], ["resume"], ["api", "token", "--rotate"], ["run"],
                 ["forget", "--all", "--yes"], ["db", "vacuum"],
                 ["feedback", "1", "confirm"]):
        code, out, err = run(*args)
        assert code == 1, args
        _one_line_error(err, refused)
    note = tmp_path / "note.txt"
    note.write_text("a note")
    code, _, err = run("ingest", "--no-process", str(note))
    assert code == 1 and refused in err and "reading still works" in err
    for args, expect in ((["recent"], "sourdough"), (["query", "sourdough"], "sourdough"),
                         (["status"], "queue:"), (["export"], "sourdough"),
                         (["db", "check"], "ok:"), (["api", "token"], token.strip())):
        code, out, err = run(*args)
        assert code == 0 and expect in out, (args, out, err)
    # With no database there yet, there is nothing to read and it cannot be made.
    monkeypatch.setenv("GUMD_STORE__PATH", str(home / "missing.db"))
    code, _, err = run("recent")
    assert code == 1
    _one_line_error(err, f"{refused} create the database {home / 'missing.db'}")
    monkeypatch.delenv("GUMD_STORE__PATH")
    # As a user runs it: its own process, one line on stderr, no traceback.
    env = {**os.environ, "GUMD_HOME": str(home)}
    for args in (["pause"], ["run"]):
        proc = subprocess.run([sys.executable, "-m", "gumd", *args], capture_output=True,
                              text=True, env=env, timeout=60)
        assert proc.returncode == 1
        _one_line_error(proc.stderr, refused)


def test_a_full_disk_still_reads_and_writes_say_disk_full(
    tmpfs: Tmpfs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = _home_with_a_belief(tmpfs, monkeypatch)
    tmpfs.fill()
    for args, expect in ((["recent"], "sourdough"), (["query", "sourdough"], "sourdough"),
                         (["status"], "queue:"), (["db", "check"], "ok:")):
        code, out, err = run(*args)
        assert code == 0 and expect in out, (args, out, err)
    note = tmp_path / "note.txt"
    note.write_text("a note")
    for args in (["forget", "--all", "--yes"], ["ingest", "--no-process", str(note)]):
        code, _, err = run(*args)
        assert code == 1
        _one_line_error(err, f"disk full: cannot write the database {home / 'gumd.db'}",
                        "free some space")
    code, _, err = run("pause")
    assert code == 1
    _one_line_error(err, "disk full")


def test_config_path_show_and_errors(gumd_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run("config", "path")
    assert out.strip() == str(gumd_home / "config.toml")
    gumd_home.mkdir(parents=True)
    cfg = gumd_home / "config.toml"
    cfg.write_text("[retrieval]\ndefault_limit = 3\n")
    code, out, _ = run("config", "show", "--json")
    data = json.loads(out)
    assert data["settings"]["retrieval"]["default_limit"] == 3
    monkeypatch.setenv("GUMD_RETRIEVAL__DEFAULT_LIMIT", "4")
    code, out, _ = run("config", "show")
    assert "default_limit = 4" in out and "GUMD_RETRIEVAL__DEFAULT_LIMIT" in out
    monkeypatch.setenv("GUMD_RETRIEVAL__DEFAULT_LIMIT", "many")
    code, _, err = run("config", "show")
    assert code == 1 and "GUMD_RETRIEVAL__DEFAULT_LIMIT" in err and err.count("\n") == 1
    monkeypatch.delenv("GUMD_RETRIEVAL__DEFAULT_LIMIT")
    cfg.write_text("[store]\nbusy_timeout_s = -1\n")
    code, _, err = run("query", "x")
    assert code == 1 and str(cfg) in err and "store.busy_timeout_s" in err
    cfg.write_text("[retrieval]\nw_txt = 1\n")
    code, _, err = run("recent")
    assert code == 1 and "retrieval.w_txt: unknown setting" in err
    cfg.write_text("[retrieval\n")
    code, _, err = run("recent")
    assert code == 1 and "not valid TOML" in err and err.count("\n") == 1


def test_config_round_trip_of_show_output(gumd_home: Path) -> None:
    """What `config show` prints is itself a valid config file."""
    code, out, _ = run("config", "show")
    gumd_home.mkdir(parents=True, exist_ok=True)
    (gumd_home / "config.toml").write_text(out)
    code, out2, _ = run("config", "show")
    assert code == 0 and out2.replace(" (absent: defaults)", "") == out.replace(" (absent: defaults)", "")


def test_database_sizes_count_the_write_ahead_log(gumd_home: Path) -> None:
    from gumd import doctor
    from gumd import settings as settings_mod

    db = gumd_home / "gumd.db"
    store = Store(db)  # held open: its recent writes stay in gumd.db-wal, as under a running daemon
    try:
        store.enqueue([Observation(captured_at=1_700_000_000 + i, observer="screen", app="Terminal",
                                   content=f"$ make test {i} " + "output line " * 40)
                       for i in range(500)])
        parts = {suffix: Path(f"{db}{suffix}").stat().st_size for suffix in ("", "-wal", "-shm")}
        assert parts["-wal"] > parts[""]  # the case that was reported at a twentieth of its size
        total = sum(parts.values())
        assert Store.check_file(db).size_bytes == total
        check = doctor._database(settings_mod.load(gumd_home))
        assert f"({total / 1e6:.1f} MB)" in check.message, check.message
        data = json.loads(run("status", "--json")[1])
        assert data["db_bytes"] == total
        _, out, _ = run("db", "check", "--json")
        assert json.loads(out)["size_bytes"] == total
    finally:
        store.close()
