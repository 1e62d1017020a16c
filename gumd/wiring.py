"""Wiring: every part of gumd (store, service, inferrer, pipeline, privacy, suggester, observers,
API app) built from Settings, in one place.

The daemon, the CLI, the MCP entry point and the API's worker pool all call these, so a setting
means the same thing wherever a part is built; the layering test lets no other module construct
the parts themselves.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from propositions import Observation, Store
from propositions.actions import ActionRunner
from propositions.backends import Backend, make_backend
from propositions.infer import ImageReader, Inferrer, ModelInferrer, Pipeline, model_image_reader
from propositions.questions import QuestionPolicy
from propositions.service import Service
from propositions.statistical import StatisticalInferrer
from propositions.suggest import Suggester

from . import paths
from .observers.base import Observer
from .privacy import PauseState, PrivacyFilter
from .settings import ConfigError, ModelSettings, Settings

log = logging.getLogger("gumd.wiring")


def make_model_backend(model: ModelSettings) -> Backend:
    """The model `[model]` names (or a candidate `gumd model test` tries); it loads on first use."""
    return make_backend(model.backend_config())


def make_inferrer(settings: Settings, user: str | None = None) -> Inferrer:
    name = user or settings.inference.user_name
    if settings.model.kind == "statistical":
        if settings.inference.statistical == "threads":
            from propositions.threaded import ThreadInferrer

            return ThreadInferrer(name)
        return StatisticalInferrer(name)
    return ModelInferrer(make_model_backend(settings.model), user=name,
                         language=settings.inference.output_language, focus=settings.model.focus)


def make_image_reader(settings: Settings) -> ImageReader:
    """How screenshots become text, as `[inference] screen_reader` says; OCR loads on first use."""
    from propositions.screen import make_ocr, read_screenshot

    engine: list[Any] = []
    inference = settings.inference

    def ocr(obs: Observation) -> str:
        if not engine:
            if inference.ocr_child:
                from propositions.ocr_process import OcrProcess

                engine.append(OcrProcess(inference.ocr, idle_s=inference.ocr_child_idle_s))
            else:
                engine.append(make_ocr(inference.ocr))
        return read_screenshot(obs.image_path, engine=engine[0])

    def close() -> None:
        if engine and hasattr(engine[0], "close"):
            engine[0].close()

    ocr.close = close  # type: ignore[attr-defined]

    mode = settings.inference.screen_reader
    if mode == "ocr":
        return ocr
    if settings.model.kind == "statistical":
        raise ConfigError(f"inference.screen_reader = {mode!r} needs a model: set [model] kind, "
                          'or use screen_reader = "ocr"')
    return model_image_reader(make_model_backend(settings.model),
                              ocr if mode == "both" else None)


def make_pipeline(settings: Settings, store: Store, inferrer: Inferrer | None = None,
                  privacy: PrivacyFilter | None = None) -> Pipeline:
    return Pipeline(
        store,
        inferrer or make_inferrer(settings),
        batch_size=settings.inference.batch_size,
        read_image=make_image_reader(settings),
        keep_images=settings.retention.screenshots_hours > 0,
        # Text read from screenshots, and propositions, get the same redaction as what is
        # captured or posted: e-mail addresses and phones too when the settings say so.
        redact=(privacy or make_privacy(settings)).redact,
    )


def make_privacy(settings: Settings, clock: Callable[[], float] = time.time) -> PrivacyFilter:
    return PrivacyFilter(settings.privacy, PauseState.for_home(settings.home, clock=clock),
                         clock=clock)


def make_action_runner(settings: Settings) -> ActionRunner:
    s = settings.suggestions
    return ActionRunner(s.notes_dir or settings.home / "notes",
                        s.reminders_dir or settings.home / "reminders", notify=s.notify)


def make_suggester(settings: Settings, store: Store) -> Suggester:
    s = settings.suggestions
    backend = None
    if s.use_model and settings.model.kind != "statistical":
        backend = make_model_backend(settings.model)
    return Suggester(store, s.config(), backend=backend, user=settings.inference.user_name)


def make_api_sink(privacy: PrivacyFilter, store: Store) -> Callable[[list[Observation]], list[int]]:
    """What assistants POST goes through the same filter as captured observations, pause included."""
    def sink(observations: list[Observation]) -> list[int]:
        admitted = [a for a in (privacy.admit(o) for o in observations) if a is not None]
        return store.enqueue(admitted) if admitted else []
    return sink


def make_api_app(settings: Settings, privacy: PrivacyFilter, port: int) -> Any:
    from .api import ReadPool, create_app, load_or_create_token, local_hosts
    from .controls import LocalControls

    a = settings.api
    svc = make_service(settings)  # the app closes it
    readers = ReadPool(service_spec(settings), a.workers) if a.workers else None  # and this
    return create_app(lambda: svc, token=load_or_create_token(settings.home),
                      allowed_hosts=local_hosts(port), controls=LocalControls(settings, svc),
                      observation_sink=make_api_sink(privacy, svc.store),
                      allow_recent_observations=a.allow_recent_observations,
                      max_body_bytes=a.max_body_kb * 1024,
                      action_runner=make_action_runner(settings) if a.allow_actions else None,
                      mcp=a.mcp_http, readers=readers, share_sensitive=a.share_sensitive)


def store_options(settings: Settings) -> dict[str, Any]:
    """The Store's keyword arguments from `[store]`: every opener (daemon, CLI, MCP, API workers) uses these."""
    s = settings.store
    return {"busy_timeout_s": s.busy_timeout_s, "claim_timeout_s": s.claim_timeout_s,
            "max_attempts": s.max_attempts, "mmap_bytes": s.mmap_mb << 20}


