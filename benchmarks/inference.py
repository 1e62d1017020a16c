"""Inference benchmark: pipeline obs/s (statistical, scripted LLM), model-call cost, OCR per frame."""

from __future__ import annotations

import argparse
import importlib.util
import io
import math
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from propositions import prompts
from propositions.backends.base import Image, Message
from propositions.backends.scripted import ScriptedBackend
from propositions.infer import BatchReport, Inferrer, ModelInferrer, Pipeline
from propositions.models import Observation
from propositions.replay import to_observations
from propositions.scenario import Scenario, ScenarioError, load_scenario
from propositions.statistical import StatisticalInferrer, general_log_freq
from propositions.store import Store
from propositions.threaded import ThreadInferrer

HERE = Path(__file__).resolve()
SCENARIO_DIR = HERE.parents[1].parent / "shared" / "scenarios" / "dev"
# The scenarios shipped in the repository, replayed unchanged for the focus comparison.
SHIPPED_SCENARIOS = (HERE.parents[1] / "tests" / "scenarios", HERE.parents[1] / "gumd" / "examples")
OCR_BENCHMARK = HERE.parent / "ocr.py"
USER = "Dana Reyes"

# A fixed start (2026-11-25 09:00 local) so the statistical inferrer's date and
# schedule signals see the same calendar on every run.
START = datetime(2026, 11, 25, 9, 0).timestamp()
SPAN_HOURS = 4.0
# Scenario texts are short excerpts (about 100 characters); the OCR of a real
# active window is a few hundred to a few thousand characters, so each
# observation is padded with more lines from the same scenario up to a length
# drawn around this median.
OCR_MEDIAN_CHARS = 800
OCR_MIN_CHARS, OCR_MAX_CHARS = 150, 3000
# People stay in one window for several captures; this is the chance the next
# capture shows the same window again (with partly different text).
STAY_P = 0.6
SWITCH_SCENARIO_P = 0.1


# -- synthetic observations ---------------------------------------------------------


@dataclass(frozen=True)
class Window:
    scenario: int
    app: str
    title: str
    url: str | None
    lines: tuple[str, ...]


def load_windows(directory: Path) -> tuple[list[Scenario], list[Window]]:
    """The screen steps of every scenario in ``directory``; exits with a clear message if there are none."""
    paths = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not paths:
        sys.exit(f"inference benchmark: no scenario files in {directory}\n"
                 "  it reads the dev scenarios from <workspace>/shared/scenarios/dev/*.json "
                 "(the folder beside the repository); check that it is there")
    try:
        scenarios = [load_scenario(p) for p in paths]
    except ScenarioError as exc:
        sys.exit(f"inference benchmark: {exc}")
    windows = [
        Window(i, step.app or "", step.title or "", step.url,
               tuple(line for line in (step.text or "").splitlines() if line.strip()))
        for i, sc in enumerate(scenarios) for step in sc.observations
        if step.kind == "screen" and step.app
    ]
    return scenarios, windows


def synthesize(windows: Sequence[Window], n: int, rng: random.Random) -> list[Observation]:
    """``n`` screen observations recombined from the scenario windows, over SPAN_HOURS hours."""
    by_scenario: dict[int, list[Window]] = {}
    for w in windows:
        by_scenario.setdefault(w.scenario, []).append(w)
    # Filler lines come from the same scenario, so a padded screen stays on one person's topics.
    filler = {s: [line for w in ws for line in w.lines] for s, ws in by_scenario.items()}
    gaps = [rng.expovariate(1.0) for _ in range(n)]
    scale = SPAN_HOURS * 3600 / sum(gaps)
    at = START
    current = rng.choice(windows)
    out = []
    for gap in gaps:
        at += gap * scale
        if rng.random() >= STAY_P:
            scenario = (rng.choice(list(by_scenario)) if rng.random() < SWITCH_SCENARIO_P
                        else current.scenario)
            current = rng.choice(by_scenario[scenario])
        target = round(min(OCR_MAX_CHARS, max(OCR_MIN_CHARS,
                                              rng.lognormvariate(math.log(OCR_MEDIAN_CHARS), 0.6))))
        lines = list(current.lines)
        pool = filler[current.scenario]
        while sum(len(line) + 1 for line in lines) < target:
            lines.append(rng.choice(pool))
        out.append(Observation(captured_at=at, observer="screen", app=current.app,
                               window_title=current.title, url=current.url,
                               content="\n".join(lines)[:target]))
    return out


