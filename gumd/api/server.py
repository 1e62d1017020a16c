"""Run the API under uvicorn on a loopback address, in the foreground or in a background thread."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any

from .errors import ServeError

DEFAULT_PORT = 8765
STARTUP_TIMEOUT_S = 15.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> socket.socket:
    """A listening socket on a loopback address; port 0 picks a free one.

    Binding here, before uvicorn starts, turns "port in use" into one clear
    error at once, and lets a caller learn a picked port before building the app.
    """
    if not is_loopback(host):
        raise ServeError(f"the API only listens on this computer (127.0.0.1, ::1), not on {host}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted connections only when
    # it sees TCP, and without it every response waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}; "
                         "is another gumd API running? set api.port to another port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class ApiServer:
    """A uvicorn server running in a daemon thread; ``stop()`` shuts it down cleanly."""

    def __init__(self, server: Any, thread: threading.Thread, sock: socket.socket) -> None:
        self.server = server
        self.thread = thread
        self.sock = sock
        self.host, self.port = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
        self.sock.close()


def _config(app: Any, log_level: str) -> Any:
    import uvicorn

    from .protocol import BoundedHttpToolsProtocol

    # lifespan "on": the app opens the MCP session manager and closes the Service there.
    # The protocol is httptools (HTTP parsed in C), with a limit on the size of headers.
    return uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                          server_header=False, timeout_graceful_shutdown=5,
                          http=BoundedHttpToolsProtocol)


def serve(app: Any, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
          background: bool = False, sock: socket.socket | None = None,
          log_level: str = "warning") -> ApiServer | None:
    """Serve ``app``; with ``background`` return once it accepts requests, else block until stopped.

    Pass ``sock`` (from ``bind``) to serve on a socket bound earlier.
    """
    import uvicorn

    sock = sock or bind(host, port)
    server = uvicorn.Server(_config(app, log_level))
    if not background:
        try:
            server.run(sockets=[sock])  # Ctrl-C and SIGTERM stop it (uvicorn's handlers)
        finally:
            sock.close()
        return None
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the starting thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name="gumd-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            why = f": {failure[0]}" if failure else " (see the log)"
            raise ServeError(f"the API server did not start{why}")
        time.sleep(0.01)
    return ApiServer(server, thread, sock)
