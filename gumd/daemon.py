"""The gumd daemon: runs observers, privacy, the queue and the scheduler (parts built by gumd.wiring); owns the process, lock and health."""

from __future__ import annotations

import logging
import math
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from propositions import Observation, Store
from propositions.backends import BackendUnavailable
from propositions.infer import READING, BatchReport, ModelInferrer, Pipeline
from propositions.suggest import FocusState, Suggester

from . import health, paths, power
from .usage import ModelUsage
from .observers.base import DesktopState, Observer, ObserverContext, WindowInfo
from .privacy import PrivacyFilter
from .settings import Settings
from .wiring import default_observers, make_api_app, make_pipeline, make_privacy, make_store, make_suggester

log = logging.getLogger("gumd.daemon")

#: the daemon's own step besides a batch's (propositions.infer names those)
SUGGESTING = "suggesting"


def batch_line(report: BatchReport) -> str:
    """One log line per batch, counts only: screen text never reaches the log at INFO."""
    parts = [f"{report.created} new", f"{report.revised + report.contradicted} revised",
             f"{report.reinforced} reinforced"]
    if report.failed_observations:
        parts.append(f"{report.failed_observations} unreadable")
    return (f"batch: {report.observations} observations → {', '.join(parts)}, "
            f"{report.seconds:.1f} s")


# -- the process ------------------------------------------------------------------------

#: glibc's mallopt parameter and the value the daemon gives it
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1 << 20


def tune_allocator() -> bool:
    """Have glibc map every block of 1 MiB or more on its own, and unmap it when freed.

    By default glibc raises that threshold to the largest block freed so far (up to 32 MiB),
    so after the first screenshot OCR's tensors come from the heap, where freed memory stays
    in the process. With OCR in the daemon (`inference.ocr_child = false`) a 120 s run peaked
    at 563 MB and settled at 344 MB without this, at 355 and 229 MB with it. True if set.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


class _ExpectedSkips(logging.Filter):
    """Drop apscheduler's warning that a run was skipped because the last one is still going.

    That is the design (max_instances=1): the screenshot job keeps reading while frames keep
    coming, and its next turn is rightly skipped; a warning for it each minute was noise.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


# -- guards -----------------------------------------------------------------------------


class CaptureGate:
    """Capture is allowed when not paused, the window is not excluded, and the guards are clear."""

    def __init__(self, privacy: PrivacyFilter) -> None:
        self.privacy = privacy
        self.blocked: str | None = None  # set by the resource guards
        self.excluded_now = False

    def allows(self, window: WindowInfo | None) -> bool:
        if self.blocked:
            return False
        allowed = self.privacy.allows(window)
        self.excluded_now = not allowed and window is not None and not self.privacy.pause.paused(
            self.privacy.clock())
        return allowed


# -- the daemon -------------------------------------------------------------------------


