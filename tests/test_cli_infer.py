"""The inference commands: ingest, replay, eval, queue and model, end to end on a real home."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from propositions import Store

from .test_cli import run
from .test_infer import SCENARIOS

needs_scenarios = pytest.mark.skipif(not SCENARIOS, reason="the shared dev scenarios are absent")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ingest_text_and_bad_files(tmp_path: Path, gumd_home: Path) -> None:
    notes = tmp_path / "in"
    notes.mkdir()
    (notes / "trip.md").write_text("Packing list for the Lisbon trip: passport, charger.\n"
                                   "Lisbon hotel booked. Lisbon trip in May.\n")
    (notes / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (notes / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    (notes / "key.txt").write_text("deploy key: AKIAABCDEFGHIJKLMNOP and more notes")
    code, out, err = run("ingest", str(notes), str(tmp_path / "missing.txt"))
    assert code == 0
    assert "Queued 2 observations; skipped 3." in out
    assert "broken.png" in err and "blob.bin" in err and "missing.txt" in err
    assert all(len(line) < 300 for line in err.splitlines())
    assert "Processed 2 observations" in out
    code, out, _ = run("export", "--what", "observations")
    assert "AKIAABCDEFGHIJKLMNOP" not in out and "[REDACTED:aws-key]" in out


def test_ingest_screenshot_is_read_and_deleted(tmp_path: Path, gumd_home: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (1280, 720), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=40)
    draw.text((60, 80), "Quarterly budget review meeting", fill="black", font=font)
    draw.text((60, 160), "Budget spreadsheet for the garden project", fill="black", font=font)
    shot = tmp_path / "screen.png"
    img.save(shot)
    code, out, err = run("ingest", str(shot))
    assert code == 0, err
    assert shot.exists()  # the user's own file is never deleted
    assert list((gumd_home / "screenshots").iterdir()) == []  # the private copy is, once read
    code, out, _ = run("export", "--what", "observations")
    row = json.loads(out.splitlines()[0])
    assert "budget" in row["content"].lower() and row["image_path"] is None


def _observations() -> list[dict]:
    code, out, _ = run("export", "--what", "observations")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_ingesting_the_same_content_again_stores_nothing(tmp_path: Path, gumd_home: Path) -> None:
    from PIL import Image

    notes = tmp_path / "notes"
    notes.mkdir()
    trip = notes / "trip.md"
    trip.write_text("Lisbon hotel booked for May.\n")
    (notes / "key.txt").write_text("deploy key: AKIAABCDEFGHIJKLMNOP\n")
    Image.new("RGB", (64, 32), "white").save(notes / "shot.png")
    code, out, err = run("ingest", "--no-process", str(notes))
    assert code == 0, err
    assert "Queued 3 observations; skipped 0." in out
    first = {row["window_title"]: row["id"] for row in _observations()}

    code, out, err = run("ingest", "--no-process", str(notes))
    assert code == 0
    assert "Queued 0 observations; skipped 0; 3 already stored." in out
    assert f"already stored {trip}: same content as observation #{first['trip.md']}" in err
    assert len(_observations()) == 3
    assert len(list((gumd_home / "screenshots").iterdir())) == 1  # no second private copy

    # The same content under another name, or touched without a change, is the same file.
    copy = tmp_path / "copy of trip.md"
    shutil.copy(trip, copy)
    trip.touch()
    code, out, _ = run("ingest", "--no-process", str(copy), str(trip))
    assert "Queued 0 observations; skipped 0; 2 already stored." in out

    # A changed file is new content: stored again, beside the old version.
    trip.write_text("Lisbon hotel booked for May. Flights on the 12th.\n")
    code, out, _ = run("ingest", "--no-process", str(trip), str(copy))
    assert "Queued 1 observations; skipped 0; 1 already stored." in out
    assert sorted(r["content"] for r in _observations() if r["window_title"] == "trip.md") == [
        "Lisbon hotel booked for May.\n", "Lisbon hotel booked for May. Flights on the 12th.\n"]


def test_the_same_content_twice_in_one_ingest_is_stored_once(tmp_path: Path, gumd_home: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Same notes about the Porto wedding.\n")
    code, out, err = run("ingest", "--no-process", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))
    assert "Queued 1 observations; skipped 0; 1 already stored." in out
    assert "b.txt: same content as a file above" in err
    assert len(_observations()) == 1


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_text_read_from_a_screenshot_is_redacted_like_captured_text(
        tmp_path: Path, gumd_home: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    gumd_home.mkdir(parents=True)
    (gumd_home / "config.toml").write_text(
        '[inference]\nocr = "tesseract"\n[privacy]\nredact_emails = true\n')
    img = Image.new("RGB", (900, 200), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=32)
    draw.text((20, 30), "Reply to dana.reyes@example.org", fill="black", font=font)
    draw.text((20, 100), "about the Porto wedding", fill="black", font=font)
    shot = tmp_path / "mail.png"
    img.save(shot)
    code, _, err = run("ingest", str(shot))
    assert code == 0, err
    code, out, _ = run("export", "--what", "observations")
    content = json.loads(out.splitlines()[0])["content"]
    assert "Porto" in content  # OCR read the screenshot
    assert "[REDACTED:email]" in content and "dana.reyes" not in content
    raw = b"".join(p.read_bytes() for p in gumd_home.glob("gumd.db*"))
    assert b"dana.reyes@example.org" not in raw


@needs_scenarios
def test_replay_into_home_then_query(gumd_home: Path) -> None:
    wedding = next(p for p in SCENARIOS if "wedding" in p)
    code, out, err = run("replay", wedding)
    assert code == 0, err
    assert "Processed 25 observations" in out
    code, out, _ = run("query", "porto", "--json")
    results = json.loads(out)["results"]
    assert results and all("Dana" in r["text"] for r in results)
    code, out, _ = run("show", str(results[0]["id"]), "--json")
    assert json.loads(out)["evidence"]
    # The observations keep their scenario timestamps (June 2026), not the replay time.
    code, out, _ = run("export", "--what", "observations")
    assert json.loads(out.splitlines()[0])["captured_at"].startswith("2026-06-01")


@needs_scenarios
def test_eval_json(gumd_home: Path) -> None:
    code, out, err = run("eval", *SCENARIOS, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["backend"] == "statistical"
    assert {s["scenario"] for s in data["scenarios"]} == {"job-search", "thesis-feedback", "wedding-trip"}
    for key in ("recall_macro", "precision_macro", "ece", "brier", "auc", "duplicates"):
        assert key in data["overall"]
    assert not (gumd_home / "gumd.db").exists()  # eval never touches the real home


def test_eval_bad_scenario_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run("eval", str(bad))
    assert code == 1 and "bad.json" in err and err.count("\n") == 1


def test_queue_commands_with_a_server_that_is_down(gumd_home: Path, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    port = _free_port()
    monkeypatch.setenv("GUMD_MODEL__KIND", "openai")
    monkeypatch.setenv("GUMD_MODEL__NAME", "qwen2.5:3b")
    monkeypatch.setenv("GUMD_MODEL__BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("GUMD_MODEL__MAX_RETRIES", "0")
    monkeypatch.setenv("GUMD_MODEL__TIMEOUT_S", "2")
    (tmp_path / "a.txt").write_text("a note about gardening")
    code, out, err = run("ingest", str(tmp_path / "a.txt"))
    assert code == 0
    assert "Stopped: cannot reach the model server" in err and f"127.0.0.1:{port}" in err
    code, out, _ = run("queue", "list", "--json")
    assert json.loads(out)["counts"]["pending"] == 1  # nothing lost
    code, _, err = run("model", "test")
    assert code == 1 and "cannot reach the model server" in err and err.count("\n") == 1
    code, out, _ = run("model", "show", "--json")
    info = json.loads(out)
    assert info["kind"] == "openai" and info["base_url"].endswith("/v1") and "api_key" not in info
    assert info["focus"] == "threads"


def test_queue_retry_and_purge(gumd_home: Path) -> None:
    run("recent")  # creates the store
    s = Store(gumd_home / "gumd.db", max_attempts=1)
    from propositions import Observation

    ids = s.enqueue([Observation(captured_at=1.0, observer="screen", content="x")])
    s.claim_batch(5)
    s.mark_failed(ids, "model output still invalid")
    s.close()
    code, out, _ = run("queue", "list")
    assert "1 failed" in out and "model output still invalid" in out
    code, out, _ = run("queue", "retry", "--no-process")
    assert "1 observations queued again" in out
    s = Store(gumd_home / "gumd.db", max_attempts=1)
    s.claim_batch(5)
    s.mark_failed(ids, "again")
    s.close()
    code, out, _ = run("queue", "purge-failed", "--yes")
    assert "Deleted 1 observations" in out
    code, out, _ = run("queue", "list", "--json")
    assert json.loads(out)["counts"] == {"pending": 0, "processing": 0, "done": 0, "failed": 0}


def test_model_show_and_test_statistical(gumd_home: Path) -> None:
    code, out, _ = run("model", "show")
    assert "statistical" in out
    code, out, _ = run("model", "test")
    assert code == 0 and "statistical inferrer works" in out