# -- the scripted model -------------------------------------------------------------

# a batch's observation marker, or a thread's shorter one
_OBS_HEAD = re.compile(r"^<<<(?:OBSERVATION |OBS )(\d+)(?: BEGIN)?>>>\n([^\n]*)", re.M)
_NEW = re.compile(r"^NEW (\d+):", re.M)
_USER = re.compile(r"model of (.+?), the person")
# Each system prompt is known by its words before the user's name.
_RECONCILE, _PROPOSE, _THREAD = (t.split("{")[0] for t in (
    prompts.RECONCILE_SYSTEM, prompts.PROPOSE_SYSTEM, prompts.THREAD_SYSTEM))


def call_kind(messages: list[Message]) -> str:
    """What a call asks: "propose" (a batch or one thread) or "reconcile"."""
    system = messages[0]["content"]
    return "reconcile" if system.startswith(_RECONCILE) else "propose" if system.startswith(
        (_PROPOSE, _THREAD)) else "other"


def scripted_reply(messages: list[Message]) -> dict[str, Any]:
    """A plausible answer built from the prompt: 3 propositions citing observations (a thread's
    prompt: one per app it shows, at most 3), or "new" decisions."""
    system = messages[0]["content"]
    if call_kind(messages) == "reconcile":
        return {"decisions": [{"candidate": int(i), "action": "new"}
                              for i in _NEW.findall(messages[-1]["content"])]}
    one_thread = system.startswith(_THREAD)
    # The header is "date · app · title [· url]"; group observation numbers by app. A thread's
    # header names the app only where it changes.
    by_app: dict[str, list[int]] = {}
    titles: dict[str, str] = {}
    app = "the computer"
    for number, head in _OBS_HEAD.findall(messages[1]["content"]):
        parts = head.split(" · ")
        app = parts[1] if len(parts) > 1 else app
        by_app.setdefault(app, []).append(int(number))
        titles.setdefault(app, parts[2] if len(parts) > 2 else app)
    found = _USER.search(system)
    user = found.group(1) if found else "The user"
    ranked = sorted(by_app, key=lambda a: -len(by_app[a]))[:3]
    while len(ranked) < 3 and not one_thread:  # a batch that showed fewer than three apps
        ranked.append(ranked[-1] if ranked else "the computer")
    props = []
    for rank, app in enumerate(ranked):
        cited = by_app.get(app, [1])
        props.append({
            "text": f"{user} is working on “{titles.get(app, app)[:80]}” in {app}"
                    + (" most of this session" if rank == 0 else ""),
            "reasoning": f"{len(cited)} of the observations show {app}, mostly this window.",
            "confidence": round(min(0.9, 0.4 + 0.05 * len(cited)), 2),
            "decay": ("days", "weeks", "hours")[rank],
            "evidence": cited[:8],
            "sensitive": [],
        })
    return {"propositions": props}


class TimedScriptedBackend(ScriptedBackend):
    """ScriptedBackend that also measures the time spent inside the model call, to subtract it."""

    def __init__(self, reply: Callable[[list[Message]], dict[str, Any]]) -> None:
        super().__init__([reply])
        self.model_seconds = 0.0
        #: calls and prompt tokens by what they ask: "propose" (a batch or a thread) or "reconcile"
        self.kinds: Counter[str] = Counter()
        self.kind_tokens: Counter[str] = Counter()

    def complete(self, messages: list[Message], images: list[Image] | None = None,
                 schema: dict[str, Any] | None = None) -> str | dict[str, Any]:
        started = time.perf_counter()
        kind = call_kind(messages)
        self.kinds[kind] += 1
        try:
            return super().complete(messages, images=images, schema=schema)
        finally:
            self.model_seconds += time.perf_counter() - started
            self.kind_tokens[kind] += self.stats.history[-1]["prompt_tokens"] if (
                self.stats.history) else 0


# -- running the pipeline -----------------------------------------------------------


@dataclass
class BatchSample:
    report: BatchReport
    model_seconds: float = 0.0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class PipelineRun:
    label: str
    enqueue_s: float
    wall_s: float
    cpu_s: float = 0.0  # this process's CPU time: less sensitive than wall time to other jobs
    batches: list[BatchSample] = field(default_factory=list)
    active: int = 0
    superseded: int = 0

    @property
    def observations(self) -> int:
        return sum(b.report.observations for b in self.batches)

    @property
    def failed(self) -> int:
        return sum(1 for b in self.batches if b.report.error)


