"""The guard in front of every request: Host check (DNS rebinding), bearer token, body size."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def local_hosts(port: int) -> list[str]:
    """The Host header values a browser or client sends to this server, and no others.

    A page on evil.example that rebinds its name to 127.0.0.1 still sends
    ``Host: evil.example``, so refusing every other host stops it.
    """
    return [f"{name}:{port}" for name in LOOPBACK_NAMES]


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a request streams more than the limit."""


class Guard:
    """Pure ASGI middleware, so it also guards the mounted MCP endpoint and streamed bodies.

    Order: the Host check first (a rebinding page learns nothing, not even that
    a token is needed), then the token, then the declared body size; the actual
    body is counted as it arrives, for chunked uploads that declare none.
    """

    def __init__(self, app: ASGIApp, *, token: str, allowed_hosts: Iterable[str],
                 max_body_bytes: int, public_paths: Iterable[str] = ()) -> None:
        if not token:
            raise ValueError("the API needs a non-empty token")
        self.app = app
        self.expected = f"Bearer {token}".encode()
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.max_body_bytes = max_body_bytes
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets here
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if host.lower() not in self.allowed_hosts:
            await _reply(send, 403, f"host {host[:100]!r} is not allowed; "
                         "use 127.0.0.1 or localhost with this server's port")
            return
        if scope["path"] not in self.public_paths:
            given = headers.get("authorization", "").encode("latin-1")
            if not secrets.compare_digest(given, self.expected):
                await _reply(send, 401, "missing or wrong bearer token; send "
                             "'Authorization: Bearer TOKEN' (see `gumd api token`)",
                             [(b"www-authenticate", b'Bearer realm="gumd"')])
                return
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await _reply(send, 400, "Content-Length is not a number")
                return
            if int(declared) > self.max_body_bytes:
                await _reply(send, 413, self._too_large())
                return
        await self._limited(scope, receive, send)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, self._too_large())

    def _too_large(self) -> str:
        return f"the request body is over the limit of {self.max_body_bytes} bytes"


async def _reply(send: Send, status: int, message: str,
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    # The client may still be sending a body we refuse to read: ask it to hang up after this.
    headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
