"""The local HTTP API against a real uvicorn server on 127.0.0.1 and a real SQLite store."""

from __future__ import annotations

import json
import socket
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from gumd.api import (ApiServer, ReadPool, ServeError, ServiceSpec, bind, create_app,
                      load_or_create_token, local_hosts, rotate_token, serve, token_path)
from gumd.api.openapi import render
from propositions import Observation, Proposition, Store, Suggestion
from propositions.infer import Pipeline
from propositions.service import Service
from propositions.statistical import StatisticalInferrer

from .conftest import FakeClock, believe, observe

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SMALL_BODY_LIMIT = 64 * 1024


# -- fakes at the seams the daemon fills in ------------------------------------------------


@dataclass
class FakeControls:
    """Stands in for the daemon: remembers pause/resume, reports a fixed status."""

    paused_until: list[float | None] = field(default_factory=list)
    resumed: int = 0

    def status(self) -> dict[str, Any]:
        return {"state": "running", "pid": 4242, "paused": bool(self.paused_until),
                "last_capture_at": 1_780_000_000.0, "observers": ["window", "screen"],
                "progress": {"step": "inferring", "done": 0, "total": 20, "observations": 20,
                             "batch": True, "step_started_at": 1_780_000_000.0}}

    def pause(self, until: float | None) -> None:
        self.paused_until.append(until)

    def resume(self) -> None:
        self.resumed += 1
        self.paused_until.clear()


class ExcludingSink:
    """The daemon's privacy filter and queue in small: drops excluded apps, enqueues the rest."""

    def __init__(self, store: Store, excluded_apps: tuple[str, ...] = ("1Password",)) -> None:
        self.store = store
        self.excluded = {a.lower() for a in excluded_apps}
        self.seen: list[Observation] = []

    def __call__(self, observations: list[Observation]) -> list[int]:
        self.seen += observations
        kept = [o for o in observations if (o.app or "").lower() not in self.excluded]
        return self.store.enqueue(kept) if kept else []


# -- the seeded store and the live server ---------------------------------------------------


@dataclass
class Seed:
    wedding: int
    python_old: int
    python: int
    sourdough: int
    suggestion: int | None


def seed(store: Store) -> Seed:
    o1 = observe(store, "SECRET-SCREEN-TEXT flights Lisbon to Porto for the wedding",
                 app="Firefox", title="Flights to Porto - Kayak", ago=3600)
    o2 = observe(store, "So glad you can make it to our wedding in Porto", app="Gmail",
                 title="Wedding invite", ago=1800)
    o3 = observe(store, "def main(): return serve(app)", app="Visual Studio Code",
                 title="gumd - api.py", ago=600)
    store.mark_done([o1, o2, o3])
    wedding = believe(store, "Dana is going to a wedding in Porto", confidence=0.8,
                      evidence=[o1, o2], reasoning="flights and an invitation")
    python_old = believe(store, "Dana writes Python", confidence=0.7, evidence=[o3])
    python = Service(store).edit(python_old, "Dana writes Python daily in VS Code").id
    sourdough = believe(store, "Dana bakes sourdough bread on weekends", confidence=0.4)
    sugg = store.add_suggestion(Suggestion(title="Book a hotel in Porto", body="The wedding is soon",
                                           action={"type": "open_url", "url": "https://example.org"},
                                           proposition_ids=[wedding], dedupe_key="hotel"))
    return Seed(wedding, python_old, python, sourdough, sugg)


@dataclass
class Live:
    server: ApiServer
    client: httpx.Client
    store: Store
    controls: FakeControls
    sink: ExcludingSink
    seed: Seed
    clock: FakeClock

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port


def start(store: Store, clock: FakeClock, **options: Any) -> tuple[ApiServer, FakeControls, ExcludingSink]:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    controls, sink = FakeControls(), ExcludingSink(store)
    options.setdefault("max_body_bytes", SMALL_BODY_LIMIT)
    app = create_app(lambda: Service(Store(store.path, clock=clock, busy_timeout_s=5)),
                     token=TOKEN, allowed_hosts=local_hosts(port), controls=controls,
                     observation_sink=sink, clock=clock, **options)
    return serve(app, sock=sock, background=True), controls, sink


@pytest.fixture
def live_factory(store: Store, clock: FakeClock) -> Iterator[Callable[..., Live]]:
    made: list[Live] = []
    data = seed(store)

    def make(**options: Any) -> Live:
        server, controls, sink = start(store, clock, **options)
        client = httpx.Client(base_url=server.url, headers=AUTH, timeout=30)
        made.append(Live(server, client, store, controls, sink, data, clock))
        return made[-1]

    yield make
    for live in made:
        live.client.close()
        live.server.stop()


