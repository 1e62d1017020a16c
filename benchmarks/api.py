"""API benchmark: /v1/context latency (p50/p99) and throughput with 4 clients on a 100k-proposition store.

    python benchmarks/api.py                 # builds (once) benchmarks/_data/api-100000.db
    python benchmarks/api.py --db PATH       # an existing gumd database instead
    python benchmarks/api.py --props 20000   # a smaller store, for a quick look
    python benchmarks/api.py --workers 0     # the server ranks requests itself

The server runs in its own process with api.workers worker processes, as in
the daemon; the load is a minimal raw-socket client in this process. All share
this machine's cores. After the main run, the same load runs against a server
without workers (the baseline), and the CPU each request cost the server, its
workers and the load is printed (Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing as mp
import os
import random
import re
import socket
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from propositions import Observation, Proposition, Store, Weights
from propositions.service import Service

from gumd.settings import ApiSettings

TARGET_P99_MS = 50.0
TARGET_RPS = 300.0
TOKEN = "benchmark-token"
DATA_DIR = Path(__file__).resolve().parent / "_data"
NOW = 1_795_000_000.0  # a fixed "now" (2026-11-18) so builds are reproducible
SPAN_S = 90 * 86400.0
OBS_PER_PROP = 2
OBS_POOL_RATIO = 0.5  # observations per proposition in the pool evidence is drawn from
BATCH = 1000
APPS = ("Google Chrome", "Safari", "Firefox", "Visual Studio Code", "Terminal", "Slack", "Mail",
        "Zoom", "Notion", "Obsidian", "Figma", "Xcode", "Microsoft Word", "Calendar", "Spotify")
DECAYS = ("hours", "days", "weeks", "months", "years")
FUNCTION_WORDS = ("the of and to a in is it that for on with as at by from this or an be "
                  "about into after over than then when while").split()


# -- a synthetic store ------------------------------------------------------------------


class Words:
    """Pseudo-words with Zipf frequencies, so FTS sees realistic term statistics."""

    def __init__(self, rng: random.Random, n: int = 6000) -> None:
        onsets = "b c d f g h j k l m n p r s t v w z br cr dr fl gr pl pr st tr sh ch th".split()
        vowels = "a e i o u ai ea oo ou".split()
        codas = ["", "", "n", "r", "s", "l", "t", "m", "nd", "st"]
        seen = set(FUNCTION_WORDS)
        vocab: list[str] = []
        while len(vocab) < n:
            w = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
                        for _ in range(rng.randint(2, 3)))
            if w not in seen:
                seen.add(w)
                vocab.append(w)
        self.vocab = FUNCTION_WORDS + vocab
        self.cum = list(accumulate(1.0 / (r + 1) ** 1.07 for r in range(len(self.vocab))))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.vocab, cum_weights=self.cum, k=k)

    def query(self, rng: random.Random) -> str:
        """1-3 words, half by frequency and half uniformly (mostly rare), as people search."""
        return " ".join(self.draw(rng, 1)[0] if rng.random() < 0.5 else rng.choice(self.vocab)
                        for _ in range(rng.randint(1, 3)))


def build(path: Path, n_props: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    words = Words(rng)
    store = Store(path, clock=lambda: NOW)
    try:
        n_obs = max(1, int(n_props * OBS_POOL_RATIO))
        times = sorted(NOW - rng.uniform(0, SPAN_S) for _ in range(n_obs))
        obs_ids: list[int] = []
        for start in range(0, n_obs, BATCH):
            batch = []
            for t in times[start:start + BATCH]:
                app = rng.choice(APPS)
                title = " ".join(words.draw(rng, rng.randint(3, 8))).capitalize()
                batch.append(Observation(captured_at=t, observer="screen", app=app,
                                         window_title=f"{title} - {app}",
                                         content=" ".join(words.draw(rng, 60))))
            obs_ids += store.enqueue(batch)
        store.mark_done(obs_ids)
        for start in range(0, n_props, BATCH):
            # One transaction per thousand: each add is a savepoint inside it.
            with store.write():
                for _ in range(min(BATCH, n_props - start)):
                    body = " ".join(words.draw(rng, rng.randint(6, 18)))
                    prop = Proposition(
                        text=f"Dana {body}", confidence=rng.uniform(0.2, 0.95),
                        reasoning=" ".join(words.draw(rng, rng.randint(10, 30))).capitalize(),
                        decay=rng.choice(DECAYS), source="benchmark",
                        created_at=NOW - rng.uniform(0, SPAN_S))
                    store.add_proposition(prop, rng.sample(obs_ids, OBS_PER_PROP))
            print(f"\r  built {min(start + BATCH, n_props)}/{n_props} propositions", end="",
                  file=sys.stderr, flush=True)
        print(file=sys.stderr)
        store.conn.execute("INSERT INTO propositions_fts (propositions_fts) VALUES ('optimize')")
        store.conn.commit()
    finally:
        store.close()


# -- the server, in its own process ------------------------------------------------------


class _Controls:
    def status(self) -> dict[str, Any]:
        return {"state": "running"}

    def pause(self, until: float | None) -> None:
        pass

    def resume(self) -> None:
        pass


def _service(db: str | Path, candidates: int) -> Service:
    return Service(Store(db), weights=Weights(candidates=candidates))


def _serve(db: str, candidates: int, workers: int, ready: Any) -> None:
    from gumd.api import ReadPool, ServiceSpec, bind, create_app, local_hosts, serve

    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    readers = None
    if workers:
        readers = ReadPool(ServiceSpec(db, weights=Weights(candidates=candidates)), workers)
    app = create_app(lambda: _service(db, candidates), token=TOKEN, allowed_hosts=local_hosts(port),
                     controls=_Controls(), observation_sink=lambda obs: [], mcp=False,
                     readers=readers)
    ready.put(port)
    serve(app, sock=sock)


@contextlib.contextmanager
def server(db: Path, candidates: int, workers: int) -> Iterator[tuple[int, int]]:
    """(port, pid) of an API server on ``db`` in its own process, for the length of the block."""
    ctx = mp.get_context("spawn")
    ready = ctx.Queue()
    # Not a daemonic process: those may not start the server's worker processes.
    proc = ctx.Process(target=_serve, args=(str(db), candidates, workers, ready))
    proc.start()
    try:
        yield ready.get(timeout=60), proc.pid
    finally:
        proc.terminate()  # SIGTERM: uvicorn shuts down, the app stops its worker processes
        proc.join(15)
        if proc.is_alive():
            proc.kill()


# -- the load ------------------------------------------------------------------------------


class Client:
    """A minimal keep-alive HTTP/1.1 client over a raw socket.

    The load runs on the same two cores as the server, so it should cost as
    little as it can: http.client parses every response's headers with the
    email package, which costs a fair share of what the server does.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = (f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n").encode()
        self.buf = b""

    def get(self, path: str) -> float:
        started = time.perf_counter()
        self.sock.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.head)
        while b"\r\n\r\n" not in self.buf:
            self._read()
        head, _, rest = self.buf.partition(b"\r\n\r\n")
        found = _LENGTH.search(head)
        if found is None:
            raise RuntimeError(f"{path}: no Content-Length in {head[:200]!r}")
        length = int(found.group(1))
        while len(rest) < length:
            rest += self._recv()
        body, self.buf = rest[:length], rest[length:]
        elapsed = time.perf_counter() - started
        if not head.startswith(b"HTTP/1.1 200 "):
            status = head.split(b"\r\n", 1)[0]
            raise RuntimeError(f"{path}: {status!r} {body[:200]!r}")
        return elapsed

    def _read(self) -> None:
        self.buf += self._recv()

    def _recv(self) -> bytes:
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise RuntimeError("the server closed the connection")
        return chunk

    def close(self) -> None:
        self.sock.close()