def run_pipeline(label: str, observations: list[Observation], inferrer: Inferrer,
                 batch_size: int, backend: TimedScriptedBackend | None = None) -> PipelineRun:
    """Enqueue into a fresh temporary store, then run batches until the queue is empty."""
    # Copies: enqueue stamps ids onto the objects, and each run needs pristine ones.
    fresh = [Observation(captured_at=o.captured_at, observer=o.observer, app=o.app,
                         window_title=o.window_title, url=o.url, content=o.content)
             for o in observations]
    with tempfile.TemporaryDirectory(prefix="gumd-bench-") as tmp:
        store = Store(Path(tmp) / "gumd.db")
        try:
            started = time.perf_counter()
            store.enqueue(fresh)
            run = PipelineRun(label, time.perf_counter() - started, 0.0)
            pipeline = Pipeline(store, inferrer, batch_size=batch_size)
            started, cpu = time.perf_counter(), time.process_time()
            while True:
                before = (backend.model_seconds, backend.stats.calls, backend.stats.prompt_tokens,
                          backend.stats.completion_tokens) if backend else (0.0, 0, 0, 0)
                report = pipeline.run_batch()
                if report is None:
                    break
                sample = BatchSample(report)
                if backend:
                    sample.model_seconds = backend.model_seconds - before[0]
                    sample.calls = backend.stats.calls - before[1]
                    sample.prompt_tokens = backend.stats.prompt_tokens - before[2]
                    sample.completion_tokens = backend.stats.completion_tokens - before[3]
                run.batches.append(sample)
            run.wall_s = time.perf_counter() - started
            run.cpu_s = time.process_time() - cpu
            counts = Counter({r["status"]: r["n"] for r in store.read(
                "SELECT status, count(*) AS n FROM propositions GROUP BY status")})
            run.active, run.superseded = counts["active"], counts["superseded"]
        finally:
            store.close()
    return run


# -- OCR ------------------------------------------------------------------------------


def _load_ocr_benchmark() -> ModuleType | None:
    """benchmarks/ocr.py as a module (it is a script, not a package member), or None if absent."""
    if not OCR_BENCHMARK.is_file():
        return None
    spec = importlib.util.spec_from_file_location("_ocr_benchmark", OCR_BENCHMARK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class OcrResult:
    engine: str = ""
    source: str = ""
    first_s: float = 0.0
    #: (case, wall seconds per run, CPU seconds per run, characters read, word recall or None)
    rows: list[tuple[str, list[float], list[float], int, float | None]] = field(default_factory=list)
    skipped: str | None = None


def _plain_frame() -> tuple[bytes, tuple[int, int, int, int], list[str], list[str]]:
    """A 1920x1080 frame of dark text on white with an 800x600 window, for when ocr.py is absent."""
    from PIL import Image as PILImage, ImageDraw, ImageFont

    rng = random.Random(7)
    words = "meeting budget invoice project review deadline draft report release travel".split()
    image = PILImage.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=16)
    window = (560, 240, 800, 600)
    for y in range(40, 1040, 26):
        draw.text((30, y), " ".join(rng.choice(words) for _ in range(24)), fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), window, [], []


def bench_ocr(runs: int) -> OcrResult:
    """Seconds per 1080p frame, full screen vs the 800x600 active window, with the default engine."""
    from propositions.screen import OcrUnavailable, default_ocr, read_screenshot

    result = OcrResult()
    try:
        engine = default_ocr()  # the engine the daemon uses ("auto")
    except OcrUnavailable as exc:
        result.skipped = str(exc)
        return result
    result.engine = getattr(engine, "name", type(engine).__name__)
    ocr = _load_ocr_benchmark()
    recall: Callable[[Sequence[str], str], float] | None = None
    if ocr is not None:
        # Reuse its busy desktop (menu bar, side windows, dock) and its word-recall check.
        frame = ocr.make_frame(16)
        png, window, all_words, window_words = frame.png, ocr.WINDOW, frame.all_words, frame.window_words
        recall = ocr._recall
        result.source = "benchmarks/ocr.py make_frame(16px)"
    else:
        png, window, all_words, window_words = _plain_frame()
        result.source = "plain text frame (benchmarks/ocr.py not found)"
    started = time.perf_counter()
    read_screenshot(png, bounds=window, engine=engine)  # loads the models; not part of steady state
    result.first_s = time.perf_counter() - started
    for name, bounds, expected in (("full screen 1920x1080", None, all_words),
                                   (f"window crop {window[2]}x{window[3]}", window, window_words)):
        times, cpu_times, text = [], [], ""
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            text = read_screenshot(png, bounds=bounds, engine=engine)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu)  # all onnxruntime threads together
        result.rows.append((name, times, cpu_times, len(text),
                            recall(expected, text) if recall else None))
    return result