@pytest.fixture
def live(live_factory: Callable[..., Live]) -> Live:
    return live_factory()


def all_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


# -- the guard: token, Host, body size ------------------------------------------------------


def test_no_token_is_401(live: Live) -> None:
    r = httpx.get(f"{live.url}/v1/context")
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert "token" in r.json()["error"]


@pytest.mark.parametrize("header", [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN,
                                    f"Basic {TOKEN}", "Bearer", f"bearer  {TOKEN}"])
def test_wrong_token_is_401(live: Live, header: str) -> None:
    r = httpx.get(f"{live.url}/v1/status", headers={"Authorization": header})
    assert r.status_code == 401
    assert list(r.json()) == ["error"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1",
                                  "127.0.0.1:1", "localhost.evil.example:{port}", "0.0.0.0:{port}",
                                  "192.168.1.10:{port}"])
def test_foreign_host_is_403_even_with_the_token(live: Live, host: str) -> None:
    r = httpx.get(f"{live.url}/v1/status", headers={**AUTH, "Host": host.format(port=live.port)})
    assert r.status_code == 403
    assert "host" in r.json()["error"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_local_host_names_are_served(live: Live, name: str) -> None:
    r = httpx.get(f"{live.url}/v1/status", headers={**AUTH, "Host": f"{name}:{live.port}"})
    assert r.status_code == 200


def test_oversized_body_is_413_by_content_length(live: Live) -> None:
    big = json.dumps({"text": "x" * (SMALL_BODY_LIMIT + 10)})
    r = live.client.post("/v1/observations", content=big,
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert str(SMALL_BODY_LIMIT) in r.json()["error"]
    assert live.sink.seen == []


def test_oversized_streamed_body_is_413(live: Live) -> None:
    """A chunked upload declares no length: the guard counts what arrives."""
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"y" * 8192
        yield b'"}'

    r = live.client.post("/v1/observations", content=chunks(),
                         headers={"Content-Type": "application/json"})
    assert "content-length" not in r.request.headers
    assert r.status_code == 413
    assert live.sink.seen == []


def test_body_under_the_limit_streamed_is_accepted(live: Live) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        yield b"z" * 1000
        yield b'", "app": "Notes"}'

    r = live.client.post("/v1/observations", content=chunks())
    assert r.status_code == 202
    assert r.json()["accepted"] == 1


def test_no_cors_headers(live: Live) -> None:
    r = live.client.get("/v1/status", headers={"Origin": "https://evil.example"})
    assert not any(h.lower().startswith("access-control-") for h in r.headers)
    pre = live.client.options("/v1/status", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "GET"})
    assert pre.status_code == 405
    assert not any(h.lower().startswith("access-control-") for h in pre.headers)


def test_errors_are_one_line_json(live: Live) -> None:
    cases = [
        live.client.get("/v1/nope"),
        live.client.delete("/v1/context"),
        live.client.post(f"/v1/propositions/{live.seed.wedding}/feedback", content=b"{not json"),
        live.client.post(f"/v1/propositions/{live.seed.wedding}/feedback", json=["confirm"]),
        live.client.get("/v1/context", params={"limit": "many"}),
        live.client.get("/v1/context", params={"since": "last tuesday-ish"}),
        live.client.get("/v1/propositions/999999"),
        live.client.get(f"/v1/propositions/{2**70}"),
    ]
    assert [r.status_code for r in cases] == [404, 405, 400, 400, 400, 400, 404, 404]
    for r in cases:
        assert r.headers["content-type"] == "application/json"
        body = r.json()
        assert list(body) == ["error"] and body["error"] and "\n" not in body["error"]


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


def _raw_request(port: int, head: bytes, *, filler: int = 0, tail: bytes = b"\r\n",
                 timeout: float = 60) -> tuple[bytes, float]:
    """Send ``head``, then ``filler`` bytes of one header value, then ``tail``, from a thread,
    while this thread reads the answer; returns what came back first and how long it took."""
    conn = socket.create_connection(("127.0.0.1", port))
    conn.settimeout(timeout)

    def send() -> None:
        try:
            conn.sendall(head)
            chunk = b"a" * (1 << 20)
            for start in range(0, filler, len(chunk)):
                conn.sendall(chunk[:filler - start])
            conn.sendall(tail)
        except OSError:
            pass  # the server hung up on the rest: expected when it refuses

    sender = threading.Thread(target=send, daemon=True)
    started = time.perf_counter()
    sender.start()
    try:
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = conn.recv(65536)
            if not data:
                break
            answer += data
        return answer, time.perf_counter() - started
    finally:
        conn.close()
        sender.join(10)


def test_a_huge_header_is_refused_at_once_with_431(live: Live) -> None:
    """httptools sets no limit: a 100 MB header held the server for 13 s and its memory."""
    head = (f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nX-Filler: ").encode()
    before = _rss_mb()
    answer, seconds = _raw_request(live.port, head, filler=100 * 1000 * 1000)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert seconds < 1.0
    assert _rss_mb() - before < 20
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1].split(b"}", 1)[0] + b"}")
    assert "65536 bytes" in body["error"]
    # Many small headers count together, and the server still answers others.
    many = "".join(f"X-{i}: {i}\r\n" for i in range(10_000)).encode()
    answer, _ = _raw_request(live.port, head.rsplit(b"X-Filler: ", 1)[0] + many)
    assert answer.startswith(b"HTTP/1.1 431 ")
    assert live.client.get("/v1/status").status_code == 200