_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)")


def _paths(queries: list[str], limit: int) -> list[str]:
    return ["/v1/context?" + urlencode({"q": q, "limit": limit} if q else {"limit": limit})
            for q in queries]


def latency(port: int, paths: list[str]) -> list[float]:
    client = Client(port)
    try:
        return [client.get(p) for p in paths]
    finally:
        client.close()


def throughput(port: int, paths: list[str], clients: int, seconds: float) -> tuple[float, list[float]]:
    """Requests per second with ``clients`` keep-alive connections, each sending back to back."""
    stop = time.perf_counter() + seconds
    samples: list[list[float]] = [[] for _ in range(clients)]

    def run(i: int) -> None:
        client = Client(port)
        j = i
        try:
            while time.perf_counter() < stop:
                samples[i].append(client.get(paths[j % len(paths)]))
                j += clients
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    flat = [s for per in samples for s in per]
    return len(flat) / elapsed, flat


def in_process(db: Path, queries: list[str], limit: int, candidates: int) -> list[float]:
    """The same work without HTTP (Service.query plus packing): what the API layer adds is the rest."""
    from gumd.api import ops

    svc = _service(db, candidates)
    try:
        out = []
        for q in queries:
            started = time.perf_counter()
            ops.context(svc, q or None, limit=limit)
            out.append(time.perf_counter() - started)
        return out
    finally:
        svc.close()