# -- reporting ------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank), enough for a hundred batches."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print rows under a header: first column left-aligned, numbers right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        return "  " + "  ".join(f"{c:<{w}}" if i == 0 else f"{c:>{w}}"
                                for i, (c, w) in enumerate(zip(cells, widths)))

    print(f"\n{title}")
    print(fmt(header))
    print(fmt(["-" * w for w in widths]))
    for r in rows:
        print(fmt(r))


def pipeline_rows(runs: Sequence[PipelineRun]) -> list[list[str]]:
    def each(fn: Callable[[PipelineRun], str]) -> list[str]:
        return [fn(r) for r in runs]

    def ms(r: PipelineRun, q: float) -> str:
        return f"{pct([b.report.seconds for b in r.batches], q) * 1000:.1f}"

    def window_ms(r: PipelineRun, first: bool) -> str:
        # The statistical window grows with the store; first vs last tenth shows that growth.
        tenth = max(1, len(r.batches) // 10)
        part = r.batches[:tenth] if first else r.batches[-tenth:]
        return f"{statistics.mean(b.report.seconds for b in part) * 1000:.1f}"

    return [
        ["observations processed", *each(lambda r: f"{r.observations}")],
        ["batches (failed)", *each(lambda r: f"{len(r.batches)} ({r.failed})")],
        ["enqueue (s)", *each(lambda r: f"{r.enqueue_s:.3f}")],
        ["drain wall time (s)", *each(lambda r: f"{r.wall_s:.2f}")],
        ["drain CPU time (s)", *each(lambda r: f"{r.cpu_s:.2f}")],
        ["observations/s (wall)", *each(lambda r: f"{r.observations / r.wall_s:.1f}")],
        ["observations per CPU-second", *each(lambda r: f"{r.observations / max(r.cpu_s, 1e-6):.1f}")],
        ["CPU ms per batch (mean)", *each(lambda r: f"{r.cpu_s / len(r.batches) * 1000:.1f}")],
        ["ms per batch p50", *each(lambda r: ms(r, 50))],
        ["ms per batch p95", *each(lambda r: ms(r, 95))],
        ["ms per batch max", *each(lambda r: ms(r, 100))],
        ["ms per batch, first 10% of batches", *each(lambda r: window_ms(r, True))],
        ["ms per batch, last 10% of batches", *each(lambda r: window_ms(r, False))],
        ["propositions active / superseded", *each(lambda r: f"{r.active} / {r.superseded}")],
    ]


def model_rows(run: PipelineRun) -> list[list[str]]:
    batches = run.batches
    n_obs = max(1, run.observations)
    calls = sum(b.calls for b in batches)
    prompt = sum(b.prompt_tokens for b in batches)
    completion = sum(b.completion_tokens for b in batches)
    overhead = [(b.report.seconds - b.model_seconds) * 1000 for b in batches]
    model_ms = [b.model_seconds * 1000 for b in batches]
    return [
        ["model calls", f"{calls / len(batches):.2f}", f"{calls / n_obs:.3f}"],
        ["prompt tokens (est.)", f"{prompt / len(batches):.0f}", f"{prompt / n_obs:.1f}"],
        ["completion tokens (est.)", f"{completion / len(batches):.0f}", f"{completion / n_obs:.1f}"],
        ["prompt tokens p95 per batch", f"{pct([b.prompt_tokens for b in batches], 95):.0f}", ""],
        ["scripted model time ms p50", f"{pct(model_ms, 50):.2f}", ""],
        ["pipeline overhead ms p50 (excl. model)", f"{pct(overhead, 50):.1f}",
         f"{pct(overhead, 50) / (n_obs / len(batches)):.2f}"],
        ["pipeline overhead ms p95 (excl. model)", f"{pct(overhead, 95):.1f}", ""],
    ]


# -- model focus: the whole batch or one thread at a time ------------------------------


class UntrimmedThreads(ModelInferrer):
    """focus = "threads" with each observation rendered in full, as a batch prompt does: what
    one call per thread costs before a thread's repeated lines and headers are left out."""

    def thread_messages(self, thread):  # type: ignore[no-untyped-def]
        system, user = super().thread_messages(thread)
        facts = user["content"].split("\n\n<<<OBS 1>>>")[0]
        body = "\n\n".join(prompts.render_observation(i, o)
                            for i, o in enumerate(thread.observations, 1))
        return [system, {"role": "user", "content": f"{facts}\n\n{body}"}]


@dataclass
class FocusTotal:
    observations: int = 0
    batches: int = 0
    propose_calls: int = 0
    reconcile_calls: int = 0
    prompt_tokens: int = 0
    propose_tokens: int = 0
    completion_tokens: int = 0
    propositions: int = 0
    failed: int = 0


def bench_focus(inputs: Sequence[tuple[str, str, list[Observation]]],
                batch_size: int) -> dict[str, FocusTotal]:
    """Each input through the scripted model once per focus; totals per focus."""
    makers: dict[str, Callable[[TimedScriptedBackend, str], ModelInferrer]] = {
        "batch": lambda b, u: ModelInferrer(b, u, focus="batch"),
        "threads, untrimmed": lambda b, u: UntrimmedThreads(b, u, focus="threads"),
        "threads": lambda b, u: ModelInferrer(b, u, focus="threads"),
    }
    totals = {}
    for label, make in makers.items():
        total = FocusTotal()
        for name, user, observations in inputs:
            backend = TimedScriptedBackend(scripted_reply)
            run = run_pipeline(f"{label}: {name}", observations, make(backend, user),
                               batch_size, backend)
            total.observations += run.observations
            total.batches += len(run.batches)
            total.failed += run.failed
            total.propose_calls += backend.kinds["propose"]
            total.reconcile_calls += backend.kinds["reconcile"]
            total.prompt_tokens += backend.stats.prompt_tokens
            total.propose_tokens += backend.kind_tokens["propose"]
            total.completion_tokens += backend.stats.completion_tokens
            total.propositions += run.active + run.superseded
        totals[label] = total
    return totals


def focus_rows(totals: dict[str, FocusTotal]) -> list[list[str]]:
    def each(fn: Callable[[FocusTotal], str]) -> list[str]:
        return [fn(t) for t in totals.values()]

    def calls(t: FocusTotal) -> int:
        return t.propose_calls + t.reconcile_calls

    return [
        ["observations / batches (failed)",
         *each(lambda t: f"{t.observations} / {t.batches} ({t.failed})")],
        ["model calls per batch", *each(lambda t: f"{calls(t) / t.batches:.2f}")],
        ["  of which propose", *each(lambda t: f"{t.propose_calls / t.batches:.2f}")],
        ["  of which reconcile", *each(lambda t: f"{t.reconcile_calls / t.batches:.2f}")],
        ["prompt tokens per observation",
         *each(lambda t: f"{t.prompt_tokens / t.observations:.1f}")],
        ["  of which propose", *each(lambda t: f"{t.propose_tokens / t.observations:.1f}")],
        ["prompt tokens per call", *each(lambda t: f"{t.prompt_tokens / max(1, calls(t)):.0f}")],
        ["completion tokens per observation",
         *each(lambda t: f"{t.completion_tokens / t.observations:.1f}")],
        ["propositions stored", *each(lambda t: f"{t.propositions}")],
    ]


def shipped_scenarios() -> list[tuple[str, str, list[Observation]]]:
    """The repository's scenarios (tests, held-out, examples) as (name, user, observations)."""
    paths = sorted(p for d in SHIPPED_SCENARIOS for p in d.rglob("*.json"))
    out = []
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError:
            continue
        out.append((scenario.name, scenario.user, to_observations(scenario)))
    return out


def report_focus(synthetic: list[Observation], batch_size: int) -> None:
    shipped = shipped_scenarios()
    for title, inputs in (
        (f"{len(shipped)} shipped scenarios replayed unchanged", shipped),
        (f"the {len(synthetic)} synthetic observations above", [("synthetic", USER, synthetic)]),
    ):
        totals = bench_focus(inputs, batch_size)
        table(f"4. scripted LLM, [model] focus: {title} (batch size {batch_size})",
              ["", *totals], focus_rows(totals))
    print("  \"threads, untrimmed\" renders each observation of a thread in full; \"threads\" "
          "leaves out the lines and headers a thread already showed")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--observations", type=int, default=2000, help="synthetic screen observations")
    parser.add_argument("--batch-size", type=int, default=20, help="observations per inference batch")
    parser.add_argument("--seed", type=int, default=3, help="seed for recombining the scenarios")
    # One run by default: a full-screen frame costs tens of CPU-seconds on a 2-core laptop.
    parser.add_argument("--ocr-runs", type=int, default=1, help="timed OCR runs per case; 0 skips OCR")
    parser.add_argument("--scenarios", type=Path, default=SCENARIO_DIR,
                        help="the dev scenarios the synthetic observations are made from")
    parser.add_argument("--focus-only", action="store_true",
                        help="only the model focus comparison (section 4), not the slower pipelines")
    args = parser.parse_args(argv)
    if args.observations < 1 or args.batch_size < 1:
        parser.error("--observations and --batch-size must be at least 1")

    scenarios, windows = load_windows(args.scenarios)
    observations = synthesize(windows, args.observations, random.Random(args.seed))
    lengths = [len(o.content) for o in observations]
    print(f"inference benchmark: {platform.platform()}, {os.cpu_count()} CPUs, "
          f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} at start")
    print(f"input: {len(observations)} screen observations recombined (seed {args.seed}) from "
          f"{len(windows)} windows of {len(scenarios)} scenarios in {args.scenarios}; "
          f"{len({o.app for o in observations})} apps, {SPAN_HOURS:g} h; text median "
          f"{statistics.median(lengths):.0f} chars (p95 {pct(lengths, 95):.0f}); "
          f"batch size {args.batch_size}")

    # wordfreq loads a large table on first use, once per process; keep it out of the batch times.
    started = time.perf_counter()
    general_log_freq("the")
    print(f"wordfreq table load (once per process, not in the timings below): "
          f"{time.perf_counter() - started:.2f} s")
    if args.focus_only:
        report_focus(observations, args.batch_size)
        return 0
    threads = run_pipeline("statistical (threads)", observations, ThreadInferrer(USER), args.batch_size)
    statistical = run_pipeline("statistical (classic)", observations, StatisticalInferrer(USER),
                               args.batch_size)
    backend = TimedScriptedBackend(scripted_reply)
    scripted = run_pipeline("scripted LLM", observations, ModelInferrer(backend, USER),
                            args.batch_size, backend)

    runs = [threads, statistical, scripted]
    table("1. pipeline: claim -> propose -> retrieve similar -> reconcile -> apply -> done",
          ["", *(r.label for r in runs)], pipeline_rows(runs))
    ratio = (scripted.observations / scripted.wall_s) / (statistical.observations / statistical.wall_s)
    print(f"  scripted LLM pipeline (model time ~0) runs {ratio:.1f}x the classic inferrer's obs/s")
    target = 30.0
    per_cpu = threads.observations / max(threads.cpu_s, 1e-6)
    print(f"  thread inferrer: {per_cpu:.1f} observations per CPU-second "
          f"(target >= {target:g}: {'PASS' if per_cpu >= target else 'FAIL'})")

    table("2. scripted LLM: model cost (3 propositions per proposal, reconcile answers \"new\")",
          ["", "per batch", "per observation"], model_rows(scripted))
    print("  tokens are estimated as characters/4 by ScriptedBackend (no tokenizer); "
          "a real model's tokenizer gives other counts")
    print("  pipeline overhead = BatchReport.seconds minus time inside backend.complete "
          "(prompt building, audit, retrieval, SQLite writes)")

    if args.ocr_runs > 0:
        ocr = bench_ocr(args.ocr_runs)
        if ocr.skipped:
            print(f"\n3. OCR: skipped ({ocr.skipped})")
        else:
            rows = [[name, f"{statistics.median(t):.2f}", f"{min(t):.2f}", f"{max(t):.2f}",
                     f"{statistics.median(c):.2f}", f"{chars}", "" if rec is None else f"{rec:.0%}"]
                    for name, t, c, chars, rec in ocr.rows]
            table(f"3. OCR per 1080p frame, engine {ocr.engine} ({ocr.source}; {args.ocr_runs} runs)",
                  ["", "median s", "min s", "max s", "CPU s", "chars", "word recall"], rows)
            full, crop = (statistics.median(t) for _, t, _, _, _ in ocr.rows)
            print(f"  first call (model load + window crop): {ocr.first_s:.2f} s; "
                  f"the crop is {full / crop:.1f}x faster than the full screen")
    report_focus(observations, args.batch_size)
    print(f"\nload average {os.getloadavg()[0]:.1f} at end (other processes share these "
          f"{os.cpu_count()} CPUs; compare numbers only within one run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