def test_headers_under_the_limit_and_big_bodies_are_served(live_factory: Callable[..., Live]) -> None:
    live = live_factory(max_body_bytes=1 << 20)
    head = (f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nX-Filler: ").encode()
    answer, _ = _raw_request(live.port, head, filler=60_000, tail=b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    # A body far over the header limit, sent with its headers in one piece, is not a header.
    body = json.dumps({"text": "levain " * 120_000}).encode()
    post = (f"POST /v1/observations HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
            f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    answer, _ = _raw_request(live.port, post, tail=b"")
    assert answer.startswith(b"HTTP/1.1 202 "), answer[:200]
    # Two requests in one write (pipelined) are both answered.
    get = (f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\n"
           f"Authorization: Bearer {TOKEN}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as conn:
        conn.sendall(get + get)
        seen = b""
        while seen.count(b"HTTP/1.1 200 ") < 2:
            data = conn.recv(65536)
            assert data, seen
            seen += data


# -- reading -----------------------------------------------------------------------------


def test_context_ranks_and_summarises_without_screen_text(live: Live) -> None:
    r = live.client.get("/v1/context", params={"q": "wedding Porto"})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "wedding Porto"
    top = body["propositions"][0]
    assert top["id"] == live.seed.wedding
    assert top["text"] == "Dana is going to a wedding in Porto"
    assert top["confidence"] == 0.8
    assert {"Firefox", "Gmail", "Wedding invite"} <= set(top["evidence"]["seen_in"])
    assert top["evidence"]["last_seen_at"].endswith("Z")
    assert "SECRET-SCREEN-TEXT" not in r.text
    assert 0 < body["tokens"] <= body["max_tokens"] == 2000


def test_context_without_query_lists_recent_active_propositions(live: Live) -> None:
    ids = [p["id"] for p in live.client.get("/v1/context").json()["propositions"]]
    assert set(ids) == {live.seed.wedding, live.seed.python, live.seed.sourdough}


def test_context_packs_within_the_token_budget(live: Live) -> None:
    full = live.client.get("/v1/context").json()
    one = full["propositions"][0]
    cost = -(-len(json.dumps(one, ensure_ascii=False, separators=(",", ":"))) // 4)
    tight = live.client.get("/v1/context", params={"max_tokens": cost}).json()
    assert tight["tokens"] <= cost
    assert len(tight["propositions"]) >= 1
    assert tight["omitted"] == len(full["propositions"]) - len(tight["propositions"]) > 0
    assert live.client.get("/v1/context", params={"max_tokens": 1}).json()["propositions"] == []


def test_context_time_window(live: Live) -> None:
    """since keeps propositions with evidence at or after it; a duration counts back from now."""
    recent = live.client.get("/v1/context", params={"since": "20m"}).json()["propositions"]
    assert live.seed.python in [p["id"] for p in recent]
    assert live.seed.wedding not in [p["id"] for p in recent]
    iso = live.client.get("/v1/context", params={"since": "2100-01-01T00:00:00Z"}).json()
    assert iso["propositions"] == []
    epoch = live.client.get("/v1/context", params={"until": str(live.clock() - 10 * 86400)})
    assert epoch.status_code == 200 and epoch.json()["propositions"] == []
    bad = live.client.get("/v1/context", params={"since": "2h", "until": "3h"})
    assert bad.status_code == 400 and "since" in bad.json()["error"]


def test_search_matches_the_cli_json_shape(live: Live) -> None:
    r = live.client.get("/v1/propositions", params={"q": "python", "limit": 5})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [p["id"] for p in results] == [live.seed.python]
    assert {"id", "text", "confidence", "status", "score", "text_score", "recency",
            "created_at", "last_evidence_at"} <= set(results[0])
    low = live.client.get("/v1/propositions", params={"min_confidence": 0.5}).json()["results"]
    assert live.seed.sourdough not in [p["id"] for p in low]


@pytest.mark.parametrize("q", [
    '"unbalanced', "wedding AND", "NEAR(wedding porto, 2)", "*", "-wedding", "^porto",
    "text:wedding", "wedding OR", "'; DROP TABLE propositions; --", "%' OR 1=1 --",
    "\\x00\x00", "💍 wedding", "(((", "a" * 2000, "",
])
def test_search_syntax_in_queries_is_harmless(live: Live, q: str) -> None:
    for path in ("/v1/context", "/v1/propositions"):
        r = live.client.get(path, params={"q": q})
        assert r.status_code == 200, (path, q, r.text)
    assert live.store.counts()["propositions"] == 4  # nothing was dropped


def test_query_over_the_length_limit_is_400(live: Live) -> None:
    r = live.client.get("/v1/propositions", params={"q": "a" * 2001})
    assert r.status_code == 400 and "q" in r.json()["error"]


def test_proposition_detail_has_evidence_summary_and_history(live: Live) -> None:
    r = live.client.get(f"/v1/propositions/{live.seed.wedding}")
    assert r.status_code == 200
    body = r.json()
    assert body["reasoning"] == "flights and an invitation"
    summary = body["evidence_summary"]
    assert summary["observations"] == summary["supports"] == 2
    assert {a["app"] for a in summary["apps"]} == {"Firefox", "Gmail"}
    assert summary["titles"] == ["Wedding invite", "Flights to Porto - Kayak"]
    assert summary["first_seen_at"] < summary["last_seen_at"]
    assert "content" not in all_keys(body)
    assert "SECRET-SCREEN-TEXT" not in r.text

    old = live.client.get(f"/v1/propositions/{live.seed.python_old}").json()
    assert old["status"] == "superseded"
    assert old["superseded_by"] == [live.seed.python]
    assert old["history"][0]["kind"] == "user_edit"
    assert old["history"][0]["new_text"] == "Dana writes Python daily in VS Code"
    assert old["evidence_summary"]["apps"] == [{"app": "Visual Studio Code", "observations": 1}]


# -- correcting ---------------------------------------------------------------------------


def test_feedback_confirm_and_reject(live: Live) -> None:
    url = f"/v1/propositions/{live.seed.wedding}/feedback"
    r = live.client.post(url, json={"action": "confirm"})
    assert r.status_code == 200
    assert r.json()["user_feedback"] == "confirmed" and r.json()["status"] == "active"
    r = live.client.post(f"/v1/propositions/{live.seed.sourdough}/feedback", json={"action": "reject"})
    assert r.json()["status"] == "rejected"
    ids = [p["id"] for p in live.client.get("/v1/context").json()["propositions"]]
    assert live.seed.sourdough not in ids
    bad = live.client.post(url, json={"action": "like"})
    assert bad.status_code == 400 and "confirm" in bad.json()["error"]
    missing = live.client.post("/v1/propositions/424242/feedback", json={"action": "confirm"})
    assert missing.status_code == 404


def test_edit_supersedes(live: Live) -> None:
    r = live.client.post(f"/v1/propositions/{live.seed.wedding}/edit",
                         json={"text": "Dana is giving a toast at the wedding in Porto"})
    assert r.status_code == 200
    new = r.json()
    assert new["id"] != live.seed.wedding
    assert new["user_feedback"] == "edited" and new["confidence"] >= 0.95
    old = live.client.get(f"/v1/propositions/{live.seed.wedding}").json()
    assert old["status"] == "superseded" and old["superseded_by"] == [new["id"]]
    empty = live.client.post(f"/v1/propositions/{new['id']}/edit", json={"text": "  "})
    assert empty.status_code == 400


def test_delete_forgets_every_version(live: Live) -> None:
    r = live.client.delete(f"/v1/propositions/{live.seed.python}")
    assert r.status_code == 200
    assert r.json()["forgotten"]["propositions"] == 2  # the edit and the version it replaced
    assert r.json()["wipe_pending"] is False  # nothing else was reading: gone from the file
    for pid in (live.seed.python, live.seed.python_old):
        assert live.client.get(f"/v1/propositions/{pid}").status_code == 404
    assert live.client.delete(f"/v1/propositions/{live.seed.python}").status_code == 404


# -- observations -------------------------------------------------------------------------


def test_recent_observations_are_off_by_default(live: Live) -> None:
    r = live.client.get("/v1/observations/recent")
    assert r.status_code == 403
    assert "allow_recent_observations" in r.json()["error"]


def test_recent_observations_when_allowed(live_factory: Callable[..., Live]) -> None:
    live = live_factory(allow_recent_observations=True)
    r = live.client.get("/v1/observations/recent", params={"limit": 2})
    assert r.status_code == 200
    rows = r.json()["observations"]
    assert [o["app"] for o in rows] == ["Visual Studio Code", "Gmail"]
    assert rows[0]["content"] == "def main(): return serve(app)"
    assert rows[0]["content_truncated"] is False
    status = live.client.get("/v1/status").json()
    assert status["api"]["recent_observations"] is True


def test_posted_observation_is_queued_then_inferred(live: Live) -> None:
    texts = [f"Reading about sourdough hydration and levain starters, part {i}" for i in range(5)]
    r = live.client.post("/v1/observations", json={"observations": [
        {"text": t, "app": "Firefox", "title": "Sourdough guide", "url": "https://bread.example",
         "captured_at": live.clock() - 300 + i} for i, t in enumerate(texts)]})
    assert r.status_code == 202
    ids = r.json()["ids"]
    assert r.json()["accepted"] == 5 and len(ids) == 5
    queued = [live.store.get_observation(i) for i in ids]
    assert {o.status for o in queued} == {"pending"}
    assert {o.observer for o in queued} == {"api"}
    assert queued[0].captured_at == live.clock() - 300
    assert queued[0].window_title == "Sourdough guide" and queued[0].url == "https://bread.example"

    report = Pipeline(live.store, StatisticalInferrer("Dana Reyes"), batch_size=10).drain()
    assert report.observations == 5 and report.failed_batches == 0
    assert {live.store.get_observation(i).status for i in ids} == {"done"}
    linked = live.store.read(
        f"SELECT DISTINCT proposition_id FROM proposition_evidence WHERE observation_id IN "
        f"({','.join('?' * len(ids))})", ids)
    assert linked, "the statistical inferrer learnt nothing from the posted observations"
    learnt = live.client.get(f"/v1/propositions/{linked[0]['proposition_id']}").json()
    assert set(learnt["evidence_summary"]["observation_ids"]) & set(ids)
    assert "Firefox" in {a["app"] for a in learnt["evidence_summary"]["apps"]}


def test_posted_observation_forms(live: Live) -> None:
    one = live.client.post("/v1/observations", json={"text": "single", "captured_at": "5m"})
    assert one.status_code == 202 and one.json()["accepted"] == 1
    assert live.store.get_observation(one.json()["ids"][0]).captured_at == live.clock() - 300
    listed = live.client.post("/v1/observations", json=[{"text": "a"}, {"text": "b"}])
    assert listed.json()["accepted"] == 2
    iso = live.client.post("/v1/observations", json={"text": "c", "captured_at": "2026-05-01T10:00:00Z"})
    assert iso.status_code == 202


def test_excluded_observation_is_dropped(live: Live) -> None:
    r = live.client.post("/v1/observations", json={"text": "hunter2", "app": "1Password"})
    assert r.status_code == 202
    assert r.json() == {"accepted": 0, "ids": []}
    assert live.store.queue_counts()["pending"] == 0
    assert live.sink.seen[-1].app == "1Password"  # it went through the sink, which refused it


def test_lone_surrogates_are_kept_as_replacement_characters(live: Live) -> None:
    """JSON may escape a lone surrogate ("\\ud800"); it cannot be stored as UTF-8, so it becomes U+FFFD."""
    raw = b'{"text": "Notes \\ud800 on the \\udfff trip", "app": "Ed\\udc80itor", "title": "\\ud83d"}'
    r = live.client.post("/v1/observations", content=raw,
                         headers={"Content-Type": "application/json"})
    assert r.status_code == 202, r.text
    obs = live.store.get_observation(r.json()["ids"][0])
    assert (obs.content, obs.app, obs.window_title) == (
        "Notes \ufffd on the \ufffd trip", "Ed\ufffditor", "\ufffd")

    edit = live.client.post(f"/v1/propositions/{live.seed.wedding}/edit",
                            content=b'{"text": "Dana \\udbff toasts"}',
                            headers={"Content-Type": "application/json"})
    assert edit.status_code == 200, edit.text
    assert edit.json()["text"] == "Dana \ufffd toasts"
    shown = live.client.get(f"/v1/propositions/{edit.json()['id']}")
    assert shown.status_code == 200 and shown.json()["history"][-1]["new_text"] == "Dana \ufffd toasts"


@pytest.mark.parametrize("body", [
    {}, {"text": ""}, {"text": 3}, {"text": "x", "app": ["a"]}, {"text": "x", "captured_at": "soon"},
    {"text": "x", "captured_at": True}, {"text": "x", "captured_at": -5}, {"observations": []},
    {"observations": [{"text": "ok"}] * 101}, "just a string", [1, 2],
])
def test_bad_observations_are_400(live: Live, body: Any) -> None:
    r = live.client.post("/v1/observations", json=body)
    assert r.status_code == 400, r.text
    assert live.sink.seen == []


# -- suggestions --------------------------------------------------------------------------


def test_suggestions_list_and_dismiss(live: Live) -> None:
    r = live.client.get("/v1/suggestions")
    assert r.status_code == 200
    rows = r.json()["suggestions"]
    assert [s["title"] for s in rows] == ["Book a hotel in Porto"]
    assert rows[0]["proposition_ids"] == [live.seed.wedding]
    assert rows[0]["action_description"] == "open https://example.org in the web browser"
    assert live.client.get("/v1/suggestions", params={"status": "dismissed"}).json() == {
        "suggestions": []}
    d = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/dismiss")
    assert d.status_code == 200 and d.json()["status"] == "dismissed"
    assert live.client.post("/v1/suggestions/4242/dismiss").status_code == 404


def test_snooze_suggestion(live: Live) -> None:
    r = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/snooze", json={"for": "2h"})
    assert r.status_code == 200
    assert r.json()["status"] == "snoozed"
    bad = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/snooze", json={"for": "later"})
    assert bad.status_code == 400


def test_accept_without_a_runner_is_501(live: Live) -> None:
    r = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/accept")
    assert r.status_code == 501
    assert "action runner" in r.json()["error"]


def test_accept_with_a_runner(live_factory: Callable[..., Live], tmp_path: Path) -> None:
    from propositions.actions import ActionRunner

    opened: list[str] = []
    runner = ActionRunner(tmp_path / "notes", tmp_path / "reminders", opener=opened.append)
    live = live_factory(action_runner=runner)
    r = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/accept")
    assert r.status_code == 200, r.text
    assert r.json()["suggestion"]["status"] == "accepted"
    assert r.json()["result"] == "opened https://example.org"
    assert opened == ["https://example.org"]
    again = live.client.post(f"/v1/suggestions/{live.seed.suggestion}/accept")
    assert again.status_code == 400 and "already" in again.json()["error"]
    assert live.client.get("/v1/status").json()["api"]["actions"] is True


def test_suggestions_name_their_exact_target_and_programs_are_never_opened(
        live_factory: Callable[..., Live], tmp_path: Path) -> None:
    from propositions.actions import ActionRunner

    opened: list[str] = []
    runner = ActionRunner(tmp_path / "notes", tmp_path / "reminders", opener=opened.append)
    live = live_factory(action_runner=runner)
    tool = tmp_path / "plan.txt"
    tool.write_text("#!/bin/sh\n")
    ids = [live.store.add_suggestion(Suggestion(title=title, action=action, dedupe_key=title))
           for title, action in (("Packing list", {"type": "write_note", "title": "Packing list"}),
                                 ("Open the plan", {"type": "open_file", "path": str(tool)}))]
    tool.chmod(0o755)  # a document when suggested, a program now
    described = {s["id"]: s["action_description"] for s in live.client.get("/v1/suggestions").json()["suggestions"]}
    assert described[ids[0]] == f"save the note “Packing list” as {tmp_path / 'notes' / 'packing-list.md'}"
    assert described[ids[1]].startswith("cannot run: ") and "is executable" in described[ids[1]]
    r = live.client.post(f"/v1/suggestions/{ids[1]}/accept")
    assert r.status_code == 400 and "is executable" in r.json()["error"]
    assert opened == []


def test_bad_suggestion_status_is_400(live: Live) -> None:
    r = live.client.get("/v1/suggestions", params={"status": "maybe"})
    assert r.status_code == 400


# -- the daemon ---------------------------------------------------------------------------


def test_status(live: Live) -> None:
    body = live.client.get("/v1/status").json()
    assert body["daemon"]["state"] == "running"
    assert body["daemon"]["last_capture_at"] == "2026-05-28T20:26:40Z"
    assert body["daemon"]["progress"] == {"step": "inferring", "done": 0, "total": 20,
                                          "observations": 20, "batch": True,
                                          "step_started_at": "2026-05-28T20:26:40Z"}
    assert body["database"]["active_propositions"] == 3
    assert body["database"]["queue"]["done"] == 3
    assert body["api"] == {"version": "v1", "recent_observations": False, "actions": False,
                           "sensitive_propositions": False}


def test_pause_and_resume(live: Live) -> None:
    r = live.client.post("/v1/pause", json={"for": "30m"})
    assert r.status_code == 200
    assert live.controls.paused_until == [live.clock() + 1800]
    assert r.json()["paused"] is True and r.json()["paused_until"].endswith("Z")
    open_ended = live.client.post("/v1/pause")
    assert open_ended.json() == {"paused": True, "paused_until": None}
    assert live.controls.paused_until[-1] is None
    assert live.client.post("/v1/pause", json={"for": "forever"}).status_code == 400
    assert live.client.post("/v1/resume").json() == {"paused": False, "paused_until": None}
    assert live.controls.resumed == 1


# -- concurrency --------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [0, 2])
def test_concurrent_readers_while_a_writer_writes(live_factory: Callable[..., Live],
                                                  store: Store, workers: int) -> None:
    """Readers keep getting answers while another connection enqueues and adds propositions.

    With workers, the reads are ranked by worker processes (see test_api_pool.py).
    """
    live = live_factory(readers=ReadPool(ServiceSpec(str(store.path)), workers) if workers else None)
    errors: list[str] = []
    done = threading.Event()
    statuses: list[int] = []

    def writer() -> None:
        own = Store(live.store.path, busy_timeout_s=10)
        try:
            i = 0
            while not done.is_set() and i < 400:
                oid = own.enqueue([Observation(captured_at=time.time(), observer="test",
                                               app="Editor", content=f"wedding note {i}")])[0]
                own.add_proposition(Proposition(text=f"Dana wrote wedding note {i}",
                                                confidence=0.5, source="test"), [oid])
                i += 1
        except Exception as exc:  # reported below: the test must see a writer failure
            errors.append(f"writer: {exc}")
        finally:
            own.close()

    def reader() -> None:
        with httpx.Client(base_url=live.url, headers=AUTH, timeout=30) as client:
            for _ in range(25):
                r = client.get("/v1/context", params={"q": "wedding"})
                statuses.append(r.status_code)
                if r.status_code != 200:
                    errors.append(f"reader: {r.status_code} {r.text}")

    w = threading.Thread(target=writer)
    readers = [threading.Thread(target=reader) for _ in range(4)]
    w.start()
    for t in readers:
        t.start()
    for t in readers:
        t.join(60)
    done.set()
    w.join(60)
    assert not errors, errors[:3]
    assert statuses.count(200) == 100
    assert live.store.counts()["propositions"] > 4


# -- OpenAPI ------------------------------------------------------------------------------


def test_openapi_is_served_without_token_and_equals_the_file(live: Live) -> None:
    r = httpx.get(f"{live.url}/v1/openapi.json")
    assert r.status_code == 200
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert r.json() == json.loads(committed)
    assert committed == render(), "regenerate: python -m gumd.api.openapi > docs/openapi.json"
    # The Host check still applies to it.
    assert httpx.get(f"{live.url}/v1/openapi.json", headers={"Host": "evil.example"}).status_code == 403


def test_openapi_lists_every_route(live: Live) -> None:
    spec = live.client.get("/v1/openapi.json").json()
    from starlette.routing import Route

    app_paths = {r.path.replace(":int", "") for r in live.server.server.config.app.routes
                 if isinstance(r, Route) and r.path.startswith("/v1")}
    assert app_paths == set(spec["paths"])


@pytest.mark.slow
def test_schemathesis_fuzz_finds_no_server_errors(live_factory: Callable[..., Live],
                                                  tmp_path: Path) -> None:
    """Generated valid and invalid requests for every operation: never a 5xx, bounded in time."""
    import schemathesis

    from propositions.actions import ActionRunner

    # With a runner, so accept answers 200 or 4xx rather than its deliberate 501.
    live = live_factory(action_runner=ActionRunner(tmp_path / "notes", tmp_path / "reminders",
                                                   opener=lambda target: True))
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_dict(json.loads((ROOT / "docs" / "openapi.json").read_text()))
    started = time.monotonic()
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                case.call_and_validate(base_url=live.url, headers=dict(AUTH),
                                       checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                # No parameters or body to get wrong (GET /v1/status): nothing negative to send.
                assert mode == GenerationMode.NEGATIVE, operation.label
                continue
            ran += 1
    assert ran >= 16 + 10
    assert time.monotonic() - started < 60


# -- the token and the server helper --------------------------------------------------------


def test_token_is_made_once_private_and_rotated(gumd_home: Path) -> None:
    token = load_or_create_token(gumd_home)
    path = token_path(gumd_home)
    assert len(token) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(gumd_home.stat().st_mode) == 0o700
    assert load_or_create_token(gumd_home) == token
    path.chmod(0o644)
    assert load_or_create_token(gumd_home) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    new = rotate_token(gumd_home)
    assert new != token and load_or_create_token(gumd_home) == new
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("")
    assert load_or_create_token(gumd_home) not in ("", new)


def test_rotated_token_locks_out_the_old_one(live_factory: Callable[..., Live], gumd_home: Path,
                                             store: Store, clock: FakeClock) -> None:
    old = load_or_create_token(gumd_home)
    new = rotate_token(gumd_home)
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    app = create_app(lambda: Service(Store(store.path, clock=clock)), token=new,
                     allowed_hosts=local_hosts(port), controls=FakeControls(),
                     observation_sink=ExcludingSink(store), mcp=False)
    server = serve(app, sock=sock, background=True)
    try:
        def get(token: str) -> int:
            return httpx.get(f"{server.url}/v1/status",
                             headers={"Authorization": f"Bearer {token}"}).status_code
        assert (get(old), get(new)) == (401, 200)
    finally:
        server.stop()


def test_serve_refuses_other_addresses_and_busy_ports(live: Live) -> None:
    with pytest.raises(ServeError, match="only listens on this computer"):
        bind("0.0.0.0", 0)
    with pytest.raises(ServeError, match="in use"):
        bind("127.0.0.1", live.port)


def test_responses_are_not_held_back_by_nagle(live: Live) -> None:
    """Without TCP_NODELAY a response waits ~40 ms for the client's delayed ACK, every time."""
    assert live.server.sock.proto == socket.IPPROTO_TCP  # what asyncio checks before setting it
    with httpx.Client(base_url=live.url) as client:
        client.get("/v1/openapi.json")
        times = []
        for _ in range(15):
            started = time.perf_counter()
            client.get("/v1/openapi.json")
            times.append(time.perf_counter() - started)
    assert sorted(times)[len(times) // 2] < 0.030


def test_server_stops_and_closes_the_service(live: Live) -> None:
    live.server.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{live.url}/v1/status", headers=AUTH, timeout=2)


# -- sensitive propositions stay with the user unless shared -------------------------------


def sensitive(store: Store) -> int:
    return store.add_proposition(Proposition(
        text="Dana is managing a diabetes diagnosis", confidence=0.7, source="test",
        sensitive="health"), [])


def test_sensitive_propositions_are_not_given_to_assistants(live: Live) -> None:
    pid = sensitive(live.store)
    context = live.client.get("/v1/context", params={"q": "diabetes diagnosis"}).json()
    assert context["propositions"] == []
    overall = live.client.get("/v1/context").json()["propositions"]
    assert pid not in [p["id"] for p in overall] and overall  # the others still come
    assert live.client.get("/v1/propositions", params={"q": "diabetes"}).json()["results"] == []
    r = live.client.get(f"/v1/propositions/{pid}")
    assert r.status_code == 404 and r.json() == {"error": f"no proposition with id {pid}"}
    assert live.client.get("/v1/status").json()["api"]["sensitive_propositions"] is False
    # Forgetting it stays possible: that gives nothing away.
    assert live.client.delete(f"/v1/propositions/{pid}").status_code == 200


def test_sensitive_propositions_when_the_user_shares_them(live_factory: Callable[..., Live]) -> None:
    live = live_factory(share_sensitive=True)
    pid = sensitive(live.store)
    [item] = live.client.get("/v1/context", params={"q": "diabetes"}).json()["propositions"]
    assert item["id"] == pid and item["sensitive"] == ["health"]
    assert live.client.get(f"/v1/propositions/{pid}").json()["sensitive"] == ["health"]
    assert live.client.get("/v1/status").json()["api"]["sensitive_propositions"] is True


def test_sensitive_propositions_cannot_be_read_through_feedback_edit_or_history(live: Live) -> None:
    pid = sensitive(live.store)
    for r in (live.client.post(f"/v1/propositions/{pid}/feedback", json={"action": "confirm"}),
              live.client.post(f"/v1/propositions/{pid}/edit", json={"text": "harmless words"})):
        assert r.status_code == 404 and "diabetes" not in r.text
    assert live.store.get_proposition(pid).user_feedback is None  # nothing was done to it
    # The user rewords it (dashboard, CLI): the new version stays flagged ...
    new = Service(live.store).edit(pid, "Dana checks blood sugar after lunch")
    assert new.sensitive == "health"
    assert live.client.get(f"/v1/propositions/{new.id}").status_code == 404
    # ... and an unflagged later version does not show the flagged one's words in its history.
    plain = live.store.supersede([new.id], Proposition(text="Dana eats lunch at noon",
                                                       confidence=0.6, source="test"), "edit")
    history = live.client.get(f"/v1/propositions/{plain}").json()["history"]
    assert history and all(h["old_text"] is None for h in history if h["old_id"] in (pid, new.id))
    assert "diabetes" not in json.dumps(history) and "blood sugar" not in json.dumps(history)