def _cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far of the server process, its worker processes and this (the load) process.

    Linux only (/proc); elsewhere empty, and the report leaves the split out.
    """
    try:
        children = []
        for task in os.listdir(f"/proc/{server}/task"):
            with open(f"/proc/{server}/task/{task}/children") as f:
                children += [int(c) for c in f.read().split()]
        return {"server": _cpu_of(server), "workers": sum(_cpu_of(c) for c in children),
                "load": time.process_time()}
    except OSError:
        return {}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)] * 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an existing gumd database (default: build one)")
    ap.add_argument("--props", type=int, default=100_000, help="propositions in a built store")
    ap.add_argument("--requests", type=int, default=1000, help="sequential requests for latency")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=10.0, help="length of the throughput run")
    ap.add_argument("--limit", type=int, default=20, help="propositions per context request")
    ap.add_argument("--candidates", type=int, default=Weights().candidates,
                    help="BM25 matches re-ranked per query (retrieval.candidates)")
    ap.add_argument("--workers", type=int, default=ApiSettings().workers,
                    help="API worker processes that rank requests (api.workers; 0: none)")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip the throughput run of a server without workers")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)

    db = args.db or DATA_DIR / f"api-{args.props}.db"
    if args.db is None and not db.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        print(f"building {db} ...", file=sys.stderr)
        t0 = time.perf_counter()
        partial = db.with_suffix(".partial")
        for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)
        build(partial, args.props)
        partial.rename(db)
        print(f"built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with Store(db) as store:
        counts = store.counts()

    rng = random.Random(11)
    words = Words(random.Random(7))  # the vocabulary the store was built with
    # One request in ten has no query: "what should I know right now".
    queries = [words.query(rng) if rng.random() < 0.9 else "" for _ in range(args.requests)]
    paths = _paths(queries, args.limit)

    direct = in_process(db, queries, args.limit, args.candidates)
    with server(db, args.candidates, args.workers) as (port, pid):
        # Warm the page cache, the threads and (by concurrent requests) every worker process.
        throughput(port, paths[-200:], args.clients, 3.0)
        seq = latency(port, paths)
        before = cpu_split(pid)
        rps, loaded = throughput(port, paths, args.clients, args.seconds)
        after = cpu_split(pid)
        served = len(loaded)
        cpu_ms = {k: round((after[k] - before[k]) * 1000 / served, 2) for k in after} if after else {}
        # The API layer with little database work (HTTP, guard, threadpool, JSON): one
        # proposition by id, three indexed reads.
        thin = [f"/v1/propositions/{1 + i * 97 % counts['propositions']}" for i in range(200)]
        bare_seq = latency(port, thin)
        bare_rps, _ = throughput(port, thin, args.clients, min(args.seconds, 5.0))
    baseline_rps = None
    if args.workers and not args.no_baseline:
        # The same load on one process ranking everything itself (api.workers = 0).
        with server(db, args.candidates, 0) as (port, _pid):
            throughput(port, paths[-200:], args.clients, 2.0)
            baseline_rps, _ = throughput(port, paths, args.clients, min(args.seconds, 5.0))

    result = {
        "db": str(db),
        "limit": args.limit,
        "candidates": args.candidates,
        "active_propositions": counts["active_propositions"],
        "observations": counts["observations"],
        "in_process": {"p50_ms": round(pct(direct, 0.5), 2), "p99_ms": round(pct(direct, 0.99), 2),
                       "mean_ms": round(statistics.fmean(direct) * 1000, 2)},
        "sequential": {"requests": len(seq), "p50_ms": round(pct(seq, 0.5), 2),
                       "p99_ms": round(pct(seq, 0.99), 2),
                       "mean_ms": round(statistics.fmean(seq) * 1000, 2)},
        "concurrent": {"clients": args.clients, "requests": len(loaded),
                       "requests_per_s": round(rps, 1), "p50_ms": round(pct(loaded, 0.5), 2),
                       "p99_ms": round(pct(loaded, 0.99), 2), "cpu_ms_per_request": cpu_ms},
        "without_workers": {"requests_per_s": None if baseline_rps is None else round(baseline_rps, 1)},
        "api_layer": {"p50_ms": round(pct(bare_seq, 0.5), 2), "p99_ms": round(pct(bare_seq, 0.99), 2),
                      "requests_per_s": round(bare_rps, 1)},
        "targets": {"p99_ms": TARGET_P99_MS, "requests_per_s": TARGET_RPS},
    }
    ok = result["sequential"]["p99_ms"] <= TARGET_P99_MS and rps >= TARGET_RPS
    result["met"] = ok
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        s, c, d = result["sequential"], result["concurrent"], result["in_process"]
        print(f"store: {counts['active_propositions']} active propositions, "
              f"{counts['observations']} observations ({db}); limit {args.limit}, "
              f"{args.candidates} candidates")
        print(f"ops.context in process:    p50 {d['p50_ms']} ms  p99 {d['p99_ms']} ms  "
              "(Service.query and packing, no HTTP)")
        print(f"GET /v1/context, 1 client:  p50 {s['p50_ms']} ms  p99 {s['p99_ms']} ms  "
              f"(target p99 <= {TARGET_P99_MS:.0f} ms)")
        print(f"GET /v1/context, {c['clients']} clients: {c['requests_per_s']} req/s  "
              f"p50 {c['p50_ms']} ms  p99 {c['p99_ms']} ms  (target >= {TARGET_RPS:.0f} req/s)")
        if cpu_ms:
            print("  CPU per request: " + ", ".join(f"{k} {v} ms" for k, v in cpu_ms.items())
                  + f" ({os.cpu_count()} cores)")
        if baseline_rps is not None:
            print(f"  the same load on one process (api.workers = 0): {baseline_rps:.1f} req/s; "
                  f"with {args.workers} workers: {rps / baseline_rps:.2f}x")
        a = result["api_layer"]
        print(f"GET /v1/propositions/ID (API layer, little DB work): p50 {a['p50_ms']} ms  "
              f"p99 {a['p99_ms']} ms  {a['requests_per_s']} req/s with {c['clients']} clients")
        print("targets met" if ok else "TARGETS MISSED")
    return 0  # a report, not a test: the line above says whether targets were met


if __name__ == "__main__":
    sys.exit(main())
