"""Ranked reads answered by worker processes (gumd.api.pool): a real server, real processes, a real store."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gumd import settings as settings_module
from gumd.api import ApiServer, ReadPool, ServiceSpec, bind, create_app, local_hosts, serve
from gumd.api import pool as pool_module
from gumd.api.pool import MAX_DEATHS
from gumd.wiring import make_api_app, make_privacy
from propositions import Proposition, Store
from propositions.service import Service, Weights

from .conftest import FakeClock
from .test_api import AUTH, TOKEN, ExcludingSink, FakeControls, Seed, seed

QUERIES = ["wedding porto", "python", "", 'AND OR NOT "* ( ) NEAR', "sourdough bread weekends",
           "nothing matches this"]


def start(path: Path, readers: ReadPool | None) -> ApiServer:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(lambda: Service(Store(path, busy_timeout_s=5)), token=TOKEN,
                     allowed_hosts=local_hosts(port), controls=FakeControls(),
                     observation_sink=ExcludingSink(Store(path)), mcp=False, readers=readers)
    return serve(app, sock=sock, background=True)


@pytest.fixture
def seeded(gumd_home: Path) -> Iterator[tuple[Path, Seed]]:
    # The real clock: workers rank with time.time, as they do in the daemon.
    gumd_home.mkdir(parents=True, exist_ok=True)
    path = gumd_home / "gumd.db"
    store = Store(path)
    data = seed(store)
    store.close()
    yield path, data


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_for(predicate, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def ids(answer: dict) -> list[int]:  # type: ignore[type-arg]
    return [p["id"] for p in answer.get("propositions", answer.get("results", []))]


def assert_answered(client: httpx.Client, data: Seed) -> None:
    """A context request got the right answer, whoever ranked it (a worker or the server)."""
    r = client.get("/v1/context", params={"q": "wedding porto"})
    assert r.status_code == 200 and ids(r.json())[0] == data.wedding


def test_workers_answer_as_the_server_itself_would(seeded: tuple[Path, Seed]) -> None:
    path, data = seeded
    pool = ReadPool(ServiceSpec(str(path)), workers=2)
    pooled, plain = start(path, pool), start(path, None)
    try:
        with httpx.Client(headers=AUTH, timeout=30) as client:
            for q in QUERIES:
                for endpoint in ("/v1/context", "/v1/propositions"):
                    a = client.get(pooled.url + endpoint, params={"q": q})
                    b = client.get(plain.url + endpoint, params={"q": q})
                    assert a.status_code == b.status_code == 200, (q, a.text)
                    assert a.headers["content-type"] == "application/json"
                    assert ids(a.json()) == ids(b.json()), (endpoint, q)
                    assert a.json().keys() == b.json().keys()
            context = client.get(pooled.url + "/v1/context", params={"q": "wedding porto"}).json()
            assert context["propositions"][0]["id"] == data.wedding
            assert "SECRET-SCREEN-TEXT" not in str(context)  # evidence summaries, never screen text
    finally:
        pooled.stop()
        plain.stop()


def test_workers_start_on_the_first_ranked_read_and_stop_with_the_server(
        seeded: tuple[Path, Seed]) -> None:
    path, _ = seeded
    pool = ReadPool(ServiceSpec(str(path)), workers=2)
    server = start(path, pool)
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert client.get("/v1/status").status_code == 200
            assert pool.pids == []  # nothing ranked yet: no processes
            assert client.get("/v1/context", params={"q": "python"}).status_code == 200
            pids = pool.pids
            assert len(pids) == 2 and all(alive(p) for p in pids)
    finally:
        server.stop()
    assert wait_for(lambda: not any(alive(p) for p in pids))


def test_an_error_in_a_worker_keeps_its_status_and_message(seeded: tuple[Path, Seed]) -> None:
    path, _ = seeded
    pooled, plain = start(path, ReadPool(ServiceSpec(str(path)), workers=1)), start(path, None)
    try:
        params = {"q": "wedding", "since": "2026-03-02T00:00:00Z", "until": "2026-03-01T00:00:00Z"}
        a = httpx.get(pooled.url + "/v1/context", params=params, headers=AUTH, timeout=30)
        b = httpx.get(plain.url + "/v1/context", params=params, headers=AUTH, timeout=30)
        assert a.status_code == b.status_code == 400
        assert a.json() == b.json() and "since" in a.json()["error"]
    finally:
        pooled.stop()
        plain.stop()


@pytest.mark.slow
def test_a_killed_worker_is_replaced_and_no_request_fails(seeded: tuple[Path, Seed]) -> None:
    path, data = seeded
    pool = ReadPool(ServiceSpec(str(path)), workers=2)
    server = start(path, pool)
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert client.get("/v1/context", params={"q": "porto"}).status_code == 200
            victim = pool.pids[0]
            os.kill(victim, signal.SIGKILL)
            assert wait_for(lambda: not alive(victim) or _zombie(victim))
            for _ in range(6):
                assert_answered(client, data)
            assert victim not in pool.pids and len(pool.pids) == 2
    finally:
        server.stop()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


class CountingWorker(pool_module._Worker):
    started = 0

    def __init__(self, spec: ServiceSpec) -> None:
        type(self).started += 1
        super().__init__(spec)


def test_workers_that_cannot_open_the_database_leave_the_server_answering(
        seeded: tuple[Path, Seed], tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = seeded
    garbage = tmp_path / "not-a-database.db"
    garbage.write_bytes(b"this is not SQLite" * 100)
    monkeypatch.setattr(pool_module, "_Worker", CountingWorker)
    CountingWorker.started = 0
    pool = ReadPool(ServiceSpec(str(garbage)), workers=1)
    server = start(path, pool)
    caplog.set_level(logging.WARNING, logger="gumd.api")
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert_answered(client, data)
            assert sum("API worker" in rec.getMessage() for rec in caplog.records) >= MAX_DEATHS
            assert CountingWorker.started == MAX_DEATHS and pool.pids == []
            # Resting: the next reads are answered at once, with no new process.
            started = time.monotonic()
            for _ in range(3):
                assert client.get("/v1/propositions", params={"q": "python"}).status_code == 200
            assert time.monotonic() - started < 5
            assert CountingWorker.started == MAX_DEATHS
    finally:
        server.stop()


def test_no_process_to_start_means_the_server_answers_then_tries_again_later(
        seeded: tuple[Path, Seed], caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path, data = seeded

    class NoProcesses(pool_module._Worker):
        def __init__(self, spec: ServiceSpec) -> None:
            raise OSError(24, "Too many open files")

    monkeypatch.setattr(pool_module, "_Worker", NoProcesses)
    clock = FakeClock(1000.0)
    pool = ReadPool(ServiceSpec(str(path)), workers=2, clock=clock)
    server = start(path, pool)
    caplog.set_level(logging.WARNING, logger="gumd.api")
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            for _ in range(2):  # neither waits for a worker that will never come
                assert_answered(client, data)
            assert any("Too many open files" in rec.getMessage() for rec in caplog.records)
            assert pool.pids == []
            # Processes can be started again, and the rest is over: workers answer.
            monkeypatch.setattr(pool_module, "_Worker", CountingWorker)
            clock.advance(pool_module.REST_S + 1)
            assert_answered(client, data)
            assert len(pool.pids) == 2
    finally:
        server.stop()


def test_a_stuck_worker_is_stopped_and_the_server_answers(
        seeded: tuple[Path, Seed], caplog: pytest.LogCaptureFixture) -> None:
    path, data = seeded
    # Any answer takes longer than this, so every worker looks stuck.
    pool = ReadPool(ServiceSpec(str(path)), workers=1, answer_timeout_s=0.01)
    server = start(path, pool)
    caplog.set_level(logging.WARNING, logger="gumd.api")
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert_answered(client, data)
            assert any("took over" in rec.getMessage() for rec in caplog.records)
            assert wait_for(lambda: pool.pids != [] or any(
                "stopped" in rec.getMessage() for rec in caplog.records))
    finally:
        server.stop()


def test_a_cancelled_read_leaves_no_reply_behind_for_the_next(seeded: tuple[Path, Seed]) -> None:
    path, data = seeded
    pool = ReadPool(ServiceSpec(str(path)), workers=1)

    pool_pid_history: list[int] = []

    async def scenario() -> dict:  # type: ignore[type-arg]
        first = asyncio.create_task(pool.answer("context", query="wedding", limit=5))
        for _ in range(5):  # let it take the worker and send its question
            await asyncio.sleep(0)
        pool_pid_history.extend(pool.pids)
        first.cancel()
        # One worker: this read waits for it, and must get its own answer, not the first's.
        import json
        return json.loads(await pool.answer("search", query="python", limit=5))

    try:
        answer = asyncio.run(scenario())
        pids = pool.pids
    finally:
        pool.close()
    assert "results" in answer and ids(answer)[0] == data.python
    assert len(pids) == 1  # the same worker answered both: it was not replaced to get rid of the reply
    assert pool_pid_history == pids


def test_read_pool_checks_its_arguments(seeded: tuple[Path, Seed]) -> None:
    path, _ = seeded
    with pytest.raises(ValueError):
        ReadPool(ServiceSpec(str(path)), workers=0)
    pool = ReadPool(ServiceSpec(str(path)), workers=1)
    with pytest.raises(KeyError):
        asyncio.run(pool.answer("forget", prop_id=1))
    pool.close()


@pytest.mark.parametrize("workers", [0, 3])
def test_the_daemon_api_has_as_many_workers_as_configured(gumd_home: Path, workers: int,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUMD_API__WORKERS", str(workers))
    monkeypatch.setenv("GUMD_API__SHARE_SENSITIVE", "true" if workers else "false")
    settings = settings_module.load()
    app = make_api_app(settings, make_privacy(settings), 8765)
    assert app.state.api.share_sensitive is bool(workers)
    readers = app.state.api.readers
    if workers:
        assert isinstance(readers, ReadPool) and readers.workers == workers
        assert readers.spec.db_path == str(settings.db_path)
        readers.close()
    else:
        assert readers is None
    app.state.api.svc.close()


def test_a_bug_in_a_worker_is_a_500_and_the_worker_carries_on(
        seeded: tuple[Path, Seed], caplog: pytest.LogCaptureFixture) -> None:
    path, _ = seeded
    # A weight that is not a number: ranking raises TypeError inside the worker.
    broken = ServiceSpec(str(path), weights=Weights(text="heavy"))  # type: ignore[arg-type]
    pool = ReadPool(broken, workers=1)
    server = start(path, pool)
    caplog.set_level(logging.ERROR, logger="gumd.api")
    try:
        # One keep-alive connection: a 500 must not cost the client its connection.
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            answers = [client.get("/v1/context", params={"q": "wedding"}) for _ in range(2)]
            pids = pool.pids
            assert [r.status_code for r in answers] == [500, 500]
            assert answers[0].json() == {"error": "internal error; the daemon's log has the details"}
            assert client.get("/v1/status").status_code == 200
        assert len(pids) == 1 and alive(pids[0])  # the worker did not die of it
        assert any("GET /v1/context failed" in r.getMessage() for r in caplog.records)
    finally:
        server.stop()


def test_workers_leave_sensitive_propositions_out_too(seeded: tuple[Path, Seed]) -> None:
    path, _ = seeded
    store = Store(path)
    store.add_proposition(Proposition(text="Dana is managing a diabetes diagnosis",
                                      confidence=0.7, source="test", sensitive="health"), [])
    store.close()
    server = start(path, ReadPool(ServiceSpec(str(path)), workers=1))
    try:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=30) as client:
            assert client.get("/v1/context", params={"q": "diabetes"}).json()["propositions"] == []
            assert client.get("/v1/propositions", params={"q": "diabetes"}).json()["results"] == []
    finally:
        server.stop()


def test_a_reply_is_read_whole_however_it_arrives() -> None:
    reply = b"x" * 300_000
    framed = pool_module._LENGTH.pack(len(reply)) + reply + pool_module._LENGTH.pack(2) + b"ok"
    buf = bytearray()
    frames = []
    for start in range(0, len(framed), 8192):  # as a small socket buffer hands it over
        buf += framed[start:start + 8192]
        while (frame := pool_module._take_frame(buf)) is not None:
            frames.append(frame)
    assert frames == [reply, b"ok"] and not buf


def test_a_large_answer_crosses_the_pipe_intact(seeded: tuple[Path, Seed]) -> None:
    path, _ = seeded
    store = Store(path)
    for i in range(120):
        store.add_proposition(Proposition(text=f"Dana keeps notes on porto item {i} " + "word " * 150,
                                          confidence=0.5, source="test",
                                          reasoning="long reasoning " * 80), [])
    svc = Service(store)
    pool = ReadPool(ServiceSpec(str(path)), workers=1)

    async def ask() -> bytes:
        return await pool.answer("search", query="porto notes", limit=100)

    try:
        body = asyncio.run(ask())
    finally:
        pool.close()
    import json
    answer = json.loads(body)
    assert len(body) > 200_000 and len(answer["results"]) == 100
    expected = [h.proposition.id for h in svc.query("porto notes", limit=100).hits]
    assert [r["id"] for r in answer["results"]] == expected
    store.close()