def make_store(settings: Settings, *, clock: Callable[[], float] | None = None) -> Store:
    """The configured database, its folder made private first; ``clock`` for a replayed day (the demo)."""
    paths.ensure_private_dir(settings.home)
    return Store(settings.db_path, **store_options(settings), **({"clock": clock} if clock else {}))


def make_service(settings: Settings, store: Store | None = None) -> Service:
    """The facade over the configured database, ranking as `[retrieval]` says and asking as
    `[questions]` says."""
    return Service(store or make_store(settings), weights=settings.retrieval.weights(),
                   questions=make_question_policy(settings))


def make_question_policy(settings: Settings) -> QuestionPolicy:
    """How often and about what gumd asks; evidence only from apps excluded now (kept from
    before they were) is not asked about."""
    gate = PrivacyFilter(settings.privacy, PauseState.for_home(settings.home))
    return QuestionPolicy(per_day=settings.questions.per_day, skip_days=settings.questions.skip_days,
                          user=settings.inference.user_name,
                          excluded_app=lambda app: gate.is_excluded(app, None))


def service_spec(settings: Settings) -> Any:
    """How an API worker process opens its own Service: the same store options, as plain values."""
    from .api import ServiceSpec

    return ServiceSpec(str(settings.db_path), settings.retrieval.weights(), store_options(settings))


def default_observers(settings: Settings) -> list[Observer]:
    """The observers this platform supports, as configured; what cannot run is logged and left out."""
    wanted = set(settings.capture.observers)
    out: list[Observer] = []
    source = None
    if wanted & {"window", "screen"}:
        source = _window_source()
    if source is not None and "window" in wanted:
        from .observers.window import WindowObserver

        out.append(WindowObserver(source))
    if source is not None and "screen" in wanted:
        from .observers.screen import ScreenObserver

        out.append(ScreenObserver(
            interval_s=settings.capture.interval_s,
            idle_after_s=settings.capture.idle_after_s,
            change_threshold=settings.capture.change_threshold,
            max_width=settings.capture.max_width,
        ))
    if "input" in wanted:
        from .observers.input import InputObserver

        out.append(InputObserver(idle_after_s=settings.capture.idle_after_s))
    if "files" in wanted and settings.capture.folders:
        from .observers.files import DEFAULT_IGNORE, FilesObserver

        out.append(FilesObserver(list(settings.capture.folders),
                                 ignore=list(DEFAULT_IGNORE) + list(settings.capture.ignore)))
    return out


def _window_source() -> Any:
    if sys.platform == "darwin":
        from .observers.macos import MacWindowSource

        return MacWindowSource()
    from .observers.x11 import WAYLAND_MESSAGE, X11WindowSource, detect_session

    session = detect_session()
    if session == "wayland":
        log.warning("%s", WAYLAND_MESSAGE)
        return None
    if session == "none":
        log.warning("no display: window and screen observers are off (is DISPLAY set?)")
        return None
    return X11WindowSource()
