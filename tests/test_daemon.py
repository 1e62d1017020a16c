"""The daemon with a scripted observer at the observer seam: privacy, pause, queue, jobs, lock, signals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from gumd import health
from gumd import settings as settings_mod
from gumd.cli import cli
from gumd.daemon import Daemon
from gumd.observers.base import ObserverContext, WindowInfo
from gumd.privacy import PauseState
from propositions import Observation, Store
from propositions.backends.base import BackendUnavailable

from .conftest import FakeClock

KEY = "AKIA" + "ABCDEFGHIJKLMNOP"


class ScriptedObserver:
    """A fake observer: emits the observations a test hands it, through the daemon's gate and sink."""

    name = "scripted"

    def __init__(self) -> None:
        self.ctx: ObserverContext | None = None

    def start(self, ctx: ObserverContext) -> None:
        self.ctx = ctx

    def stop(self) -> None:
        pass

    def see(self, app: str, title: str, text: str) -> bool:
        """Emit one observation if the gate allows the window; True when it did."""
        assert self.ctx is not None
        window = WindowInfo(app=app, title=title)
        self.ctx.state.set_window(window)
        if not self.ctx.gate.allows(window):
            return False
        self.ctx.sink(Observation(captured_at=self.ctx.clock(), observer="screen", app=app,
                                  window_title=title, content=text))
        return True


@pytest.fixture
def settings(gumd_home: Path) -> settings_mod.Settings:
    gumd_home.mkdir(parents=True, exist_ok=True)
    (gumd_home / "config.toml").write_text(
        "[inference]\nuser_name = \"Dana Reyes\"\nbatch_size = 3\n"
        "[daemon]\nmax_wait_s = 0\ninference_interval_s = 1\n"
        "[retention]\nmin_free_disk_mb = 0\n"
    )
    return settings_mod.load(gumd_home)


@pytest.fixture
def daemon(settings: settings_mod.Settings):  # type: ignore[no-untyped-def]
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])
    d.start()
    yield d, obs
    d.stop()