class Daemon:
    """One running gumd: observers feed the queue; scheduled jobs infer, age out data and report."""

    def __init__(
        self,
        settings: Settings,
        *,
        observers: list[Observer] | None = None,
        pipeline_factory: Callable[[Store], Pipeline] | None = None,
        clock: Callable[[], float] = time.time,
        lock: health.InstanceLock | None = None,
    ) -> None:
        self.settings = settings
        self.home = settings.home
        self.clock = clock
        self.stop_event = threading.Event()
        # `gumd run` may take the lock before importing this module (see health.announce_starting)
        self.lock = lock or health.InstanceLock(self.home)
        self.privacy = make_privacy(settings, clock)
        self.pause = self.privacy.pause
        self.gate = CaptureGate(self.privacy)
        self.state = DesktopState(clock=clock)
        self._observers = observers
        self._pipeline_factory = pipeline_factory
        self.store: Store | None = None
        self.pipeline: Pipeline | None = None
        self.status = health.DaemonReport(capture_interval_s=settings.capture.interval_s,
                                          max_wait_s=settings.daemon.max_wait_s,
                                          backend=settings.model.kind)
        self._scheduler: Any = None
        self._status_lock = threading.Lock()
        self._frames_blocked = 0
        # one suggester for the daemon's life: it caches parsed text and paces model calls
        self._suggester: Suggester | None = None
        self.api_server: Any = None
        self._infer_lock = threading.Lock()
        self._have_propositions = False  # once true it stays so: the first results are out
        self._progress_written = 0.0
        #: the model's calls, tokens and latency for the status (the backends report each call)
        self.usage = ModelUsage(clock=clock)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        paths.require_writable(self.home, "run the daemon (it writes its lock, status and data there)")
        if not self.lock.held:
            health.announce_starting(self.home, self.lock, self.clock())
        try:
            self._start()
        except BaseException:
            self.lock.release()
            raise

    def _start(self) -> None:
        try:
            os.nice(self.settings.daemon.nice)
        except OSError:
            pass
        self.store = make_store(self.settings)
        if self.store.started_empty:
            log.warning("%s was an empty (0-byte) file; it is now a new, empty database "
                        "(restore a backup over it if it should hold your data)", self.store.path)
        self.pipeline = (self._pipeline_factory(self.store) if self._pipeline_factory
                         else make_pipeline(self.settings, self.store, privacy=self.privacy))
        self.pipeline.progress = self._progress
        self.usage.watch(getattr(self.pipeline.inferrer, "backend", None))
        self.usage.watch(getattr(self.pipeline.read_image, "backend", None))
        self.observers = (self._observers if self._observers is not None
                          else default_observers(self.settings))
        shots = paths.screenshots_dir(self.home)
        paths.ensure_private_dir(shots)
        now = self.clock()
        self.status.pid, self.status.started_at, self.status.running = os.getpid(), now, True
        self.status.starting = True
        self.status.observers = [o.name for o in self.observers]
        self.ctx = ObserverContext(sink=self._sink, state=self.state, gate=self.gate,
                                   screenshots_dir=shots, clock=self.clock, stop=self.stop_event)
        self._guard_job()
        if any(o.name == "input" for o in self.observers):
            # Idle time counts from start-up, so an untouched desktop becomes idle too.
            self.state.note_input(0, at=now)
        for obs in self.observers:
            try:
                obs.start(self.ctx)
            except Exception as exc:  # one observer failing must not stop the others
                log.error("observer %s did not start: %s", obs.name, exc)
                self.status.observer_errors[obs.name] = str(exc)
        self._start_scheduler()
        self._start_api()
        self.status.starting = False
        self._health_job()
        log.info("gumd started (pid %d, observers: %s, backend: %s)", os.getpid(),
                 ", ".join(self.status.observers) or "none", self.settings.model.kind)

    def _start_api(self) -> None:
        if not self.settings.api.enabled:
            return
        from .api import ServeError, bind, serve

        try:
            sock = bind("127.0.0.1", self.settings.api.port)
            app = make_api_app(self.settings, self.privacy, sock.getsockname()[1])
            self.api_server = serve(app, sock=sock, background=True)
            log.info("local API on %s", self.api_server.url)
        except ServeError as exc:  # the daemon observes without it
            log.error("local API not started: %s", exc)

    def _start_scheduler(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        # At INFO apscheduler logs every run of every job ("Running job ...", "executed
        # successfully"): hundreds of lines an hour that bury the daemon's own.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if not any(isinstance(f, _ExpectedSkips) for f in scheduler_log.filters):
            scheduler_log.addFilter(_ExpectedSkips())
        sched = BackgroundScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": 30})
        sched.add_job(self._inference_job, "interval", seconds=self.settings.daemon.inference_interval_s,
                      id="inference")
        sched.add_job(self._health_job, "interval", seconds=health.HEARTBEAT_S, id="health")
        sched.add_job(self._guard_job, "interval", seconds=30, id="guards")
        sched.add_job(self._retention_job, "interval", hours=1, id="retention")
        sched.add_job(self._screenshot_job, "interval", seconds=self.screenshot_check_s(),
                      id="screenshots")
        if self.settings.suggestions.enabled:
            sched.add_job(self._suggest_job, "interval", seconds=self.settings.suggestions.interval_s,
                          id="suggest")
        sched.start()
        self._scheduler = sched

    def stop(self) -> None:
        """Stop capture, let the batch in hand finish, write the last status, release the lock."""
        if self.stop_event.is_set():
            return
        self.stop_event.set()
        for obs in getattr(self, "observers", []):
            try:
                obs.stop()
            except Exception as exc:
                log.warning("observer %s did not stop cleanly: %s", obs.name, exc)
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        close_reader = getattr(getattr(self.pipeline, "read_image", None), "close", None)
        if close_reader is not None:
            close_reader()  # the OCR child, if one is running
        if self.api_server is not None:
            self.api_server.stop()
            self.api_server = None
        self.status.running = False
        self._health_job()
        if self.store is not None:
            self.store.close()
        self.lock.release()
        log.info("gumd stopped")

    def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT; the exit status for the process."""
        def on_signal(signum: int, _frame: Any) -> None:
            log.info("received %s, stopping", signal.Signals(signum).name)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        tune_allocator()  # this process is the daemon's own: its allocator policy is ours to set
        self.start()
        try:
            while not self.stop_event.wait(1.0):
                pass
        finally:
            self.stop_event.clear()
            self.stop()
        return 0

    # -- the sink: privacy, then the queue -------------------------------------------------

    def _sink(self, obs: Observation) -> None:
        admitted = self.privacy.admit(obs)
        if admitted is None:
            if obs.image_path:  # captured before a pause began: do not keep it
                Path(obs.image_path).unlink(missing_ok=True)
            return
        assert self.store is not None
        self.store.enqueue([admitted])
        with self._status_lock:
            self.status.last_observation_at = self.clock()
            if admitted.observer == "screen":
                self.status.last_capture_at = admitted.captured_at

    # -- jobs -------------------------------------------------------------------------------

    def batch_due(self) -> bool:
        assert self.store is not None
        pending = self.store.pending_count()
        if pending >= self.settings.inference.batch_size:
            return True
        if pending >= self.settings.daemon.first_batch_min and not self._first_results_out():
            return True  # a new user should see something within a minute, not after a full batch
        oldest = self.store.oldest_pending_at()
        return bool(pending) and oldest is not None and (
            self.clock() - oldest >= self.settings.daemon.max_wait_s)

    def _first_results_out(self) -> bool:
        assert self.store is not None
        if not self._have_propositions:
            self._have_propositions = self.store.has_active_propositions()
        return self._have_propositions

    #: where the computer draws power from (MAINS, BATTERY or UNKNOWN); faked in tests
    power_source: power.PowerSource = staticmethod(power.power_source)

    def waits_for_mains(self) -> bool:
        """Whether model inference waits now: on battery, with the person active, unless the
        settings allow a model on battery. The statistical inferrer draws little and never waits."""
        s = self.settings
        waiting = (isinstance(getattr(self.pipeline, "inferrer", None), ModelInferrer)
                   and not s.inference.model_on_battery
                   and not (self.state.last_input_at
                            and self.state.idle_for() >= s.capture.idle_after_s)
                   and self.batch_due() and self.power_source() == power.BATTERY)
        self.status.waiting_for_power = waiting
        if waiting:
            log.debug("on battery: model inference waits for mains power or for you to be idle")
        return waiting

    def _inference_job(self) -> None:
        """Run due batches until the queue is drained or the daemon is stopping."""
        assert self.pipeline is not None
        if self.waits_for_mains():
            return
        if not self._infer_lock.acquire(blocking=False):
            return
        try:
            while not self.stop_event.is_set() and self.batch_due():
                try:
                    report = self.pipeline.run_batch()
                except BackendUnavailable as exc:
                    # Said once when the model goes away (and again if the reason changes), not
                    # every retry: `gumd status` shows it the whole time.
                    if self.status.model_unavailable != str(exc):
                        log.warning("model unavailable, observations stay queued: %s", exc)
                    self.status.model_unavailable = str(exc)
                    return
                finally:
                    self._progress(None)
                if self.status.model_unavailable is not None:
                    log.info("model reachable again")
                self.status.model_unavailable = None
                if report is None:
                    return
                self.usage.batch(report.observations)
                self.status.last_inference_at = self.clock()
                self.status.last_inference_error = report.error
                if report.error:
                    log.warning("an inference batch failed: %s", report.error)
                else:
                    log.info("%s", batch_line(report))
                self._health_job()  # "last inference" shows at once, not at the next heartbeat
        except Exception:
            log.exception("inference job failed")
        finally:
            self._infer_lock.release()

    def _progress(self, step: str | None, done: int = 0, total: int = 0, *, batch: bool = True) -> None:
        """Publish the work in hand in the status file; None: nothing (more) in hand.

        A first batch on a loaded machine can take minutes; without this, status showed
        only "last inference: never" and "20 processing" all that while. Work outside a
        batch (screenshots read ahead, suggestions) never hides or clears a batch's report.
        """
        now = self.clock()
        with self._status_lock:
            old = self.status.progress
            if not batch and old is not None and old.get("batch"):
                return
            if step is None:
                if old is None:
                    return
                self.status.progress = None
            else:
                changed = old is None or old.get("step") != step or old.get("batch") != batch
                in_hand = getattr(self.pipeline, "in_hand", 0) if batch else 0
                self.status.progress = {
                    "step": step, "done": done, "total": total, "batch": batch,
                    "observations": in_hand,
                    "step_started_at": now if changed else old.get("step_started_at", now),
                }
                # Per screenshot at most once a second: the file is rewritten whole each time.
                if not changed and now - self._progress_written < 1.0:
                    return
            self._progress_written = now
        self._health_job()

    def run_inference_now(self) -> None:
        """Process whatever is queued at once (used by tests and `gumd queue process`)."""
        self._inference_job()

    def focus(self) -> FocusState:
        """How busy the user is right now, from input timing alone."""
        idle = self.state.idle_for() if self.state.last_input_at else None
        return FocusState(last_input_s_ago=idle, input_rate=self.state.keys_per_minute())

    def _suggest_job(self) -> None:
        """Look for suggestions (never while paused); the suggester applies focus, quiet hours, limits."""
        assert self.store is not None
        if self.stop_event.is_set() or self.pause.paused(self.clock()):
            return
        try:
            self._progress(SUGGESTING, batch=False)
            if self._suggester is None:
                self._suggester = make_suggester(self.settings, self.store)
                self.usage.watch(self._suggester.backend, inference=False)
            made = self._suggester.run(focus=self.focus())
            if made:
                log.info("made %d suggestion(s)", len(made))
        except Exception:
            log.exception("suggestion job failed")
        finally:
            self._progress(None, batch=False)

    def _guard_job(self) -> None:
        """Hold capture back while disk is short or the database is at its size cap.

        Also finishes a wipe of forgotten data that another process's read held back.
        """
        if self.store is not None and self.store.wipe_pending:
            if self.store.finish_wipe():
                log.info("forgotten data is now gone from the database file")
        reason = None
        free_mb = shutil.disk_usage(self.home).free / 1e6
        if free_mb < self.settings.retention.min_free_disk_mb:
            reason = f"only {free_mb:.0f} MB free on disk (retention.min_free_disk_mb)"
        elif self.store is not None and (self.store.size_bytes() / 1e6
                                         >= self.settings.retention.max_db_mb):
            reason = "the database reached retention.max_db_mb"
        if reason != self.gate.blocked:
            if reason:
                log.warning("capture paused: %s", reason)
            else:
                log.info("capture resumed")
        self.gate.blocked = reason

    def _retention_job(self) -> None:
        """Age out raw data (screenshots, processed observations); what was learnt stays."""
        assert self.store is not None
        now = self.clock()
        r = self.settings.retention
        try:
            if r.screenshots_hours > 0:
                self.store.expire_screenshots(now - r.screenshots_hours * 3600)
            cutoff = now - r.observations_days * 86400
            where, params = self.store.status_condition("done", captured_before=cutoff)
            gone = self.store.forget(observation_where=where, observation_params=params,
                                     keep_propositions=True)
            if self.store.size_bytes() / 1e6 >= r.max_db_mb:
                gone2 = self._trim_to_size(r.max_db_mb)
                gone["observations"] += gone2
            if gone["observations"]:
                self.store.reclaim()
                log.info("retention: deleted %d old observations", gone["observations"])
        except Exception:
            log.exception("retention job failed")

    def screenshot_check_s(self) -> float:
        """How often unread screenshots are looked for: often enough to hold the cap closely."""
        return max(1.0, min(15.0, self.settings.retention.unread_screenshot_max_s / 4))

    def _screenshot_job(self) -> None:
        """Read captured screenshots ahead of inference; delete any left unread past the cap.

        A screenshot is the screen unredacted, so it must not wait on disk for a batch to
        come due: each is read (and its text redacted) within seconds, and one that still
        could not be read after `retention.unread_screenshot_max_s` is deleted unread.
        """
        assert self.store is not None and self.pipeline is not None
        cap = self.settings.retention.unread_screenshot_max_s
        reason = (f"screenshot deleted unread: not read within {cap:g} s "
                  "(retention.unread_screenshot_max_s)")
        read = 0
        try:
            while True:
                dropped = self.store.drop_unread_screenshots("screen", self.clock() - cap, reason)
                if dropped:
                    log.warning("deleted %d screenshot(s) not read within %g s "
                                "(retention.unread_screenshot_max_s)", dropped, cap)
                if self.stop_event.is_set():
                    return
                waiting = self.store.unread_screenshot_count("screen")
                if waiting:
                    self._progress(READING, read, read + waiting, batch=False)
                if not waiting or not self.pipeline.read_next_screenshot("screen"):
                    return
                read += 1
        except BackendUnavailable as exc:
            log.warning("screenshots wait for the model, at most %g s: %s", cap, exc)
        except Exception:
            log.exception("screenshot job failed")
        finally:
            self._progress(None, batch=False)

    def _trim_to_size(self, max_mb: float) -> int:
        """Delete the oldest processed observations, a tenth at a time, until under the cap."""
        assert self.store is not None
        total = 0
        for _ in range(10):
            done = self.store.queue_counts()["done"]
            if not done or self.store.size_bytes() / 1e6 < max_mb:
                break
            chunk = max(1, done // 10)
            where, params = self.store.status_condition("done", oldest=chunk)
            gone = self.store.forget(observation_where=where, observation_params=params,
                                     keep_propositions=True)
            total += gone["observations"]
            self.store.reclaim()
        return total

    def _health_job(self) -> None:
        with self._status_lock:
            s = self.status
            s.updated_at = self.clock()
            s.paused = self.pause.paused(self.clock())
            until = self.pause.paused_until() if s.paused else None
            s.paused_until = until if until is not None and math.isfinite(until) else None
            s.idle = self.state.idle_for() >= self.settings.capture.idle_after_s
            s.capture_blocked = self.gate.blocked or (
                "the active window is excluded" if self.gate.excluded_now else None)
            if self.state.last_capture_at:
                s.last_capture_at = max(s.last_capture_at, self.state.last_capture_at)
            for obs in getattr(self, "observers", []):
                if hasattr(obs, "frames_captured"):
                    looked = obs.frames_captured + obs.frames_skipped + getattr(obs, "frames_blocked", 0)
                    if looked != s.frames_captured + s.frames_skipped + self._frames_blocked:
                        s.last_frame_check_at = s.updated_at
                    s.frames_captured = obs.frames_captured
                    s.frames_skipped = obs.frames_skipped
                    self._frames_blocked = getattr(obs, "frames_blocked", 0)
            s.model_usage = self.usage.snapshot() if self.usage.in_use else None
            if self.api_server is not None:
                s.api_url = self.api_server.url
                readers = self.api_server.server.config.app.state.api.readers
                s.api_workers = len(readers.pids) if readers else 0
                s.api_workers_resting = bool(readers and readers.resting)
            else:
                s.api_url, s.api_workers, s.api_workers_resting = None, 0, False
            try:
                health.write_status(self.home, s)
            except OSError as exc:
                log.warning("could not write the status file: %s", exc)
