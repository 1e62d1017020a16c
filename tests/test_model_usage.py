"""Model calls, tokens and latency in the status: counted over a rolling hour by the daemon,
shown by `gumd status`, the API's status and the dashboard."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gumd import health, power
from gumd import settings as settings_mod
from gumd.api import ops
from gumd.controls import LocalControls
from gumd.daemon import Daemon
from gumd.usage import ModelUsage
from propositions import Observation
from propositions.backends.base import HISTORY_CALLS, CallStats, MalformedOutput
from propositions.backends.scripted import ScriptedBackend
from propositions.service import Service

from .conftest import FakeClock
from .test_backend_openai import FakeServer, Step, chat, server  # noqa: F401 (fixture)
from .test_cli import run

EMPTY = json.dumps({"propositions": []})


def answer(prompt: int, completion: int, delay_s: float = 0.0) -> Step:
    step = chat(EMPTY, usage={"prompt_tokens": prompt, "completion_tokens": completion,
                              "total_tokens": prompt + completion})
    step.delay_s = delay_s
    return step


def write_settings(home: Path, model: str = "") -> settings_mod.Settings:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        model
        + "[inference]\nuser_name = \"Dana Reyes\"\nbatch_size = 3\n"
        "[daemon]\nmax_wait_s = 0\ninference_interval_s = 3600\n"
        "[retention]\nmin_free_disk_mb = 0\n"
        "[suggestions]\nenabled = false\n"
    )
    return settings_mod.load(home)


def enqueue(daemon: Daemon, n: int) -> None:
    assert daemon.store is not None
    now = time.time()
    daemon.store.enqueue([Observation(captured_at=now - 60 + i, observer="window", app="Code",
                                      window_title=f"notes {i}.md", content=f"draft section {i}")
                          for i in range(n)])


@pytest.fixture
def model_daemon(gumd_home: Path, server: FakeServer) -> Iterator[Daemon]:
    settings = write_settings(gumd_home, (
        "[model]\nkind = \"openai\"\nname = \"qwen2.5:3b\"\n"
        f"base_url = \"{server.url}\"\ntimeout_s = 5\nmax_retries = 0\n"))
    d = Daemon(settings, observers=[])
    d.power_source = lambda: power.MAINS  # type: ignore[method-assign]
    d.start()
    yield d
    d.stop()


def test_real_batches_through_a_model_server_show_in_status_json(
        model_daemon: Daemon, server: FakeServer) -> None:
    # Four batches of three; the last one's first answer is not JSON and is asked again.
    server.script(answer(1000, 100), answer(1200, 150, 0.3), answer(1400, 200, 0.3),
                  chat("I cannot answer that."), answer(1600, 250, 0.3))
    enqueue(model_daemon, 12)
    model_daemon.run_inference_now()
    assert len(server.posts()) == 5
    assert model_daemon.store is not None and model_daemon.store.queue_counts()["done"] == 12

    code, out, _ = run("status", "--json")
    assert code == 0
    usage = json.loads(out)["model_usage"]
    assert usage["calls_per_hour"] == 4 and usage["errors_per_hour"] == 1
    assert usage["prompt_tokens_per_hour"] == 5200  # the server's usage, not an estimate
    assert usage["completion_tokens_per_hour"] == 700
    assert usage["batches_per_hour"] == 4 and usage["observations_per_hour"] == 12
    assert usage["prompt_tokens_per_observation"] == pytest.approx(5200 / 12, abs=0.05)
    assert usage["completion_tokens_per_observation"] == pytest.approx(700 / 12, abs=0.05)
    assert usage["calls_per_batch"] == 1.0
    # latencies about 0, 0.3, 0.3, 0.3 s: the median is 0.3 where the mean would be 0.23
    assert 0.3 <= usage["median_latency_s"] < 1.0
    assert usage["suggestion_calls_per_hour"] == 0
    assert usage["totals"] == {"calls": 4, "prompt_tokens": 5200, "completion_tokens": 700,
                               "errors": 1, "batches": 4, "observations": 12}
    assert isinstance(usage["started_at"], str) and "T" in usage["started_at"]

    code, text, _ = run("status")
    assert ("  model: 4 calls in the last hour, 5200 prompt + 700 completion tokens, "
            "median 0.3") in text, text
    assert ", 1 failed" in text
    assert ("  per observation: 433.3 prompt + 58.3 completion tokens; "
            "1 call a batch (4 batches, 12 observations)") in text, text


def test_the_block_is_in_the_file_other_processes_read_and_in_the_api(
        model_daemon: Daemon, server: FakeServer) -> None:
    server.script(answer(900, 90))
    enqueue(model_daemon, 6)
    model_daemon.run_inference_now()
    stored = health.read_status(model_daemon.home)
    assert stored is not None and stored.model_usage is not None
    assert stored.model_usage["calls_per_hour"] == 2
    assert stored.model_usage["prompt_tokens_per_observation"] == 300.0

    assert model_daemon.store is not None
    svc = Service(model_daemon.store)
    controls = LocalControls(model_daemon.settings, svc)
    assert controls.status()["model_usage"]["completion_tokens_per_hour"] == 180
    # what /v1/status answers: the same block, its time in ISO form as every time in the API
    api = ops.status(svc, controls, ops.Capabilities(recent_observations=False, actions=False))
    block = api["daemon"]["model_usage"]
    assert block["calls_per_batch"] == 1.0 and block["totals"]["observations"] == 6
    assert isinstance(block["started_at"], str) and block["started_at"].startswith("20")


def test_a_model_server_that_is_down_counts_failures_not_calls(
        model_daemon: Daemon, server: FakeServer) -> None:
    server.script(Step(status=404, body={"error": {"message": "model 'qwen2.5:3b' not found"}}))
    enqueue(model_daemon, 3)
    model_daemon.run_inference_now()
    usage = json.loads(run("status", "--json")[1])["model_usage"]
    assert usage["calls_per_hour"] == 0 and usage["errors_per_hour"] >= 1
    assert usage["median_latency_s"] is None and usage["prompt_tokens_per_observation"] is None


def test_the_statistical_inferrer_shows_no_model_numbers(gumd_home: Path) -> None:
    d = Daemon(write_settings(gumd_home), observers=[])
    d.start()
    try:
        enqueue(d, 3)
        d.run_inference_now()
        assert d.store is not None and d.store.queue_counts()["done"] == 3
        data = json.loads(run("status", "--json")[1])
        assert data["state"] == "running" and data["model_usage"] is None
        text = run("status")[1]
        assert "  model: none in use (the statistical inferrer)" in text
        assert "calls in the last hour" not in text
        assert LocalControls(d.settings, Service(d.store)).status()["model_usage"] is None
    finally:
        d.stop()
    # stopped: the last run's numbers are not shown as if they were now
    assert json.loads(run("status", "--json")[1])["model_usage"] is None


# -- the rolling window -----------------------------------------------------------------


def test_the_window_forgets_calls_older_than_an_hour_and_keeps_totals() -> None:
    clock = FakeClock()
    usage = ModelUsage(clock=clock)
    infer, suggest = ScriptedBackend([EMPTY]), ScriptedBackend(["a reminder"])
    usage.watch(infer)
    usage.watch(infer)  # twice handed over, counted once
    usage.watch(suggest, inference=False)
    assert usage.in_use
    message = [{"role": "user", "content": "x" * 400}]  # 100 tokens by the scripted estimate
    infer.complete(message, schema={"type": "object"})
    usage.batch(4)
    clock.advance(1800)
    infer.complete(message, schema={"type": "object"})
    infer.complete(message, schema={"type": "object"})
    suggest.complete(message)
    usage.batch(2)
    snap = usage.snapshot()
    assert snap["calls_per_hour"] == 4 and snap["suggestion_calls_per_hour"] == 1
    assert snap["prompt_tokens_per_hour"] == 400
    # suggestions are not work done for observations: 300 prompt tokens over 6 observations
    assert snap["prompt_tokens_per_observation"] == 50.0 and snap["calls_per_batch"] == 1.5
    clock.advance(1801)  # the first call and batch are now more than an hour old
    snap = usage.snapshot()
    assert snap["calls_per_hour"] == 3 and snap["batches_per_hour"] == 1
    assert snap["prompt_tokens_per_observation"] == 100.0 and snap["calls_per_batch"] == 2.0
    assert snap["totals"]["calls"] == 4 and snap["totals"]["observations"] == 6
    clock.advance(3600)
    snap = usage.snapshot()
    assert snap["calls_per_hour"] == 0 and snap["median_latency_s"] is None
    assert snap["prompt_tokens_per_observation"] is None and snap["calls_per_batch"] is None


def test_memory_is_bounded() -> None:
    clock = FakeClock()
    usage = ModelUsage(clock=clock, max_events=50)
    backend = ScriptedBackend(["ok"])
    usage.watch(backend)
    for _ in range(500):
        backend.complete([{"role": "user", "content": "hi"}])
        usage.batch(1)
    assert len(backend.stats.history) <= HISTORY_CALLS
    assert usage.snapshot()["calls_per_hour"] == 50
    assert usage.totals["calls"] == 500


def test_median_latency_and_failures_from_the_backends_counters() -> None:
    clock = FakeClock()
    usage = ModelUsage(clock=clock)
    stats = CallStats()
    holder: Any = type("B", (), {"stats": stats})()
    usage.watch(holder)
    for seconds in (0.1, 5.0, 0.2, 0.3, 0.4):
        stats.record(10, 2, seconds, "test")
    stats.failed("test")
    snap = usage.snapshot()
    assert snap["median_latency_s"] == 0.3 and snap["errors_per_hour"] == 1


def test_the_scripted_backend_counts_a_malformed_answer_as_a_failure() -> None:
    backend = ScriptedBackend(["not json"])
    with pytest.raises(MalformedOutput):
        backend.complete([{"role": "user", "content": "hi"}], schema={"type": "object"})
    assert backend.stats.errors == 1 and backend.stats.calls == 0


def test_a_listener_that_fails_never_fails_the_call() -> None:
    backend = ScriptedBackend(["ok"])

    def broken(entry: dict[str, float]) -> None:
        raise RuntimeError("boom")

    backend.stats.watch(broken)
    assert backend.complete([{"role": "user", "content": "hi"}]) == "ok"
    assert backend.stats.calls == 1