def test_observations_pass_privacy_then_queue(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    d, obs = daemon
    assert obs.see("Firefox", "Flights to Porto", f"booking ref 123 aws {KEY}")
    assert not obs.see("KeePassXC", "Passwords.kdbx", "hunter2 is my password")
    assert not obs.see("Firefox", "New Incognito Tab - Google Chrome", "secret browsing")
    rows = d.store.read("SELECT app, window_title, content FROM observations")
    assert [(r["app"], r["window_title"]) for r in rows] == [("Firefox", "Flights to Porto")]
    assert KEY not in rows[0]["content"] and "[REDACTED:aws-key]" in rows[0]["content"]
    raw = settings.db_path.read_bytes() + Path(str(settings.db_path) + "-wal").read_bytes()
    assert b"hunter2" not in raw and b"secret browsing" not in raw


def test_pause_is_honoured_within_a_second(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    d, obs = daemon
    PauseState.for_home(settings.home).pause(None)  # what `gumd pause` does, from another process
    time.sleep(0.05)
    assert not obs.see("Firefox", "News", "headline")
    d._health_job()
    status = health.read_status(settings.home)
    assert status.paused and status.paused_until is None
    PauseState.for_home(settings.home).resume()
    assert obs.see("Firefox", "News", "headline")
    assert d.store.queue_counts()["pending"] == 1


def test_inference_job_processes_due_batches(daemon) -> None:  # type: ignore[no-untyped-def]
    d, obs = daemon
    for i in range(4):
        obs.see("Google Docs", "Toast for Maria & Joao", f"Toast draft for the wedding, part {i}")
    d.run_inference_now()
    assert d.store.queue_counts()["done"] == 4
    texts = [r["text"] for r in d.store.read("SELECT text FROM propositions")]
    assert any("Dana" in t for t in texts)
    assert d.status.last_inference_at > 0


def test_a_second_daemon_refuses_to_start(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    other = Daemon(settings, observers=[])
    with pytest.raises(health.AlreadyRunning) as err:
        other.start()
    assert str(os.getpid()) in str(err.value)
    assert health.lock_held(settings.home)


def test_status_file_and_stop(settings) -> None:  # type: ignore[no-untyped-def]
    d = Daemon(settings, observers=[ScriptedObserver()])
    d.start()
    status = health.read_status(settings.home)
    assert status.running and status.pid == os.getpid() and status.observers == ["scripted"]
    assert (settings.home / health.STATUS_NAME).stat().st_mode & 0o777 == 0o600
    d.stop()
    assert not health.read_status(settings.home).running
    assert not health.lock_held(settings.home)


def test_disk_guard_blocks_capture(settings) -> None:  # type: ignore[no-untyped-def]
    settings.retention.min_free_disk_mb = 10**12  # more than any disk has
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])
    d.start()
    try:
        assert not obs.see("Firefox", "News", "x")
        d._health_job()
        assert "free on disk" in health.read_status(settings.home).capture_blocked
    finally:
        d.stop()


def test_retention_ages_out_observations_but_keeps_propositions(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    d, obs = daemon
    old = time.time() - 40 * 86400
    ids = d.store.enqueue([Observation(captured_at=old, observer="screen", app="Firefox",
                                       content="an old page about sourdough")])
    d.store.claim_batch(10)
    d.store.mark_done(ids)
    from propositions import Proposition

    pid = d.store.add_proposition(Proposition(text="Dana bakes sourdough", confidence=0.6), ids)
    d._retention_job()
    assert d.store.counts()["observations"] == 0
    assert d.store.get_proposition(pid).status == "active"


def _write_runner(tmp_path: Path) -> Path:
    """A daemon process whose inferrer is slow, so a test can kill it mid-batch."""
    script = tmp_path / "slow_daemon.py"
    script.write_text(textwrap.dedent(
        """
        import sys, time
        from gumd import settings as settings_mod
        from gumd.daemon import Daemon
        from propositions.infer import Pipeline
        from propositions.statistical import StatisticalInferrer

        class SlowInferrer(StatisticalInferrer):
            def propose(self, batch, store):
                print("claimed", len(batch), flush=True)
                time.sleep(float(sys.argv[1]))
                return super().propose(batch, store)

        s = settings_mod.load()
        d = Daemon(s, observers=[],
                   pipeline_factory=lambda store: Pipeline(store, SlowInferrer("Dana"), batch_size=5))
        sys.exit(d.run_forever())
        """))
    return script


def _seed_queue(settings: settings_mod.Settings, n: int) -> list[int]:
    store = Store(settings.db_path)
    ids = store.enqueue([Observation(captured_at=time.time() - 100 + i, observer="screen",
                                     app="Terminal", content=f"$ make test {i}") for i in range(n)])
    store.close()
    return ids


@pytest.mark.slow
def test_kill_9_mid_batch_loses_nothing(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ids = _seed_queue(settings, 12)
    env = {**os.environ, "GUMD_HOME": str(settings.home), "GUMD_STORE__CLAIM_TIMEOUT_S": "2"}
    script = _write_runner(tmp_path)
    proc = subprocess.Popen([sys.executable, str(script), "30"], stdout=subprocess.PIPE, text=True,
                            env=env)
    line = proc.stdout.readline()
    assert line.startswith("claimed"), line
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = Store(settings.db_path)
    assert store.queue_counts()["processing"] == 5  # the batch in hand, still recorded
    store.close()
    time.sleep(2.2)  # past the claim timeout: the abandoned batch may be taken again
    proc = subprocess.Popen([sys.executable, str(script), "0"], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            store = Store(settings.db_path)
            counts = store.queue_counts()
            store.close()
            if counts["done"] == len(ids):
                break
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # SIGTERM is a clean exit: services do not restart it
    assert counts == {"pending": 0, "processing": 0, "done": 12, "failed": 0}


def test_sigterm_finishes_the_batch_in_hand(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _seed_queue(settings, 5)
    env = {**os.environ, "GUMD_HOME": str(settings.home)}
    proc = subprocess.Popen([sys.executable, str(_write_runner(tmp_path)), "2"],
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().startswith("claimed")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    store = Store(settings.db_path)
    assert store.queue_counts() == {"pending": 0, "processing": 0, "done": 5, "failed": 0}
    store.close()
    assert not health.read_status(settings.home).running


def test_status_judges_stalled_inference(settings) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    status = health.DaemonReport(pid=os.getpid(), started_at=now - 7200, updated_at=now, running=True,
                                 observers=[], last_inference_at=now - 7000, max_wait_s=300)
    lock = health.InstanceLock(settings.home)
    lock.acquire()
    try:
        verdict = health.judge(settings.home, status, {"pending": 40}, now - 3600, now)
        assert verdict["state"] == "stalled"
        assert "waited 60 min for inference" in verdict["problems"][0]
        status.model_unavailable = "cannot reach the model server"
        verdict = health.judge(settings.home, status, {"pending": 40}, now - 3600, now)
        assert "waits for the model" in verdict["problems"][0]
        fresh = health.judge(settings.home, status, {"pending": 1}, now - 10, now)
        assert fresh["state"] == "running"
        status.updated_at = now - 120
        assert health.judge(settings.home, status, {}, None, now)["state"] == "stalled"
    finally:
        lock.release()
    assert health.judge(settings.home, status, {}, None, now)["state"] == "stopped"


def test_gumd_status_json_while_running(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    from .test_cli import run

    d, obs = daemon
    obs.see("Firefox", "News", "x")
    d._health_job()
    code, out, _ = run("status", "--json")
    data = json.loads(out)
    assert data["state"] == "running" and data["running"] and data["pid"] == os.getpid()
    assert data["queue"]["pending"] == 1 and data["backend"] == "statistical"


def test_suggest_job_respects_typing_and_pause(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    d, obs = daemon
    when = time.strftime("%A, %B %d", time.localtime(time.time() + 2 * 86400))
    settings.suggestions.quiet_hours = []
    d._suggester = None
    ids = d.store.enqueue([Observation(captured_at=time.time() - 600, observer="screen", app="Gmail",
                                       window_title="Dentist - Gmail",
                                       content=f"Your dentist appointment is on {when} at 10:00 AM.")])
    d.store.claim_batch(5)
    d.store.mark_done(ids)
    now = time.time()
    for i in range(60):  # a burst of typing: never interrupted
        d.state.note_key(now - i * 0.5)
    d.state.note_input(at=now)
    assert d.focus().input_rate >= 60
    d._suggest_job()
    assert d.store.list_suggestions() == []
    d.state.key_times.clear()
    PauseState.for_home(settings.home).pause(None)
    d._suggest_job()
    assert d.store.list_suggestions() == []
    PauseState.for_home(settings.home).resume()
    d.state.last_input_at = time.time() - 120
    d._suggest_job()
    assert [s.kind for s in d.store.list_suggestions()] == ["reminder"]


def test_local_controls_for_dashboard_and_api(daemon, settings) -> None:  # type: ignore[no-untyped-def]
    from gumd.controls import LocalControls
    from propositions.service import Service

    d, obs = daemon
    controls = LocalControls(settings, Service(d.store))
    obs.see("Firefox", "News", "x")
    d._health_job()
    status = controls.status()
    assert status["state"] == "running" and status["pid"] == os.getpid()
    assert status["queue"]["pending"] == 1 and status["captures_per_hour"] == 1
    controls.pause(time.time() + 600)
    assert controls.status()["paused"] and controls.status()["state"] == "paused"
    assert not obs.see("Firefox", "News", "y")  # the daemon honours the same pause
    controls.resume()
    assert not controls.status()["paused"]
    assert "KeePassXC" in controls.exclusions()["apps"]


def test_daemon_serves_the_local_api(settings) -> None:  # type: ignore[no-untyped-def]
    import socket
    import urllib.error
    import urllib.request

    from gumd.api import load_or_create_token

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.api.enabled = True
    settings.api.port = port
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])
    workers: list[int] = []
    d.start()
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/observations", method="POST",
                                     data=json.dumps({"text": f"notes {KEY}", "app": "Editor"}).encode(),
                                     headers={"Authorization": f"Bearer {load_or_create_token(settings.home)}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 202 and json.load(resp)["accepted"] == 1
        content = d.store.read("SELECT content FROM observations")[0]["content"]
        assert KEY not in content  # posted text passed the same privacy filter
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=10)
        assert err.value.code == 401
        # Ranked reads go to the daemon's worker processes (api.workers, 2 by default).
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/context?q=notes", headers={
            "Authorization": f"Bearer {load_or_create_token(settings.home)}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.status == 200 and "propositions" in json.load(resp)
        pool = d.api_server.server.config.app.state.api.readers
        workers = pool.pids
        assert len(workers) == settings.api.workers == 2
        # Honest health: the status file, and `gumd status`, say so.
        d._health_job()
        status = health.read_status(settings.home)
        assert status is not None and status.api_url == f"http://127.0.0.1:{port}"
        assert status.api_workers == 2 and status.api_workers_resting is False
        shown = CliRunner().invoke(cli, ["status"])
        assert f"API: http://127.0.0.1:{port}, 2 worker processes" in shown.output, shown.output
    finally:
        d.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/status", timeout=2)
    for pid in workers:  # they stopped with the daemon
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# -- screenshots are read soon, and never wait unread past the cap --------------------------


def _screenshot(folder: Path, lines: list[str]) -> Path:
    """A screenshot file as the screen observer leaves it: text on a window, 0600."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("RGB", (900, 80 + 70 * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=32)
    for i, line in enumerate(lines):
        draw.text((20, 30 + 70 * i), line, fill="black", font=font)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"shot-{time.time_ns()}.png"
    img.save(path)
    path.chmod(0o600)
    return path


def _emit_screenshot(obs: ScriptedObserver, path: Path) -> None:
    assert obs.ctx is not None
    obs.ctx.sink(Observation(captured_at=obs.ctx.clock(), observer="screen", app="Thunderbird",
                             window_title="Inbox", image_path=str(path), content_type="image/png"))


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_screenshots_are_read_soon_not_left_waiting_for_a_batch(settings) -> None:  # type: ignore[no-untyped-def]
    settings.inference.ocr = "tesseract"
    settings.inference.batch_size = 50
    settings.daemon.max_wait_s = 3600  # no batch comes due during the test
    settings.retention.unread_screenshot_max_s = 10  # the job then looks every 2.5 s
    settings.privacy.redact_emails = True
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])
    d.start()
    try:
        shot = _screenshot(d.ctx.screenshots_dir,
                           ["Reply to dana.reyes@example.org", "about the Porto wedding"])
        _emit_screenshot(obs, shot)
        assert not d.batch_due()
        deadline = time.time() + 20
        while shot.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert not shot.exists(), "the screenshot waited unread"
        row = d.store.read("SELECT status, content, image_path FROM observations")[0]
        # Read and redacted as captured text is, then back in the queue for inference.
        assert row["status"] == "pending" and row["image_path"] is None
        assert "Porto" in row["content"] and "[REDACTED:email]" in row["content"]
        assert "dana.reyes" not in row["content"]
    finally:
        d.stop()


class UnreachableVisionModel:
    """A fake image reader at the pipeline's seam: a vision model whose server is down."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, obs: Observation) -> str:
        self.calls += 1
        raise BackendUnavailable("cannot reach the model server at http://127.0.0.1:9/v1")


def test_a_screenshot_still_unread_at_the_cap_is_deleted_and_its_observation_failed(
        settings) -> None:  # type: ignore[no-untyped-def]
    from propositions.infer import Pipeline
    from propositions.statistical import StatisticalInferrer

    cap = settings.retention.unread_screenshot_max_s
    clock = FakeClock(time.time())
    reader = UnreachableVisionModel()
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs], clock=clock,
               pipeline_factory=lambda store: Pipeline(store, StatisticalInferrer("Dana"),
                                                       read_image=reader))
    d.start()
    try:
        shot = _screenshot(d.ctx.screenshots_dir, ["Quarterly salary review"])
        _emit_screenshot(obs, shot)
        d._screenshot_job()
        assert reader.calls == 1 and shot.exists()  # tried at once; kept while within the cap
        row = d.store.read("SELECT status, attempts FROM observations")[0]
        assert (row["status"], row["attempts"]) == ("pending", 0)  # the failed try costs nothing
        clock.advance(cap - 5)
        d._screenshot_job()
        assert shot.exists()
        clock.advance(10)
        d._screenshot_job()
        assert not shot.exists()
        row = d.store.read("SELECT status, last_error, image_path, content FROM observations")[0]
        assert row["status"] == "failed" and row["image_path"] is None and row["content"] == ""
        assert "unread" in row["last_error"] and "retention.unread_screenshot_max_s" in row["last_error"]
        assert list(d.ctx.screenshots_dir.iterdir()) == []
    finally:
        d.stop()


def test_the_daemon_checks_screenshots_often_enough_to_hold_the_cap(settings) -> None:  # type: ignore[no-untyped-def]
    settings.retention.unread_screenshot_max_s = 20
    d = Daemon(settings, observers=[])
    d.start()
    try:
        job = d._scheduler.get_job("screenshots")
        assert job is not None and job.trigger.interval.total_seconds() == 5
    finally:
        d.stop()


def test_the_pipeline_built_for_the_daemon_redacts_as_the_privacy_filter_does(settings) -> None:  # type: ignore[no-untyped-def]
    from propositions.backends.scripted import ScriptedBackend
    from propositions.infer import ModelInferrer

    from gumd.wiring import make_pipeline, make_store

    settings.privacy.redact_emails = True
    store = make_store(settings)
    try:
        backend = ScriptedBackend([{"propositions": [{
            "text": "Dana writes to bob.smith@example.org about Porto", "confidence": 0.7,
            "decay": "weeks", "evidence": [1], "reasoning": "mail to bob.smith@example.org"}]}])
        pipe = make_pipeline(settings, store, ModelInferrer(backend, user="Dana"))
        store.enqueue([Observation(captured_at=time.time(), observer="screen", app="Mail",
                                   content="a mail about Porto")])
        assert pipe.run_batch().created == 1
        row = store.read("SELECT text, reasoning FROM propositions")[0]
        assert "bob.smith" not in row["text"] + row["reasoning"]
        assert "[REDACTED:email]" in row["text"]
    finally:
        store.close()


def test_the_daemon_finishes_a_wipe_a_reader_held_back(daemon) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    d, obs = daemon
    assert obs.see("Signal", "zorblat chat", "the zorblat results are in")
    d.store.wipe_wait_s = 0.1
    reader = sqlite3.connect(d.store.path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM observations").fetchone()
    d.store.forget(observation_where="app = 'Signal'")
    assert not d.store.reclaim() and d.store.wipe_pending
    d._guard_job()
    assert d.store.wipe_pending  # the reader still needs the old pages
    reader.execute("COMMIT")
    reader.close()
    d._guard_job()
    assert not d.store.wipe_pending
    raw = b"".join(Path(str(d.store.path) + s).read_bytes() for s in ("", "-wal")
                   if Path(str(d.store.path) + s).exists())
    assert b"zorblat" not in raw


# -- what the user sees: the log, "starting", progress, the first results ---------------


def test_the_log_holds_one_line_per_batch_and_no_scheduler_chatter(
        settings, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.INFO)
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])  # the real scheduler, checking every second
    d.start()
    try:
        for i in range(3):
            obs.see("Google Docs", "Toast for Maria & Joao", f"Toast draft for the wedding, part {i}")
        deadline = time.time() + 20
        while d.store.queue_counts()["done"] < 3 and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(2.5)  # a few more runs of every job, each of which apscheduler would log
        # A job still running at its next turn is skipped by design: not worth a warning.
        logging.getLogger("apscheduler.scheduler").warning(
            'Execution of job "Daemon._screenshot_job (trigger: interval[0:00:15])" skipped: '
            "maximum number of running instances reached (1)")
    finally:
        d.stop()
    messages = [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.name.startswith("apscheduler")], messages[:5]
    batches = [m for m in messages if m.startswith("batch: ")]
    assert len(batches) == 1, messages
    assert batches[0].startswith("batch: 3 observations → ") and " new, " in batches[0]
    assert batches[0].endswith(" s") and " revised, " in batches[0]
    assert not any("Toast" in m or "wedding" in m for m in messages)  # never screen text


class SlowObserver(ScriptedObserver):
    """An observer whose start blocks until the test lets it go (a slow display or import)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def start(self, ctx: ObserverContext) -> None:
        self.entered.set()
        self.release.wait(30)
        super().start(ctx)


def test_status_says_starting_until_the_daemon_is_up(settings) -> None:  # type: ignore[no-untyped-def]
    from .test_cli import run

    obs = SlowObserver()
    d = Daemon(settings, observers=[obs])
    starter = threading.Thread(target=d.start)
    starter.start()
    try:
        assert obs.entered.wait(10)
        code, out, _ = run("status", "--json")
        data = json.loads(out)
        assert data["state"] == "starting" and data["running"] and data["pid"] == os.getpid()
        assert run("status")[1].startswith("gumd: starting")
        obs.release.set()
        starter.join(10)
        assert json.loads(run("status", "--json")[1])["state"] == "running"
    finally:
        obs.release.set()
        starter.join(10)
        d.stop()


def test_a_held_lock_without_a_fresh_status_is_starting_not_stopped(settings) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    old = health.DaemonReport(pid=999_999, started_at=now - 600, updated_at=now - 300)  # last run's
    lock = health.InstanceLock(settings.home)
    lock.acquire()
    try:
        assert health.judge(settings.home, None, {}, None, now)["state"] == "starting"
        assert health.judge(settings.home, old, {}, None, now)["state"] == "starting"
    finally:
        lock.release()
    assert health.judge(settings.home, None, {}, None, now)["state"] == "stopped"


class GatedInferrer:
    """The statistical inferrer, held inside ``propose`` until the test lets it go."""

    def __init__(self) -> None:
        from propositions.statistical import StatisticalInferrer

        self.inner = StatisticalInferrer("Dana Reyes")
        self.name = self.inner.name
        self.inside = threading.Event()
        self.release = threading.Event()

    def propose(self, batch, store):  # type: ignore[no-untyped-def]
        self.inside.set()
        self.release.wait(30)
        return self.inner.propose(batch, store)

    def reconcile(self, pairs):  # type: ignore[no-untyped-def]
        return self.inner.reconcile(pairs)


def test_status_shows_the_step_a_batch_is_on(settings) -> None:  # type: ignore[no-untyped-def]
    from gumd.controls import LocalControls
    from propositions.infer import Pipeline
    from propositions.service import Service

    from .test_cli import run

    settings.daemon.inference_interval_s = 3600  # the test runs the batch itself
    inferrer = GatedInferrer()
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs],
               pipeline_factory=lambda store: Pipeline(store, inferrer, batch_size=3))  # type: ignore[arg-type]
    d.start()
    worker = threading.Thread(target=d.run_inference_now)
    try:
        for i in range(5):
            obs.see("Terminal", "make test", f"$ make test {i}")
        worker.start()
        assert inferrer.inside.wait(10)
        data = json.loads(run("status", "--json")[1])
        progress = data["progress"]
        assert progress["step"] == "inferring" and progress["observations"] == 3
        assert progress["step_started_at"].endswith("Z") or "T" in progress["step_started_at"]
        text = run("status")[1]
        assert "now: inferring · batch of 3 · 2 more waiting" in text, text
        dashboard = LocalControls(settings, Service(d.store)).status()
        assert dashboard["progress"]["step"] == "inferring"
        inferrer.release.set()
        worker.join(10)
        assert json.loads(run("status", "--json")[1])["progress"] is None
    finally:
        inferrer.release.set()
        if worker.is_alive():
            worker.join(10)
        d.stop()


def test_a_batch_reports_each_step_to_its_progress_hook(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from propositions.infer import INFERRING, READING, REVISING, Pipeline
    from propositions.statistical import StatisticalInferrer

    store = Store(tmp_path / "p.db")
    heard: list[tuple[str, int, int]] = []
    pipeline = Pipeline(store, StatisticalInferrer("Dana Reyes"), batch_size=10,
                        read_image=lambda obs: "Invoice 42 for the Porto wedding venue",
                        progress=lambda *step: heard.append(step))
    shots = []
    for i in range(2):
        shot = tmp_path / f"shot{i}.png"
        shot.write_bytes(b"not read: the reader is a fake")
        shots.append(shot)
    store.enqueue([Observation(captured_at=time.time() - 60 + i, observer="screen", app="Firefox",
                               window_title="Venue invoice", image_path=str(s), content_type="image/png")
                   for i, s in enumerate(shots)]
                  + [Observation(captured_at=time.time(), observer="window", app="Terminal",
                                 window_title="make test")])
    report = pipeline.run_batch()
    store.close()
    assert report is not None and report.created
    assert heard[:3] == [(READING, 0, 2), (READING, 1, 2), (READING, 2, 2)]
    assert heard[3] == (INFERRING, 0, 3)
    revising = [h for h in heard if h[0] == REVISING]
    assert revising[0][1] == 0 and revising[-1][1] == revising[-1][2] > 0
    assert len(revising) == revising[-1][2] + 1  # one report per candidate placed
    assert pipeline.in_hand == 0


def test_the_first_batch_runs_after_a_few_observations(settings) -> None:  # type: ignore[no-untyped-def]
    from propositions import Proposition

    settings.inference.batch_size = 20
    settings.daemon.max_wait_s = 300
    obs = ScriptedObserver()
    d = Daemon(settings, observers=[obs])
    d.start()
    try:
        obs.see("Terminal", "make test", "$ make test")
        obs.see("Firefox", "Flights to Porto", "Porto flights")
        assert not d.batch_due()
        obs.see("Terminal", "make test", "$ make test again")
        assert d.batch_due()  # three waiting and nothing learnt yet: do not wait for twenty
        d.store.add_proposition(Proposition(text="Dana Reyes runs tests", confidence=0.6), [])
        d._have_propositions = False
        assert not d.batch_due()  # with results out, batches are full again
    finally:
        d.stop()


def test_a_model_that_stays_away_is_logged_once_and_its_return_once(
        daemon, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    from propositions.backends.base import BackendUnavailable

    d, obs = daemon
    assert obs.see("Firefox", "Flights to Porto", "booking ref 123")
    calls = {"n": 0}
    real = d.pipeline.run_batch

    def away_then_back() -> object:
        calls["n"] += 1
        if calls["n"] <= 3:
            raise BackendUnavailable("cannot reach the model server at 127.0.0.1:9")
        return real()

    d.pipeline.run_batch = away_then_back  # type: ignore[method-assign]
    d.batch_due = lambda: calls["n"] < 4 or d.store.pending_count() > 0  # type: ignore[method-assign]
    with caplog.at_level("INFO", logger="gumd.daemon"):
        for _ in range(4):
            d._inference_job()
    said = [r.getMessage() for r in caplog.records if r.name == "gumd.daemon"]
    assert sum("model unavailable" in m for m in said) == 1, said
    assert sum("model reachable again" in m for m in said) == 1, said
    assert d.status.model_unavailable is None
