"""The HTTP API: a Starlette app over ``propositions.service``, guarded by Host, token and body size."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from propositions.errors import GumdError, InvalidInput, NotFound
from propositions.service import Service

from . import ops, params
from .controls import ActionRunner, DaemonControls, ObservationSink, ServiceFactory
from .errors import one_line, status_of
from .openapi import OPENAPI_PATH, build_spec
from .pool import READS, PoolUnavailable, ReadPool
from .security import BodyTooLarge, Guard

log = logging.getLogger("gumd.api")

#: 1 MiB: far more than any observation text or edit, far less than would hurt the daemon
DEFAULT_MAX_BODY_BYTES = 1 << 20
#: observations one POST may carry
MAX_BATCH = 100
MCP_PATH = "/mcp"
#: SQLite's largest integer
MAX_ID = (1 << 63) - 1
CRASH_MESSAGE = "internal error; the daemon's log has the details"

Handler = Callable[[Request], Any]


class Api:
    """The state the endpoints share; one per app."""

    def __init__(self, svc: Service, *, controls: DaemonControls, sink: ObservationSink,
                 allow_recent_observations: bool, action_runner: ActionRunner | None,
                 clock: Callable[[], float], readers: ReadPool | None = None,
                 share_sensitive: bool = False) -> None:
        self.svc = svc
        self.readers = readers
        self.share_sensitive = share_sensitive
        self.controls = controls
        self.sink = sink
        self.allow_recent = allow_recent_observations
        self.runner = action_runner
        self.clock = clock
        self.caps = ops.Capabilities(recent_observations=allow_recent_observations,
                                     actions=action_runner is not None,
                                     sensitive_propositions=share_sensitive)

    def query(self, request: Request) -> params.Query:
        return params.Query(request.query_params, self.clock())

    # -- reading ----------------------------------------------------------------------

    async def context(self, request: Request) -> Response | dict[str, Any]:
        q = self.query(request)
        return await self._ranked_read(
            "context", query=q.text("q"), since=q.time("since"), until=q.time("until"),
            limit=q.integer("limit", ops.CONTEXT_LIMIT, 1, ops.MAX_LIMIT),
            max_tokens=q.integer("max_tokens", ops.CONTEXT_MAX_TOKENS, 1, 100_000),
            share_sensitive=self.share_sensitive)

    async def search(self, request: Request) -> Response | dict[str, Any]:
        q = self.query(request)
        return await self._ranked_read(
            "search", query=q.text("q"), since=q.time("since"), until=q.time("until"),
            limit=q.integer("limit", ops.SEARCH_LIMIT, 1, ops.MAX_LIMIT),
            min_confidence=q.number("min_confidence", 0.0, 0.0, 1.0),
            share_sensitive=self.share_sensitive)

    async def _ranked_read(self, name: str, **kwargs: Any) -> Response | dict[str, Any]:
        """A ranked read, by a worker process when there are some (see pool.py)."""
        if self.readers is not None:
            try:
                return Response(await self.readers.answer(name, **kwargs),
                                media_type="application/json")
            except PoolUnavailable:
                pass  # the pool logged why; this process answers instead
        return await run_in_threadpool(functools.partial(READS[name], self.svc, **kwargs))

    async def proposition(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.proposition, self.svc, _id(request), self.share_sensitive)

    async def recent_observations(self, request: Request) -> dict[str, Any]:
        q = self.query(request)
        return await run_in_threadpool(functools.partial(
            ops.recent_observations, self.svc, self.allow_recent,
            limit=q.integer("limit", 20, 1, ops.MAX_LIMIT), since=q.time("since")))

    # -- correcting -------------------------------------------------------------------

    async def feedback(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        return await run_in_threadpool(ops.feedback, self.svc, _id(request), body.get("action"),
                                       self.share_sensitive)

    async def edit(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        text = params.required_str(body, "text")
        return await run_in_threadpool(ops.edit, self.svc, _id(request), text, self.share_sensitive)

    async def forget(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.forget, self.svc, _id(request))

    # -- suggestions ------------------------------------------------------------------

    async def suggestions(self, request: Request) -> dict[str, Any]:
        q = self.query(request)
        return await run_in_threadpool(ops.suggestions, self.svc, q.text("status", 20) or None,
                                       q.integer("limit", 50, 1, ops.MAX_LIMIT), self.runner)

    async def accept(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.accept_suggestion, self.svc, _id(request), self.runner)

    async def dismiss(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.dismiss_suggestion, self.svc, _id(request))

    async def snooze(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        until = self.clock() + params.parse_duration(params.required_str(body, "for", 20), "for")
        return await run_in_threadpool(ops.snooze_suggestion, self.svc, _id(request), until)

    # -- questions --------------------------------------------------------------------

    async def questions(self, request: Request) -> dict[str, Any]:
        q = self.query(request)
        limit = q.integer("limit", 0, 1, ops.MAX_LIMIT) or None
        everything = q.choice("all", ("true", "false")) == "true"
        return await run_in_threadpool(ops.questions, self.svc, limit, everything,
                                       self.share_sensitive)

    async def answer(self, request: Request) -> dict[str, Any]:
        body = await _json(request)
        return await run_in_threadpool(ops.answer_question, self.svc, _id(request),
                                       body.get("answer"), params.optional_str(body, "text"),
                                       self.share_sensitive)

    # -- the daemon -------------------------------------------------------------------

    async def status(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.status, self.svc, self.controls, self.caps)

    async def pause(self, request: Request) -> dict[str, Any]:
        body = await _json(request, empty_ok=True)
        duration = params.optional_str(body, "for", 20)
        until = self.clock() + params.parse_duration(duration, "for") if duration else None
        return await run_in_threadpool(ops.pause, self.controls, until)

    async def resume(self, request: Request) -> dict[str, Any]:
        return await run_in_threadpool(ops.resume, self.controls)

    async def observe(self, request: Request) -> dict[str, Any]:
        body = await _body(request)
        items = body.get("observations", [body]) if isinstance(body, dict) else body
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
            raise InvalidInput(f"observations: give 1 to {MAX_BATCH} observation objects")
        now = self.clock()
        batch = [self._observation(params.body_object(item), now) for item in items]
        return await run_in_threadpool(ops.add_observations, self.sink, batch)

    def _observation(self, item: dict[str, Any], now: float) -> Any:
        when = item.get("captured_at")
        captured_at = now if when is None else params.parse_time(when, now, "captured_at")
        return ops.make_observation(
            params.required_str(item, "text", 1 << 20),
            app=params.optional_str(item, "app", 500),
            title=params.optional_str(item, "title", 2000),
            url=params.optional_str(item, "url", 4000),
            captured_at=captured_at,
        )


def _id(request: Request) -> int:
    value = int(request.path_params["id"])
    if value > MAX_ID:  # SQLite cannot even compare it: no row has it
        raise NotFound(f"nothing has id {value}")
    return value


async def _body(request: Request, empty_ok: bool = False) -> Any:
    raw = await request.body()
    if not raw.strip() and empty_ok:
        return {}
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("the request body is not valid JSON") from None


async def _json(request: Request, empty_ok: bool = False) -> dict[str, Any]:
    return params.body_object(await _body(request, empty_ok))


def _endpoint(handler: Handler, status: int = 200) -> Callable[[Request], Any]:
    async def run(request: Request) -> Response:
        try:
            result = await handler(request)
        except (GumdError, HTTPException, BodyTooLarge, ClientDisconnect):
            raise  # the app's handlers and the guard answer these; nobody awaits the last
        except Exception:
            # Answered here rather than by Starlette's last-resort handler, which re-raises
            # and makes the server drop the connection a keep-alive client is still using.
            log.exception("%s %s failed", request.method, request.url.path)
            return _error(500, CRASH_MESSAGE)
        return result if isinstance(result, Response) else JSONResponse(result, status_code=status)

    run.__name__ = getattr(handler, "__name__", "endpoint")
    return run


# -- errors: one JSON shape, {"error": "one line"} ---------------------------------------


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status, headers=headers)


async def _on_gumd_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GumdError)
    status = status_of(exc)
    if status in (500, 503):  # the database's trouble, not the client's: worth a line in the log
        log.warning("%s %s failed: %s", request.method, request.url.path, exc)
    return _error(status, str(exc))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: f"no such endpoint: {request.method} {request.url.path}",
                405: f"{request.method} is not allowed on {request.url.path}"}
    return _error(exc.status_code, messages.get(exc.status_code, str(exc.detail)),
                  dict(exc.headers) if exc.headers else None)


async def _on_crash(request: Request, exc: Exception) -> Response:
    # Only for errors outside an endpoint: Starlette re-raises after this reply, and the
    # server logs the traceback once.
    return _error(500, CRASH_MESSAGE)


# -- the app ----------------------------------------------------------------------------


def create_app(
    service_factory: ServiceFactory,
    *,
    token: str,
    allowed_hosts: Iterable[str],
    controls: DaemonControls,
    observation_sink: ObservationSink,
    allow_recent_observations: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    action_runner: ActionRunner | None = None,
    mcp: bool = True,
    clock: Callable[[], float] = time.time,
    readers: ReadPool | None = None,
    share_sensitive: bool = False,
) -> Starlette:
    """The API app. ``service_factory`` is called once, now; the app closes that Service on shutdown.

    With ``readers``, context and search requests are ranked by its worker
    processes; the app closes the pool on shutdown too. Propositions the privacy
    audit flagged sensitive are given out only with ``share_sensitive``.

    ``allowed_hosts`` are the only Host header values served (see
    ``security.local_hosts``). With ``mcp`` the MCP server is mounted at /mcp,
    behind the same token.
    """
    allowed_hosts = list(allowed_hosts)
    svc = service_factory()
    api = Api(svc, controls=controls, sink=observation_sink,
              allow_recent_observations=allow_recent_observations,
              action_runner=action_runner, clock=clock, readers=readers,
              share_sensitive=share_sensitive)
    spec = build_spec()

    async def openapi(request: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route(OPENAPI_PATH, openapi, methods=["GET"]),
        Route("/v1/context", _endpoint(api.context), methods=["GET"]),
        Route("/v1/propositions", _endpoint(api.search), methods=["GET"]),
        Route("/v1/propositions/{id:int}", _endpoint(api.proposition), methods=["GET"]),
        Route("/v1/propositions/{id:int}", _endpoint(api.forget), methods=["DELETE"]),
        Route("/v1/propositions/{id:int}/feedback", _endpoint(api.feedback), methods=["POST"]),
        Route("/v1/propositions/{id:int}/edit", _endpoint(api.edit), methods=["POST"]),
        Route("/v1/observations", _endpoint(api.observe, 202), methods=["POST"]),
        Route("/v1/observations/recent", _endpoint(api.recent_observations), methods=["GET"]),
        Route("/v1/suggestions", _endpoint(api.suggestions), methods=["GET"]),
        Route("/v1/suggestions/{id:int}/accept", _endpoint(api.accept), methods=["POST"]),
        Route("/v1/suggestions/{id:int}/dismiss", _endpoint(api.dismiss), methods=["POST"]),
        Route("/v1/suggestions/{id:int}/snooze", _endpoint(api.snooze), methods=["POST"]),
        Route("/v1/questions", _endpoint(api.questions), methods=["GET"]),
        Route("/v1/questions/{id:int}/answer", _endpoint(api.answer), methods=["POST"]),
        Route("/v1/status", _endpoint(api.status), methods=["GET"]),
        Route("/v1/pause", _endpoint(api.pause), methods=["POST"]),
        Route("/v1/resume", _endpoint(api.resume), methods=["POST"]),
    ]
    session_manager = None
    if mcp:
        from mcp.server.streamable_http_manager import StreamableHTTPASGIApp

        from .mcp_server import build_mcp, transport_security

        server = build_mcp(lambda: svc, allow_recent_observations=allow_recent_observations,
                           share_sensitive=share_sensitive, clock=clock)
        # Builds the session manager; the SDK's own Starlette app is not used, only its endpoint.
        server.streamable_http_app(streamable_http_path=MCP_PATH, stateless_http=True,
                                   json_response=True, max_request_body_size=max_body_bytes,
                                   transport_security=transport_security(allowed_hosts))
        session_manager = server.session_manager
        routes.append(Route(MCP_PATH, StreamableHTTPASGIApp(session_manager)))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            if session_manager is not None:
                # A mounted endpoint's lifespan is not run by Starlette: run the MCP one here.
                async with session_manager.run():
                    yield
            else:
                yield
        finally:
            if readers is not None:
                readers.close()
            svc.close()

    guard = Middleware(Guard, token=token, allowed_hosts=allowed_hosts,
                       max_body_bytes=max_body_bytes, public_paths=[OPENAPI_PATH])
    app = Starlette(
        routes=routes,
        middleware=[guard],
        exception_handlers={GumdError: _on_gumd_error, HTTPException: _on_http_error,
                            Exception: _on_crash},
        lifespan=lifespan,
    )
    app.state.api = api
    return app
